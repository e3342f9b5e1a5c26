import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { TimestampedEntity } from '../../db/timestamped.entity';

@ObjectType()
@Entity({ tableName: 'stages' })
export class Stage extends TimestampedEntity {
  @Field(() => ID)
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Field()
  @Property({ type: 'string', length: 100, unique: true })
  name!: string;

  @Field(() => Int)
  @Property({ type: 'integer', unique: true })
  position!: number;
}
