import { Entity, Index, ManyToOne, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { Access } from '../access/access.entity';
import { Company } from '../company/company.entity';
import { User } from '../user/user.entity';
import { MAX_API_KEY_NAME_LENGTH } from '../../shared/field-rules';

/**
 * A machine's credential: acts with `access` in `company`'s tree, never above its creator's rank
 * there. Only the SHA-256 of the secret is stored; `prefix` is its first characters, to recognise it.
 */
@ObjectType({ description: 'A key for machines: `Authorization: Bearer lsk_…` acts with its access in its company tree.' })
@Entity({ tableName: 'api_keys' })
export class ApiKey {
  @Field(() => ID)
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Field()
  @Property({ type: 'string', length: MAX_API_KEY_NAME_LENGTH })
  name!: string;

  @Field({ description: 'The first characters of the secret, to recognise it.' })
  @Property({ type: 'string', length: 16 })
  prefix!: string;

  @Index()
  @ManyToOne(() => Company, { deleteRule: 'cascade' })
  company!: Company;

  @ManyToOne(() => Access)
  access!: Access;

  @ManyToOne(() => User)
  createdBy!: User;

  @Property({ type: 'character', length: 64, unique: true, hidden: true, lazy: true })
  secretHash!: string;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()', onCreate: () => new Date() })
  createdAt!: Opt<Date>;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  lastUsedAt?: Date | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  expiresAt?: Date | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date | null;
}
