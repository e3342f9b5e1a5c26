import { Check, Entity, Enum, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { TimestampedEntity } from '../../db/timestamped.entity';

export enum UserStatus {
  PENDING = 'pending',
  ACTIVE = 'active',
  INACTIVE = 'inactive',
}
registerEnumType(UserStatus, { name: 'UserStatus' });

@ObjectType()
@Entity({ tableName: 'users' })
@Check({ name: 'users_email_lowercase', expression: 'email = lower(email)' })
export class User extends TimestampedEntity {
  @Field(() => ID)
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Field()
  @Property({ type: 'string', length: 100 })
  firstName!: string;

  @Field()
  @Property({ type: 'string', length: 100 })
  lastName!: string;

  /** Stored lower-cased (checked by the database), which makes the unique index case-insensitive. */
  @Field()
  @Property({ type: 'string', length: 254, unique: true })
  email!: string;

  /** Argon2id PHC string; null until the user sets a password. Never exposed. */
  @Property({ type: 'string', nullable: true, hidden: true, lazy: true })
  passwordHash?: string | null;

  @Field(() => UserStatus)
  @Enum({ items: () => UserStatus, default: UserStatus.PENDING })
  status: Opt<UserStatus> = UserStatus.PENDING;

  /** Storage key of the avatar file; the graph exposes its URL instead. */
  @Property({ type: 'string', nullable: true })
  avatarKey?: string | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  onboardingCompletedAt?: Date | null;

  /** Tokens issued before this instant are refused (set when the password changes). */
  @Property({ type: 'datetime', nullable: true })
  credentialsChangedAt?: Date | null;

  @Field(() => String)
  get fullName(): Opt<string> {
    return `${this.firstName} ${this.lastName}`.trim();
  }
}
