import { IsOptional, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';

@InputType({ description: 'Invites an email into a company with an access; the link travels only by mail.' })
export class CreateInvitationInput {
  @Field()
  @MaxLength(254)
  email!: string;

  @Field(() => ID)
  companyId!: string;

  @Field(() => ID, { description: 'Managers may invite as manager or member; only a super_admin as super_admin.' })
  accessId!: string;

  @Field(() => String, { nullable: true, description: 'Used to greet the invitee in the mail' })
  @IsOptional()
  @MaxLength(100)
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(100)
  lastName?: string | null;
}

@InputType({
  description:
    'The token of the invitation mail. Without an account for the invited email, one is created with these names and password. ' +
    'An active account must give its own password; a pending one (never signed in) takes this password. Existing names stay.',
})
export class AcceptInvitationInput {
  @Field()
  @MaxLength(128)
  token!: string;

  @Field()
  @MaxLength(100)
  firstName!: string;

  @Field()
  @MaxLength(100)
  lastName!: string;

  @Field({ description: 'A new password (at least 12 characters), or the password of the existing account' })
  @MaxLength(128)
  password!: string;
}
