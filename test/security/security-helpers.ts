import type { HttpResult, TestApp } from '../helpers/test-app';

/** A GraphQL request refused as a whole: the status, one error with the contract's code, no data. */
export function expectGraphqlRefusal(result: HttpResult, status: number, code: string, message?: RegExp): void {
  expect(result.status).toBe(status);
  expect(result.body.data ?? null).toBeNull();
  expect(result.body.errors[0].extensions.code).toBe(code);
  if (message) expect(result.body.errors[0].message).toMatch(message);
}

/** The REST error body of the contract, with its status. */
export function expectRestError(result: HttpResult, status: number, code: string): void {
  expect(result.status).toBe(status);
  expect(result.body).toEqual({ error: expect.objectContaining({ code }) });
}

/** A GraphQL operation refused for too many attempts: 429, Retry-After within the window, no data. */
export function expectGraphqlLimited(result: HttpResult): void {
  expect(result.status).toBe(429);
  expect(result.body.data).toBeNull();
  const { code, retryAfter } = result.body.errors[0].extensions;
  expect(code).toBe('RATE_LIMITED');
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(600);
  expect(result.headers.get('retry-after')).toBe(String(retryAfter));
}

/** The REST answer for too many attempts. */
export function expectRestLimited(result: HttpResult): void {
  expect(result.status).toBe(429);
  expect(result.body.error.code).toBe('RATE_LIMITED');
  expect(Number(result.headers.get('retry-after'))).toBeGreaterThan(0);
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * Left out on purpose: `audit_events`, which a refusal writes to (its `authorization.refused`
 * event, test/audit-trail.spec.ts), and `sessions`, whose `last_used_at` authenticated requests move.
 */
const TABLES = ['users', 'companies', 'user_accesses', 'invitations', 'import_files', 'password_reset_tokens', 'api_keys'];

/**
 * Tables digested by some columns only: of a webhook endpoint, all but its run of failures, which
 * a delivery attempt in the background (a redelivery a case queued) moves.
 */
const PARTIAL_TABLES: Record<string, string> = {
  webhook_endpoints:
    'id, company_id, url, description, event_types, secret, previous_secret, previous_secret_expires_at, disabled_at, disabled_reason',
};

/**
 * Of a table: which row versions it holds. PostgreSQL writes every insert and every update (even
 * one that sets a column to its own value) as a new row version, at a new place (`ctid`) and by a
 * new transaction (`xmin`); a delete takes one away. So the digest stays equal exactly as long as
 * nothing was written, and costs a fraction of hashing every column of every row.
 */
const rowVersions = (table: string) =>
  `(select count(*) || ':' || coalesce(sum(hashtext(ctid::text || xmin::text)), 0) from ${table})`;

/**
 * A digest of every row of the tables a write could touch: equal before and after means that
 * nothing was written (not even a column of an existing row).
 */
export async function databaseDigest(app: TestApp): Promise<Record<string, string>> {
  const digests = [
    ...TABLES.map((table) => [table, rowVersions(table)]),
    ...Object.entries(PARTIAL_TABLES).map(([table, columns]) => [
      table,
      `(select md5(coalesce(string_agg((${columns})::text, '|' order by id), '')) from ${table})`,
    ]),
  ];
  // One statement: every table read in the same snapshot, and one round trip per digest.
  const [row] = await app.orm.em
    .getConnection()
    .execute(`select ${digests.map(([table, digest]) => `${digest} as "${table}"`).join(', ')}`);
  return row as Record<string, string>;
}

/** Runs `work` `count` times, alternating between two kinds of request, and returns each kind's median time. */
export async function medianTimes(
  count: number,
  first: () => Promise<unknown>,
  second: () => Promise<unknown>,
): Promise<[number, number]> {
  const times: [number[], number[]] = [[], []];
  for (let round = 0; round < count; round += 1) {
    for (const [index, work] of [first, second].entries()) {
      const started = performance.now();
      await work();
      times[index].push(performance.now() - started);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return [median(times[0]), median(times[1])];
}

/**
 * Two medians are "the same within noise": less than 50% apart (a loaded machine slows both), or
 * less than 20 ms apart. A password check costs about 35 ms here, so a path that skips it shows.
 */
export function expectSimilarTimes([a, b]: [number, number]): void {
  const difference = Math.abs(a - b);
  expect({ medians: [Math.round(a), Math.round(b)], similar: difference < 20 || difference < 0.5 * Math.max(a, b) }).toEqual({
    medians: [Math.round(a), Math.round(b)],
    similar: true,
  });
}
