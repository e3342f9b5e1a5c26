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
