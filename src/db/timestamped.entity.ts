import { Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType()
@Entity({ abstract: true })
export abstract class TimestampedEntity {
  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()', onCreate: () => new Date() })
  createdAt!: Opt<Date>;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()', onCreate: () => new Date(), onUpdate: () => new Date() })
  updatedAt!: Opt<Date>;
}

/** A timestamped row with a serial integer key, exposed to the graph as its `ID`. */
@ObjectType()
@Entity({ abstract: true })
export abstract class IdentifiedEntity extends TimestampedEntity {
  @Field(() => ID)
  @PrimaryKey({ type: 'integer' })
  id!: number;
}
