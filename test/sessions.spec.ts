import { buildWorld, PASSWORD } from './helpers/fixtures';
import { ME } from './helpers/documents';
import { withOneDatabase } from './helpers/one-database';
import { sessionIdOf } from './helpers/sessions';
import { useTestWorld } from './helpers/setup';
import type { TestApp } from './helpers/test-app';
import { addUser } from './helpers/users';
import { pollUntil } from './helpers/wait';

/**
 * Sessions: login gives an access token naming its session and a refresh token; refreshing
 * rotates the pair, and a rotated refresh token presented again ends the session (a stolen copy).
 * Ending a session refuses its tokens on the very next request, on both transports.
 */

const { app, world } = useTestWorld();

const SIGN_IN = `mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { token expiresAt refreshToken user { id } }
}`;
const REFRESH = 'mutation($t: String!) { refreshSession(refreshToken: $t) { token expiresAt refreshToken user { id } } }';
const SESSIONS = 'query($u: ID) { sessions(userId: $u) { id createdAt lastUsedAt expiresAt clientIp userAgent current } }';

interface Pair {
  token: string;
  refreshToken: string;
}

async function newPerson(): Promise<{ id: number; email: string }> {
  const user = await addUser(app, [[world.companies.acmeEast, 'member']]);
  return { id: user.id, email: user.email };
}

async function signIn(email: string, userAgent = 'jest'): Promise<Pair> {
  const { body } = await app.request('POST', '/graphql', {
    body: { query: SIGN_IN, variables: { email, password: PASSWORD } },
    headers: { 'user-agent': userAgent },
  });
  expect(body.errors).toBeUndefined();
  return body.data.login;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Whether the token is honoured, asked of both transports: they must agree. */
async function accepted(token: string, on: TestApp = app): Promise<boolean> {
  const graphql = await on.graphql(ME, {}, token);
  const rest = await on.request('GET', '/api/v1/users/validate_jwt', { headers: bearer(token) });
  expect(graphql.status === 200).toBe(rest.status === 200);
  if (graphql.status !== 200) {
    expect(graphql.status).toBe(401);
    expect(rest.status).toBe(401);
  }
  return rest.status === 200;
}

async function sessionRow(id: string): Promise<{ revoked_at: string | null; revoked_reason: string | null }> {
  const [row] = await app.orm.em
    .fork()
    .getConnection()
    .execute<{ revoked_at: string | null; revoked_reason: string | null }[]>(
      'select revoked_at, revoked_reason from sessions where id = ?',
      [id],
    );
  return row;
}

async function auditActions(sessionId: string): Promise<string[]> {
  const rows = await app.orm.em
    .fork()
    .getConnection()
    .execute<{ action: string }[]>(
      `select action from audit_events where target_type = 'session' and target_id = ? order by id`,
      [sessionId],
    );
  return rows.map((row) => row.action);
}

describe('login', () => {
  it('returns an access token naming a new session, and a refresh token, on both transports', async () => {
    const person = await newPerson();
    const graphql = await signIn(person.email, 'Mozilla/5.0 (test)');
    expect(graphql.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rest = await app.request('POST', '/api/v1/users/login', { body: { email: person.email, password: PASSWORD } });
    expect(rest.status).toBe(200);
    expect(Object.keys(rest.body).sort()).toEqual(['expires_at', 'refresh_token', 'token', 'user']);
    expect(sessionIdOf(rest.body.token)).not.toBe(sessionIdOf(graphql.token));

    const { body } = await app.graphql(SESSIONS, {}, graphql.token);
    expect(body.data.sessions).toHaveLength(2);
    const current = body.data.sessions.find((session: { current: boolean }) => session.current);
    expect(current).toMatchObject({
      id: sessionIdOf(graphql.token),
      clientIp: expect.any(String),
      userAgent: 'Mozilla/5.0 (test)',
    });
    expect(await auditActions(current.id)).toEqual(['session.login']);
  });

  it('stores only the hash of a refresh token', async () => {
    const person = await newPerson();
    const { refreshToken } = await signIn(person.email);
    const rows = await app.orm.em
      .fork()
      .getConnection()
      .execute<{ token_hash: string }[]>('select token_hash from refresh_tokens');
    expect(rows.map((row) => row.token_hash)).not.toContain(refreshToken);
    expect(JSON.stringify(rows)).not.toContain(refreshToken);
  });
});

describe('refreshSession', () => {
  it('rotates: a new pair in the same session, the old refresh token dead', async () => {
    const person = await newPerson();
    const first = await signIn(person.email);
    const { body } = await app.graphql(REFRESH, { t: first.refreshToken });
    expect(body.errors).toBeUndefined();
    const second: Pair = body.data.refreshSession;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(sessionIdOf(second.token)).toBe(sessionIdOf(first.token));
    expect(body.data.refreshSession.user.id).toBe(String(person.id));
    expect(await accepted(second.token)).toBe(true);

    // The REST route rotates the same way.
    const rest = await app.request('POST', '/api/v1/users/refresh', { body: { refresh_token: second.refreshToken } });
    expect(rest.status).toBe(200);
    expect(Object.keys(rest.body).sort()).toEqual(['expires_at', 'refresh_token', 'token', 'user']);
    expect(await accepted(rest.body.token)).toBe(true);
    expect(await auditActions(sessionIdOf(first.token))).toEqual(['session.login', 'session.refresh', 'session.refresh']);
  });

  it('ends the whole session when a rotated refresh token comes back (theft), and records it', async () => {
    const person = await newPerson();
    const first = await signIn(person.email);
    const second: Pair = (await app.graphql(REFRESH, { t: first.refreshToken })).body.data.refreshSession;

    const replay = await app.request('POST', '/api/v1/users/refresh', { body: { refresh_token: first.refreshToken } });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('UNAUTHENTICATED');
    const sessionId = sessionIdOf(first.token);
    expect(await sessionRow(sessionId)).toMatchObject({ revoked_at: expect.anything(), revoked_reason: 'refresh-reused' });
    // Both holders are out: the thief's and the owner's tokens, access and refresh.
    expect(await accepted(second.token)).toBe(false);
    expect(await accepted(first.token)).toBe(false);
    expect((await app.graphql(REFRESH, { t: second.refreshToken })).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(await auditActions(sessionId)).toEqual(['session.login', 'session.refresh', 'session.refresh_reused']);
  });

  it('gives one new pair when the same refresh token is sent twice at once; the other request ends the session', async () => {
    const person = await newPerson();
    const { refreshToken, token } = await signIn(person.email);
    const results = await Promise.all([app.graphql(REFRESH, { t: refreshToken }), app.graphql(REFRESH, { t: refreshToken })]);
    expect(results.filter((result) => result.body.data?.refreshSession).length).toBe(1);
    expect((await sessionRow(sessionIdOf(token))).revoked_reason).toBe('refresh-reused');
  });

  it('refuses garbage, and a refresh token of an ended, expired or idle session', async () => {
    expect((await app.graphql(REFRESH, { t: 'garbage' })).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const empty = await app.request('POST', '/api/v1/users/refresh', { body: {} });
    expect(empty.status).toBe(400);

    const person = await newPerson();
    const db = app.orm.em.fork().getConnection();
    for (const change of [
      `set revoked_at = now(), revoked_reason = 'logout'`,
      `set expires_at = now() - interval '1 second'`,
      `set last_used_at = now() - interval '8 days'`,
    ]) {
      const pair = await signIn(person.email);
      await db.execute(`update sessions ${change} where id = ?`, [sessionIdOf(pair.token)]);
      expect((await app.graphql(REFRESH, { t: pair.refreshToken })).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(await accepted(pair.token)).toBe(false);
    }
  });

  it('still works with a stale access token in the Authorization header (refreshing is public)', async () => {
    const person = await newPerson();
    const pair = await signIn(person.email);
    const { status, body } = await app.graphql(REFRESH, { t: pair.refreshToken }, 'an.expired.token');
    expect(status).toBe(200);
    expect(body.data.refreshSession.token).toEqual(expect.any(String));
  });
});

describe('ending sessions', () => {
  it('logout ends this session at once on both transports, and only this one', async () => {
    const person = await newPerson();
    const [graphqlSession, restSession, other] = [
      await signIn(person.email),
      await signIn(person.email),
      await signIn(person.email),
    ];
    expect((await app.graphql('mutation { logout }', {}, graphqlSession.token)).body.data.logout).toBe(true);
    expect(await accepted(graphqlSession.token)).toBe(false);

    const rest = await app.request('POST', '/api/v1/users/logout', { headers: bearer(restSession.token) });
    expect(rest).toMatchObject({ status: 200, body: { success: true } });
    expect(await accepted(restSession.token)).toBe(false);
    expect(await accepted(other.token)).toBe(true);
    expect((await sessionRow(sessionIdOf(restSession.token))).revoked_reason).toBe('logout');
    expect((await app.graphql(REFRESH, { t: graphqlSession.refreshToken })).body.errors[0].extensions.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('revokeSession ends another device; revokeAllSessions ends them all, this one too', async () => {
    const person = await newPerson();
    const [laptop, phone, tablet] = [await signIn(person.email), await signIn(person.email), await signIn(person.email)];
    const revoked = await app.graphql(
      'mutation($id: ID!) { revokeSession(id: $id) }',
      { id: sessionIdOf(phone.token) },
      laptop.token,
    );
    expect(revoked.body.data.revokeSession).toBe(true);
    expect(await accepted(phone.token)).toBe(false);
    expect(await accepted(laptop.token)).toBe(true);

    const listed = await app.request('GET', '/api/v1/sessions', { headers: bearer(laptop.token) });
    expect(listed.status).toBe(200);
    expect(listed.body.sessions.map((session: { id: string }) => session.id).sort()).toEqual(
      [sessionIdOf(laptop.token), sessionIdOf(tablet.token)].sort(),
    );

    const all = await app.request('DELETE', '/api/v1/sessions', { headers: bearer(laptop.token) });
    expect(all).toMatchObject({ status: 200, body: { ended: 2 } });
    expect(await accepted(laptop.token)).toBe(false);
    expect(await accepted(tablet.token)).toBe(false);
  });

  it('an unknown, ended or malformed session id answers 404', async () => {
    const person = await newPerson();
    const pair = await signIn(person.email);
    const revoke = (id: string) => app.graphql('mutation($id: ID!) { revokeSession(id: $id) }', { id }, pair.token);
    expect((await revoke('00000000-0000-4000-8000-000000000000')).body.errors[0].extensions.code).toBe('NOT_FOUND');
    expect((await revoke('not-a-uuid')).body.errors[0].extensions.code).toBe('NOT_FOUND');
    const other = await signIn(person.email);
    await revoke(sessionIdOf(other.token));
    expect((await revoke(sessionIdOf(other.token))).body.errors[0].extensions.code).toBe('NOT_FOUND');
    const rest = await app.request('DELETE', '/api/v1/sessions/not-a-uuid', { headers: bearer(pair.token) });
    expect(rest.status).toBe(400);
  });

  it("lets whoever may manage an account list and end that user's sessions, and nobody else", async () => {
    const person = await newPerson();
    const pair = await signIn(person.email);
    const asViewer = (viewer: 'acmeAdmin' | 'eastManager' | 'globexAdmin' | 'eastMember') =>
      app.graphql(SESSIONS, { u: String(person.id) }, world.token(viewer));
    expect((await asViewer('eastManager')).body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await asViewer('eastMember')).body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await asViewer('globexAdmin')).body.errors[0].extensions.code).toBe('NOT_FOUND');
    const listed = await asViewer('acmeAdmin');
    expect(listed.body.data.sessions).toEqual([expect.objectContaining({ id: sessionIdOf(pair.token), current: false })]);

    const byManager = await app.graphql(
      'mutation($id: ID!) { revokeSession(id: $id) }',
      { id: sessionIdOf(pair.token) },
      world.token('eastManager'),
    );
    expect(byManager.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const byOtherTree = await app.request('DELETE', `/api/v1/sessions/${sessionIdOf(pair.token)}`, {
      headers: world.headers('globexAdmin'),
    });
    expect(byOtherTree.status).toBe(404);
    expect(await accepted(pair.token)).toBe(true);

    const byAdmin = await app.request('DELETE', `/api/v1/sessions?user_id=${person.id}`, { headers: world.headers('acmeAdmin') });
    expect(byAdmin).toMatchObject({ status: 200, body: { ended: 1 } });
    expect(await accepted(pair.token)).toBe(false);
    expect(await accepted(world.token('acmeAdmin'))).toBe(true);
  });

  it('a password change, a reset or a deactivation ends every session, refresh tokens included', async () => {
    const person = await newPerson();
    const [one, two] = [await signIn(person.email), await signIn(person.email)];
    const changed = await app.graphql(
      'mutation($id: ID!) { updateUser(id: $id, input: { password: "a brand new passphrase 9", currentPassword: $p }) { id } }'.replace(
        '$p',
        JSON.stringify(PASSWORD),
      ),
      { id: String(person.id) },
      one.token,
    );
    expect(changed.body.errors).toBeUndefined();
    for (const pair of [one, two]) {
      expect(await accepted(pair.token)).toBe(false);
      expect((await sessionRow(sessionIdOf(pair.token))).revoked_reason).toBe('credentials-changed');
      expect((await app.graphql(REFRESH, { t: pair.refreshToken })).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }

    const deactivated = await newPerson();
    const pair = await signIn(deactivated.email);
    await app.graphql(
      'mutation($id: ID!) { updateUser(id: $id, input: { status: INACTIVE }) { id } }',
      { id: String(deactivated.id) },
      world.token('acmeAdmin'),
    );
    expect((await sessionRow(sessionIdOf(pair.token))).revoked_reason).toBe('deactivated');
    expect((await app.graphql(REFRESH, { t: pair.refreshToken })).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('session expiry', () => {
  it('refuses a session past SESSION_MAX_TTL, or unused for SESSION_IDLE_TTL, and keeps a used one alive', async () => {
    const person = await newPerson();
    const db = app.orm.em.fork().getConnection();
    const old = await signIn(person.email);
    await db.execute(`update sessions set expires_at = now() - interval '1 second' where id = ?`, [sessionIdOf(old.token)]);
    expect(await accepted(old.token)).toBe(false);

    const idle = await signIn(person.email);
    await db.execute(`update sessions set last_used_at = now() - interval '7 days' where id = ?`, [sessionIdOf(idle.token)]);
    expect(await accepted(idle.token)).toBe(false);

    const used = await signIn(person.email);
    await db.execute(`update sessions set last_used_at = now() - interval '6 days' where id = ?`, [sessionIdOf(used.token)]);
    expect(await accepted(used.token)).toBe(true);
    // The use is written down (in the background), so the session's idle clock starts again.
    await pollUntil(async () => {
      const [row] = await db.execute<{ last_used_at: string }[]>('select last_used_at from sessions where id = ?', [
        sessionIdOf(used.token),
      ]);
      return Date.now() - new Date(row.last_used_at).getTime() < 60_000;
    }, 'the use of the session to be written');
  });

  it('counts the idle time from the last use, with SESSION_IDLE_TTL from the configuration', async () => {
    const person = await newPerson();
    expect(app.config.sessions).toEqual({ idleSeconds: 7 * 86400, maxSeconds: 30 * 86400 });
    const pair = await signIn(person.email);
    const [row] = await app.orm.em
      .fork()
      .getConnection()
      .execute<{ lifetime: number }[]>(
        'select extract(epoch from expires_at - created_at)::int as lifetime from sessions where id = ?',
        [sessionIdOf(pair.token)],
      );
    expect(row.lifetime).toBe(30 * 86400);
  });
});

describe('two gateway processes on one database', () => {
  it('a logout through one is honoured by the other on the next request', async () => {
    await withOneDatabase({}, async (database) => {
      if (!database.onServer) return;
      const [first, second] = [await database.start(), await database.start()];
      const shared = await buildWorld(first);
      const person = await addUser(first, [[shared.companies.acmeEast, 'member']]);
      const signedIn = await first.graphql(SIGN_IN, { email: person.email, password: PASSWORD });
      const { token, refreshToken } = signedIn.body.data.login;
      expect(await accepted(token, second)).toBe(true);
      expect((await second.graphql('mutation { logout }', {}, token)).body.data.logout).toBe(true);
      expect(await accepted(token, first)).toBe(false);
      expect((await first.graphql(REFRESH, { t: refreshToken })).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });
  });
});
