import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { TimestampedEntity } from '../../db/timestamped.entity';

/** A version of the terms and conditions; the newest published one is the current one. */
@ObjectType()
@Entity({ tableName: 'legal_terms' })
export class LegalTerm extends TimestampedEntity {
  @Field(() => ID)
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Field()
  @Property({ type: 'string', length: 50, unique: true })
  version!: string;

  @Field()
  @Property({ type: 'string', length: 200 })
  title!: string;

  @Field()
  @Property({ type: 'text' })
  body!: string;

  /** Null while a draft; drafts are invisible to the graph. */
  @Field(() => Date)
  @Index()
  @Property({ type: 'datetime', nullable: true })
  publishedAt?: Date | null;
}
