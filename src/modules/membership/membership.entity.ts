import { ArrayType, Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { TimestampedEntity } from '../../db/timestamped.entity';

/** A plan a company is on; `maxUsers` caps the users a company of this plan may hold. */
@ObjectType()
@Entity({ tableName: 'memberships' })
export class Membership extends TimestampedEntity {
  @Field(() => ID)
  @PrimaryKey({ type: 'integer' })
  id!: number;

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
