import { ArrayMaxSize, ArrayMinSize, ValidateNested } from 'class-validator';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { IsRowId } from '../../shared/field-rule-validators';

export const MAX_USER_ACCESSES_PER_REQUEST = 50;

@InputType({ description: "One (company, access) grant to give a user; at most one of a request's grants is primary." })
export class UserAccessInput {
  @Field(() => ID)
  @IsRowId()
  companyId!: string;

  @Field(() => ID)
  @IsRowId()
  accessId!: string;

  @Field(() => Boolean, {
    nullable: true,
    description: "Makes this grant the user's primary one (the previous one stops being primary).",
  })
  primary?: boolean | null;
}

/**
 * The arguments of addUserAccesses and setUserAccesses, validated together so that every invalid
 * grant is reported at once (as `accesses.<index>.<field>`). Whether a second grant is primary
 * concerns the list as a whole and stays the service's check.
 */
@ArgsType()
export class UserAccessesArgs {
  @Field(() => ID)
  @IsRowId()
  userId!: string;

  @Field(() => [UserAccessInput])
  @ArrayMinSize(1, { message: '$property must hold at least one grant (a user always keeps one access)' })
  @ArrayMaxSize(MAX_USER_ACCESSES_PER_REQUEST, {
    message: `$property must hold at most ${MAX_USER_ACCESSES_PER_REQUEST} grants`,
  })
  @ValidateNested()
  accesses!: UserAccessInput[];
}
