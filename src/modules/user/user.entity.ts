import { Check, Entity, Enum, type Opt, Property } from '@mikro-orm/core';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { IdentifiedEntity } from '../../db/timestamped.entity';
import { MAX_EMAIL_LENGTH, MAX_PERSON_NAME_LENGTH } from '../../shared/field-rules';

export enum UserStatus {
  PENDING = 'pending',
  ACTIVE = 'active',
  INACTIVE = 'inactive',
}
registerEnumType(UserStatus, { name: 'UserStatus' });

@ObjectType()
@Entity({ tableName: 'users' })
@Check({ name: 'users_email_lowercase', expression: 'email = lower(email)' })
export class User extends IdentifiedEntity {
  @Field()
  @Property({ type: 'string', length: MAX_PERSON_NAME_LENGTH })
  firstName!: string;

  @Field()
  @Property({ type: 'string', length: MAX_PERSON_NAME_LENGTH })
  lastName!: string;

  /** Stored lower-cased (checked by the database), which makes the unique index case-insensitive. */
  @Field()
  @Property({ type: 'string', length: MAX_EMAIL_LENGTH, unique: true })
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

  /** When the password last changed or the account was locked out: every session of the account ended then. */
  @Property({ type: 'datetime', nullable: true })
  credentialsChangedAt?: Date | null;

  @Field(() => String)
  get fullName(): Opt<string> {
    return `${this.firstName} ${this.lastName}`.trim();
  }
}
