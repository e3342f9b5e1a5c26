import type { EntityManager } from '@mikro-orm/postgresql';
import { queryPrepared } from '../../db/prepared-statements';
import type { BackgroundTasks } from '../../shared/background-tasks';

/** How stale `last_used_at` may be at most: writing it on every request would turn every read into a write. */
const MAX_TOUCH_INTERVAL_MS = 60_000;
/** Remembered uses; past it the oldest are forgotten (they are written again on their next use). */
const REMEMBERED = 10_000;

/**
 * Keeps `last_used_at` of sessions and API keys current, in the background: to the minute, or to a
 * tenth of the session idle TTL when that is shorter, since a session's idle expiry counts from it.
 */
export class CredentialUse {
  private readonly touchedAt = new Map<string, number>();
  private readonly intervalMs: number;

  constructor(
    private readonly background: BackgroundTasks,
    sessionIdleSeconds: number,
  ) {
    this.intervalMs = Math.min(MAX_TOUCH_INTERVAL_MS, sessionIdleSeconds * 100);
  }

  session(em: EntityManager, sessionId: string, lastUsedAt: Date): void {
    this.touch(em, `session:${sessionId}`, lastUsedAt, 'update sessions set last_used_at = now() where id = ?', sessionId);
  }

  apiKey(em: EntityManager, keyId: number, lastUsedAt: Date | null): void {
    this.touch(em, `api-key:${keyId}`, lastUsedAt, 'update api_keys set last_used_at = now() where id = ?', keyId);
  }

  private touch(em: EntityManager, key: string, lastUsedAt: Date | null, sql: string, id: unknown): void {
    const now = Date.now();
    const stored = lastUsedAt?.getTime() ?? 0;
    if (now - Math.max(stored, this.touchedAt.get(key) ?? 0) < this.intervalMs) return;
    if (this.touchedAt.size >= REMEMBERED) this.touchedAt.delete(this.touchedAt.keys().next().value!);
    this.touchedAt.set(key, now);
    this.background.run('credential-use', async () => {
      await queryPrepared(em.fork(), sql, [id]);
    });
  }
}
