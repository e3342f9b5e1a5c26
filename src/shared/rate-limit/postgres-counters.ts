import type { Knex } from '@mikro-orm/postgresql';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { performanceTrickOn } from '../../config';
import type { DomainError } from '../errors';
import { withPooledConnection } from '../pooled-connection';

/** Created by a migration (the statement rate-limiter-flexible would run), so nothing runs DDL at request time. */
export const RATE_LIMIT_TABLE = 'rate_limits';

export interface CounterSettings {
  /** Starts every key of the counter: `operation:kind`. */
  keyPrefix: string;
  points: number;
  windowSeconds: number;
  /** Told of each attempt refused because of this counter, with its limiter: the key prefix's first part (`login`). */
  onRefused?: RefusalListener;
}

export type RefusalListener = (limiter: string) => void;

/** Per counter, whom `consumeAll` tells of its refusals. */
const refusalListeners = new WeakMap<RateLimiterPostgres, () => void>();

/**
 * One of rate-limiter-flexible's PostgreSQL counters on the ORM's own pool: its counts are rows of
 * `rate_limits`, so every gateway process on the database enforces the same limits.
 */
export function postgresCounter(knex: Knex, settings: CounterSettings): RateLimiterPostgres {
  const counter = new RateLimiterPostgres({
    // Its named statements are safe on the embedded database too: every new pooled connection
    // starts with SESSION_RESET_SQL (db/orm-options.ts). Where they are off (a pooler in transaction
    // mode would run them on another server connection), the same statements go unnamed.
    ...(performanceTrickOn('prepared-statements')
      ? { storeClient: knex, storeType: 'knex' }
      : { storeClient: unnamedStatements(knex), storeType: 'pool' }),
    tableName: RATE_LIMIT_TABLE,
    tableCreated: true,
    keyPrefix: settings.keyPrefix,
    points: settings.points,
    duration: settings.windowSeconds,
    // Its sweep's timer is never cleared: it would keep a stopped app in memory, then query its closed pool.
    clearExpiredByTimeout: false,
  });
  const { onRefused } = settings;
  if (onRefused) {
    const limiter = settings.keyPrefix.split(':')[0];
    refusalListeners.set(counter, () => onRefused(limiter));
  }
  return counter;
}

/** What rate-limiter-flexible's own sweep does: every five minutes, rows that expired an hour ago go. */
const SWEEP_INTERVAL_MS = 5 * 60_000;
const SWEEP_AFTER_EXPIRY_MS = 60 * 60_000;

/** Deletes the expired rows of `rate_limits`, every counter's, from `start` until `stop`. */
export class ExpiredCountsSweep {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(private readonly knex: Knex) {}

  start(): void {
    // A failure is not worth a log, as for the library: the next sweep deletes the same rows.
    this.timer = setInterval(() => void this.sweep().catch(() => undefined), SWEEP_INTERVAL_MS);
  }

  /** Deletes the rows that expired over an hour ago (at most one sweep runs at a time). */
  sweep(): Promise<void> {
    this.sweeping ??= this.knex
      .raw(`delete from ${RATE_LIMIT_TABLE} where expire < ?`, [Date.now() - SWEEP_AFTER_EXPIRY_MS])
      .then(() => undefined)
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** Sweeps no more; resolves once the sweep in flight (if any) is done. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
  }
}

interface StatementConfig {
  text: string;
  values?: unknown[];
}

interface DriverConnection {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/**
 * A pg-`Pool`-like client for rate-limiter-flexible that drops the statement names it gives
 * (`rlflx-upsert`, …): each statement runs as the driver's unnamed one, on a connection of the ORM's pool.
 */
function unnamedStatements(knex: Knex) {
  return {
    query: ({ text, values }: StatementConfig): Promise<unknown> =>
      withPooledConnection(knex, (connection: DriverConnection) => connection.query(text, values)),
  };
}

/**
 * Counts one point on each counter at once; when any of them is over its limit, the points the
 * others took are given back and `refusal` is thrown with the longest wait, in seconds.
 */
export async function consumeAll(
  counted: [RateLimiterPostgres, string][],
  refusal: (retryAfterSeconds: number) => DomainError,
): Promise<void> {
  const results = await Promise.allSettled(counted.map(([counter, key]) => counter.consume(key)));
  const failure = results.find((result) => result.status === 'rejected' && !(result.reason instanceof RateLimiterRes));
  if (failure) throw (failure as PromiseRejectedResult).reason;
  const refusals = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as RateLimiterRes] : []));
  if (!refusals.length) return;
  // Once per refused attempt, however many of its counters are over their limit.
  const refusedBy = counted.find((_counter, index) => results[index].status === 'rejected')![0];
  refusalListeners.get(refusedBy)?.();
  // A refused attempt runs no check, so it costs the other keys nothing: a client over its address
  // limit cannot use up the attempts of the accounts it aims at, nor the reverse.
  await Promise.all(counted.map(([counter, key], index) => (results[index].status === 'fulfilled' ? counter.reward(key) : null)));
  throw refusal(Math.ceil(Math.max(...refusals.map((refusal) => refusal.msBeforeNext)) / 1000));
}
