import { Check, Entity, Index, ManyToOne, type Opt, Property } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { IdentifiedEntity } from '../../db/timestamped.entity';
import { MAX_COMPANY_NAME_LENGTH } from '../../shared/field-rules';
import { Membership } from '../membership/membership.entity';

@ObjectType()
@Entity({ tableName: 'companies' })
@Check({ name: 'companies_default_is_root', expression: 'not is_default or parent_id is null' })
export class Company extends IdentifiedEntity {
  @Field()
  @Property({ type: 'string', length: MAX_COMPANY_NAME_LENGTH })
  name!: string;

  /** At most one default company (a partial unique index in the migration), and it is a root. */
  @Field(() => Boolean)
  @Property({ type: 'boolean', default: false })
  isDefault: Opt<boolean> = false;

  @Index()
  @ManyToOne(() => Company, { nullable: true, deleteRule: 'restrict' })
  parent?: Company | null;

  @Index()
  @ManyToOne(() => Membership, { nullable: true, deleteRule: 'set null' })
  membership?: Membership | null;

  @Property({ type: 'string', nullable: true })
  avatarKey?: string | null;
}
