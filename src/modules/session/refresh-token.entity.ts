import { Entity, Index, ManyToOne, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { Session } from './session.entity';

/**
 * A refresh token of a session, by the SHA-256 of its text. Refreshing rotates it: the row stays,
 * stamped `rotatedAt`, so that presenting it again is recognised as reuse (a stolen copy).
 */
@Entity({ tableName: 'refresh_tokens' })
export class RefreshToken {
  @PrimaryKey({ type: 'character', length: 64 })
  tokenHash!: string;

  @Index()
  @ManyToOne(() => Session, { deleteRule: 'cascade' })
  session!: Session;

  @Property({ type: 'datetime', defaultRaw: 'now()', onCreate: () => new Date() })
  createdAt!: Opt<Date>;

  @Property({ type: 'datetime', nullable: true })
  rotatedAt?: Date | null;
}
