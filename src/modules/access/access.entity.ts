import { Entity, Property } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { IdentifiedEntity } from '../../db/timestamped.entity';

/** The four fixed roles; `rank` orders them so that a higher grant includes a lower one. */
export const ACCESS_KEYS = ['member', 'manager', 'admin', 'super_admin'] as const;
export type AccessKey = (typeof ACCESS_KEYS)[number];

@ObjectType()
@Entity({ tableName: 'accesses' })
export class Access extends IdentifiedEntity {
  @Field(() => String)
  @Property({ type: 'string', length: 50, unique: true })
  key!: AccessKey;

  @Field()
  @Property({ type: 'string', length: 100 })
  name!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  description?: string | null;

  @Property({ type: 'integer', unique: true })
  rank!: number;
}
