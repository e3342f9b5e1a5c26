import { Entity, Property } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { IdentifiedEntity } from '../../db/timestamped.entity';

@ObjectType()
@Entity({ tableName: 'stages' })
export class Stage extends IdentifiedEntity {
  @Field()
  @Property({ type: 'string', length: 100, unique: true })
  name!: string;

  @Field(() => Int)
  @Property({ type: 'integer', unique: true })
  position!: number;
}
