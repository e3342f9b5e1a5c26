import { ArgsType, Field, Int } from 'type-graphql';

/** The arguments of every connection field: how many nodes, and the cursor to start after. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true })
  first?: number;

  @Field(() => String, { nullable: true })
  after?: string;
}
