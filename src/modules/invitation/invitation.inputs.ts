import { IsOptional, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { MAX_PASSWORD_LENGTH, MAX_TOKEN_LENGTH, MIN_PASSWORD_LENGTH } from '../../shared/field-rules';
import { IsEmailAddress, IsPersonName, IsRowId } from '../../shared/field-rule-validators';

@InputType({ description: 'Invites an email into a company with an access; the link travels only by mail.' })
export class CreateInvitationInput {
  @Field()
  @IsEmailAddress()
  email!: string;

  @Field(() => ID)
  @IsRowId()
  companyId!: string;

  @Field(() => ID, { description: 'Managers may invite as manager or member; only a super_admin as super_admin.' })
  @IsRowId()
  accessId!: string;

  @Field(() => String, { nullable: true, description: 'Used to greet the invitee in the mail' })
  @IsOptional()
  @IsPersonName()
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsPersonName()
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
  @IsPersonName()
  firstName!: string;

  @Field()
  @IsPersonName()
  lastName!: string;

  @Field({
    description: `A new password (at least ${MIN_PASSWORD_LENGTH} characters), or the password of the existing account`,
  })
  // Only the length here: an existing account's own password may predate today's rule for new ones,
  // which the service applies when it creates the account.
  @MaxLength(MAX_PASSWORD_LENGTH)
  password!: string;
}
