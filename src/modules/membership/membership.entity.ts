import { ArrayType, Entity, type Opt, Property } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { IdentifiedEntity } from '../../db/timestamped.entity';

/** A plan a company is on; `maxUsers` caps the users a company of this plan may hold. */
@ObjectType()
@Entity({ tableName: 'memberships' })
export class Membership extends IdentifiedEntity {
  @Field()
  @Property({ type: 'string', length: 100, unique: true })
  name!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  description?: string | null;

  @Field(() => Int, { nullable: true, description: 'null means unlimited' })
  @Property({ type: 'integer', nullable: true })
  maxUsers?: number | null;

  @Field(() => Int)
  @Property({ type: 'integer' })
  priceCents!: number;

  @Field()
  @Property({ type: 'string', length: 3 })
  currency!: string;

  @Field(() => [String])
  @Property({ type: ArrayType, columnType: 'text[]', defaultRaw: `'{}'` })
  features: Opt<string[]> = [];
}
