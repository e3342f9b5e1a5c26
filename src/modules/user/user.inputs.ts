import { IsOptional, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { MAX_PASSWORD_INPUT_LENGTH, MAX_SEARCH_TEXT_LENGTH, MIN_PASSWORD_LENGTH } from '../../shared/field-rules';
import { IsEmailAddress, IsNewPassword, IsPersonName, IsRowId } from '../../shared/field-rule-validators';
import { UserStatus } from './user.entity';

@InputType()
export class UserFilter {
  @Field(() => ID, { nullable: true, description: 'Users holding an access in this company' })
  companyId?: string;

  @Field(() => UserStatus, { nullable: true })
  status?: UserStatus;

  @Field({ nullable: true, description: 'Words matched against first name, last name and email' })
  @IsOptional()
  @MaxLength(MAX_SEARCH_TEXT_LENGTH)
  q?: string;
}

@InputType({ description: 'Without a password the user is PENDING and receives a mail to choose one.' })
export class CreateUserInput {
  @Field()
  @IsPersonName()
  firstName!: string;

  @Field()
  @IsPersonName()
  lastName!: string;

  @Field()
  @IsEmailAddress()
  email!: string;

  @Field(() => String, { nullable: true, description: `At least ${MIN_PASSWORD_LENGTH} characters` })
  @IsOptional()
  @IsNewPassword()
  password?: string | null;

  @Field(() => ID, { description: 'The company of the first (primary) access' })
  @IsRowId()
  companyId!: string;

  @Field(() => ID, { description: 'The access granted in that company' })
  @IsRowId()
  accessId!: string;

  @Field(() => UserStatus, { nullable: true, description: 'ACTIVE by default with a password; PENDING without' })
  status?: UserStatus | null;
}

@InputType({ description: 'Anyone may change their own names and password; admins of the user also email and status.' })
export class UpdateUserInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsPersonName()
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsPersonName()
  lastName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsEmailAddress()
  email?: string | null;

  @Field(() => UserStatus, { nullable: true })
  status?: UserStatus | null;

  @Field(() => String, { nullable: true, description: 'Own password only, together with currentPassword' })
  @IsOptional()
  @IsNewPassword()
  password?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(MAX_PASSWORD_INPUT_LENGTH)
  currentPassword?: string | null;
}
