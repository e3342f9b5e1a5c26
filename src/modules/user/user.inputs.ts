import { IsOptional, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { UserStatus } from './user.entity';

@InputType()
export class UserFilter {
  @Field(() => ID, { nullable: true, description: 'Users holding an access in this company' })
  companyId?: string;

  @Field(() => UserStatus, { nullable: true })
  status?: UserStatus;

  @Field({ nullable: true, description: 'Words matched against first name, last name and email' })
  @IsOptional()
  @MaxLength(100)
  q?: string;
}

@InputType({ description: 'Without a password the user is PENDING and receives a mail to choose one.' })
export class CreateUserInput {
  @Field()
  @MaxLength(100)
  firstName!: string;

  @Field()
  @MaxLength(100)
  lastName!: string;

  @Field()
  @MaxLength(254)
  email!: string;

  @Field(() => String, { nullable: true, description: 'At least 12 characters' })
  @IsOptional()
  @MaxLength(128)
  password?: string | null;

  @Field(() => ID, { description: 'The company of the first (primary) access' })
  companyId!: string;

  @Field(() => ID, { description: 'The access granted in that company' })
  accessId!: string;

  @Field(() => UserStatus, { nullable: true, description: 'ACTIVE by default with a password; PENDING without' })
  status?: UserStatus | null;
}

@InputType({ description: 'Anyone may change their own names and password; admins of the user also email and status.' })
export class UpdateUserInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(100)
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(100)
  lastName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(254)
  email?: string | null;

  @Field(() => UserStatus, { nullable: true })
  status?: UserStatus | null;

  @Field(() => String, { nullable: true, description: 'Own password only, together with currentPassword' })
  @IsOptional()
  @MaxLength(128)
  password?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(1024)
  currentPassword?: string | null;
}
