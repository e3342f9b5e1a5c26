import { Arg, Args, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../request-context';
import { User } from '../user/user.entity';
import { ResetPasswordArgs } from './password-reset.inputs';

@Resolver()
export class PasswordResetResolver {
  @Mutation(() => Boolean, {
    description: 'Mails a one-time link to reset the password. Always true, whether or not the email has an account.',
  })
  requestPasswordReset(@Arg('email') email: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    return ctx.services.passwordResets.requestReset(email);
  }

  @Mutation(() => User, {
    description: 'Sets a new password with the token of a reset or new-account mail; the token is used up.',
  })
  resetPassword(@Args() { token, password }: ResetPasswordArgs, @Ctx() ctx: RequestContext): Promise<User> {
    return ctx.services.passwordResets.resetPassword(token, password);
  }
}
