import { IsOptional, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import {
  MAX_EMAIL_LENGTH,
  MAX_PASSWORD_LENGTH,
  MAX_PERSON_NAME_LENGTH,
  MAX_TOKEN_LENGTH,
  MIN_PASSWORD_LENGTH,
} from '../../shared/field-rules';

@InputType({ description: 'Invites an email into a company with an access; the link travels only by mail.' })
export class CreateInvitationInput {
  @Field()
  @MaxLength(MAX_EMAIL_LENGTH)
  email!: string;

  @Field(() => ID)
  companyId!: string;

  @Field(() => ID, { description: 'Managers may invite as manager or member; only a super_admin as super_admin.' })
  accessId!: string;

  @Field(() => String, { nullable: true, description: 'Used to greet the invitee in the mail' })
  @IsOptional()
  @MaxLength(MAX_PERSON_NAME_LENGTH)
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(MAX_PERSON_NAME_LENGTH)
  lastName?: string | null;
}

@InputType({
  description:
    'The token of the invitation mail. Without an account for the invited email, one is created with these names and password. ' +
    'An active account must give its own password; a pending one (never signed in) takes this password. Existing names stay.',
})
export class AcceptInvitationInput {
  @Field()
  @MaxLength(MAX_TOKEN_LENGTH)
  token!: string;

  @Field()
  @MaxLength(MAX_PERSON_NAME_LENGTH)
  firstName!: string;

  @Field()
  @MaxLength(MAX_PERSON_NAME_LENGTH)
  lastName!: string;

  @Field({
    description: `A new password (at least ${MIN_PASSWORD_LENGTH} characters), or the password of the existing account`,
  })
  @MaxLength(MAX_PASSWORD_LENGTH)
  password!: string;
}
