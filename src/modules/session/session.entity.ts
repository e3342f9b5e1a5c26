import { Entity, Index, ManyToOne, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { User } from '../user/user.entity';

/** Why a session ended before it expired. */
export type SessionEnd = 'logout' | 'revoked' | 'refresh-reused' | 'credentials-changed' | 'deactivated';

/**
 * One sign-in of a person on one device: every access token it issues names it (`sid`), so ending
 * it refuses them on the next request. Its refresh tokens rotate (refresh-token.entity.ts).
 */
@ObjectType({ description: 'A sign-in of the user on one device; ending it refuses its tokens at once.' })
@Entity({ tableName: 'sessions' })
export class Session {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Index()
  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()', onCreate: () => new Date() })
  createdAt!: Opt<Date>;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()', onCreate: () => new Date() })
  lastUsedAt!: Opt<Date>;

  /** SESSION_MAX_TTL after its creation, whatever its use. */
  @Field(() => Date)
  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Field(() => String, { nullable: true, description: 'The address the session was created from.' })
  @Property({ type: 'string', length: 64, nullable: true })
  clientIp?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 512, nullable: true })
  userAgent?: string | null;

  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date | null;

  @Property({ type: 'string', length: 32, nullable: true })
  revokedReason?: SessionEnd | null;
}
