import { Field, ID, InputType } from 'type-graphql';

@InputType({ description: "One (company, access) grant to give a user; at most one of a request's grants is primary." })
export class UserAccessInput {
  @Field(() => ID)
  companyId!: string;

  @Field(() => ID)
  accessId!: string;

  @Field(() => Boolean, {
    nullable: true,
    description: "Makes this grant the user's primary one (the previous one stops being primary).",
  })
  primary?: boolean | null;
}
