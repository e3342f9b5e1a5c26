import { Entity, Index, ManyToOne, type Opt, Property, Unique } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { IdentifiedEntity } from '../../db/timestamped.entity';
import { Company } from '../company/company.entity';
import { User } from '../user/user.entity';
import { Access } from './access.entity';

/** One (company, access) grant of a user. A partial unique index keeps one primary per user. */
@ObjectType()
@Entity({ tableName: 'user_accesses' })
@Unique({ properties: ['user', 'company'] })
export class UserAccess extends IdentifiedEntity {
  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Index()
  @ManyToOne(() => Company, { deleteRule: 'cascade' })
  company!: Company;

  @Index()
  @ManyToOne(() => Access, { deleteRule: 'restrict' })
  access!: Access;

  @Field(() => Boolean)
  @Property({ type: 'boolean', default: false })
  primary: Opt<boolean> = false;
}
