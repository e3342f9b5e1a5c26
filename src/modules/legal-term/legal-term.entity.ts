import { Entity, Index, Property } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { IdentifiedEntity } from '../../db/timestamped.entity';

/** A version of the terms and conditions; the newest published one is the current one. */
@ObjectType()
@Entity({ tableName: 'legal_terms' })
export class LegalTerm extends IdentifiedEntity {
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
