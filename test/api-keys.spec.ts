import { createHash } from 'node:crypto';
import type { GraphQLObjectType } from 'graphql';
import type { AccessKey } from '../src/modules/access/access.entity';
import { UserAccess } from '../src/modules/access/user-access.entity';
import { buildGatewaySchema } from '../src/graphql/schema';
import { User, UserStatus } from '../src/modules/user/user.entity';
import { createLogger } from '../src/shared/logger';
import { expectFieldError, expectRefused } from './helpers/expect';
import type { Actor, World } from './helpers/fixtures';
import { sessionToken } from './helpers/sessions';
import { useTestWorld } from './helpers/setup';
import type { HttpResult, TestApp } from './helpers/test-app';
import { pollUntil } from './helpers/wait';

const API_KEY_FIELDS = 'id name prefix createdAt lastUsedAt expiresAt revokedAt company { id } access { key } createdBy { id }';
const CREATE = `mutation CreateApiKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { ${API_KEY_FIELDS} } } }`;
const LIST = `query ApiKeys($c: ID!) { apiKeys(companyId: $c) { ${API_KEY_FIELDS} } }`;
const REVOKE = `mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) { ${API_KEY_FIELDS} } }`;
const USERS_IN = 'query($c: ID) { users(filter: { companyId: $c }) { totalCount } }';

type CompanyName = keyof World['companies'];

/** What a GraphQL answer came to: `ok`, or the code of its first error. */
const outcomeOf = (result: HttpResult) => result.body.errors?.[0]?.extensions?.code ?? 'ok';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const withKey = (secret: string) => ({ authorization: `Bearer ${secret}` });

/** Creating keys through the graph, as a fixture user (or any session token), and sending requests with them. */
function apiKeyHelpers(app: TestApp, world: World) {
  let serial = 0;
  /** Every secret the app handed out, to look for in what it must never hold. */
  const secrets: string[] = [];
  const create = async (
    creator: Actor | { token: string },
    company: CompanyName,
    access: AccessKey,
    input: Record<string, unknown> = {},
  ) => {
    const result = await app.graphql(
      CREATE,
      {
        input: {
          companyId: String(world.companies[company]),
          accessId: String(world.accessIds[access]),
          name: `key ${++serial}`,
          ...input,
        },
      },
      typeof creator === 'string' ? world.tokenOf(creator) : creator.token,
    );
    const secret = result.body.data?.createApiKey?.secret;
    if (secret) secrets.push(secret);
    return result;
  };
  return {
    secrets,
    create,
    /** A new key's secret and id; the creation must succeed. */
    async key(creator: Actor | { token: string }, company: CompanyName, access: AccessKey, input: Record<string, unknown> = {}) {
      const result = await create(creator, company, access, input);
      expect(result.body.errors).toBeUndefined();
      const { secret, apiKey } = result.body.data.createApiKey;
      return { secret: secret as string, id: Number(apiKey.id), apiKey };
    },
    usersIn: (secret: string, company: CompanyName) => app.graphql(USERS_IN, { c: String(world.companies[company]) }, secret),
    restUsersIn: (secret: string, company: CompanyName, headers = withKey(secret)) =>
      app.request('GET', `/api/v1/users?company_id=${world.companies[company]}`, { headers }),
    row: async (id: number) =>
      (await app.orm.em.getConnection().execute('select * from api_keys where id = ?', [id]))[0] as Record<string, unknown>,
    events: (id: number) =>
      app.orm.em
        .getConnection()
        .execute(`select * from audit_events where target_type = 'api_key' and target_id = ? order by id`, [String(id)]),
    countEvents: async (action: string) =>
      Number(
        (await app.orm.em.getConnection().execute('select count(*)::int as n from audit_events where action = ?', [action]))[0].n,
      ),
  };
}

describe('API keys', () => {
  const logLines: string[] = [];
  const logger = createLogger('trace', { write: (line: string) => logLines.push(line) });
  const { app, world } = useTestWorld({ RATE_LIMIT_PER_ADDRESS: '100000' }, { logger });
  const keys = apiKeyHelpers(app, world);
  let eastAdmin: { user: User; token: string };

  /** An admin of Acme East only (the fixture world has none), to create keys and to lose its rank. */
  async function newEastAdmin(name: string): Promise<{ user: User; token: string }> {
    const em = app.orm.em.fork();
    const template = await em.findOneOrFail(User, world.users.acmeAdmin.id, { populate: ['passwordHash'] });
    const user = em.create(User, {
      email: `${name}@example.com`,
      firstName: name,
      lastName: 'Keys',
      passwordHash: template.passwordHash,
      status: UserStatus.ACTIVE,
    });
    em.create(UserAccess, { user, company: world.companies.acmeEast, access: world.accessIds.admin, primary: true });
    await em.flush();
    return { user, token: await sessionToken(app, user.id) };
  }

  beforeAll(async () => {
    eastAdmin = await newEastAdmin('eastadmin');
  });

  describe('creating one', () => {
    it('shows the secret once on GraphQL: lsk_ and 256 random bits, its prefix, and stores only its SHA-256', async () => {
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      const result = await keys.create('acmeAdmin', 'acmeEast', 'manager', { name: '  CI deploys  ', expiresAt });
      expect(result.body.errors).toBeUndefined();
      const { secret, apiKey } = result.body.data.createApiKey;
      expect(secret).toMatch(/^lsk_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(secret.slice(4), 'base64url')).toHaveLength(32);
      expect(apiKey).toEqual({
        id: expect.any(String),
        name: 'CI deploys',
        prefix: secret.slice(0, 12),
        createdAt: expect.any(String),
        lastUsedAt: null,
        expiresAt,
        revokedAt: null,
        company: { id: String(world.companies.acmeEast) },
        access: { key: 'manager' },
        createdBy: { id: String(world.users.acmeAdmin.id) },
      });

      const row = await keys.row(Number(apiKey.id));
      expect(row.secret_hash).toBe(sha256(secret));
      expect(JSON.stringify(row)).not.toContain(secret.slice(12));
      const columns = await app.orm.em
        .getConnection()
        .execute(`select column_name from information_schema.columns where table_name = 'api_keys' order by column_name`);
      expect(columns.map((column) => column.column_name)).toEqual([
        'access_id',
        'company_id',
        'created_at',
        'created_by_id',
        'expires_at',
        'id',
        'last_used_at',
        'name',
        'prefix',
        'revoked_at',
        'secret_hash',
      ]);

      // Listed afterwards without the secret; the key works.
      const listed = await app.graphql(LIST, { c: String(world.companies.acmeEast) }, world.token('acmeAdmin'));
      expect(listed.body.data.apiKeys[0]).toEqual(apiKey);
      expect(JSON.stringify(listed.body)).not.toContain(secret);
      expect(outcomeOf(await keys.usersIn(secret, 'acmeEast'))).toBe('ok');
    });

    it('gives ApiKey no field that could hold the secret', async () => {
      const type = (await buildGatewaySchema()).getType('ApiKey') as GraphQLObjectType;
      expect(Object.keys(type.getFields()).sort()).toEqual(
        ['access', 'company', 'createdAt', 'createdBy', 'expiresAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt'].sort(),
      );
    });

    it('shows the secret once on REST, and the key works there, with Bearer or bare', async () => {
      const created = await app.request('POST', '/api/v1/api_keys', {
        body: { api_key: { company_id: world.companies.acmeEast, access_id: world.accessIds.member, name: 'Rails client' } },
        headers: world.headers('acmeAdmin'),
      });
      expect(created.status).toBe(201);
      const { secret, api_key } = created.body;
      keys.secrets.push(secret);
      expect(secret).toMatch(/^lsk_[A-Za-z0-9_-]{43}$/);
      expect(api_key).toMatchObject({ name: 'Rails client', prefix: secret.slice(0, 12), access_id: world.accessIds.member });
      expect((await keys.row(api_key.id)).secret_hash).toBe(sha256(secret));
      expect((await keys.restUsersIn(secret, 'acmeEast')).status).toBe(200);
      expect((await keys.restUsersIn(secret, 'acmeEast', { authorization: secret })).status).toBe(200);
    });

    it.each<[string, Actor | 'eastAdmin', CompanyName, AccessKey, string]>([
      ['a super_admin, a super_admin key', 'superAdmin', 'acmeEast', 'super_admin', 'ok'],
      ['an admin of Acme, an admin key below it', 'acmeAdmin', 'acmeEastLab', 'admin', 'ok'],
      ['an admin of Acme, an admin key in Acme', 'acmeAdmin', 'acme', 'admin', 'ok'],
      ['an admin of Acme, a super_admin key', 'acmeAdmin', 'acmeEast', 'super_admin', 'FORBIDDEN'],
      ['an admin of Acme East, an admin key in it', 'eastAdmin', 'acmeEast', 'admin', 'ok'],
      ['an admin of Acme East, a key in Acme above it', 'eastAdmin', 'acme', 'member', 'NOT_FOUND'],
      ['a manager, even a member key', 'eastManager', 'acmeEast', 'member', 'FORBIDDEN'],
      ['a member', 'eastMember', 'acmeEast', 'member', 'FORBIDDEN'],
      ['an admin of another tree', 'globexAdmin', 'acmeEast', 'member', 'NOT_FOUND'],
      ['a member of a child', 'labMember', 'acmeEast', 'member', 'NOT_FOUND'],
      ['nobody', 'anonymous', 'acmeEast', 'member', 'UNAUTHENTICATED'],
    ])('by %s: %s', async (_case, creator, company, access, expected) => {
      const before = await keys.countEvents('api_key.create');
      const [{ n: rowsBefore }] = await app.orm.em.getConnection().execute('select count(*)::int as n from api_keys');
      const result = await keys.create(creator === 'eastAdmin' ? { token: eastAdmin.token } : creator, company, access);
      expect(outcomeOf(result)).toBe(expected);
      const [{ n: rowsAfter }] = await app.orm.em.getConnection().execute('select count(*)::int as n from api_keys');
      const created = expected === 'ok' ? 1 : 0;
      expect(rowsAfter - rowsBefore).toBe(created);
      expect((await keys.countEvents('api_key.create')) - before).toBe(created);
    });

    it('answers NOT_FOUND for a company that does not exist', async () => {
      expectRefused(await keys.create('superAdmin', 'acmeEast', 'member', { companyId: '999999' }), 'NOT_FOUND');
    });

    it.each([
      ['a blank name', { name: '   ' }, 'name'],
      ['a name longer than 100 characters', { name: 'k'.repeat(101) }, 'name'],
      ['an expiry in the past', { expiresAt: new Date(Date.now() - 1000).toISOString() }, 'expiresAt'],
      ['an unknown access', { accessId: '999999' }, 'accessId'],
      ['a company id that is not an id', { companyId: 'acme' }, 'companyId'],
    ])('refuses %s with BAD_USER_INPUT naming the field', async (_case, input, field) => {
      const before = await keys.countEvents('api_key.create');
      const result = await keys.create('acmeAdmin', 'acmeEast', 'member', input);
      expectRefused(result, 'BAD_USER_INPUT');
      expectFieldError(result, field);
      expect(await keys.countEvents('api_key.create')).toBe(before);
    });

    it('keeps a name of 100 characters, trimmed', async () => {
      const { apiKey } = await keys.key('acmeAdmin', 'acmeEast', 'member', { name: ` ${'k'.repeat(100)} ` });
      expect(apiKey.name).toBe('k'.repeat(100));
    });
  });

  describe('what a key may do', () => {
    const KEYS = ['eastMember', 'eastManager', 'eastAdmin', 'acmeAdmin'] as const;
    type KeyName = (typeof KEYS)[number];
    const secrets = {} as Record<KeyName, string>;
    let serial = 0;

    beforeAll(async () => {
      // All created by the admin of Acme: the key's access decides, not its creator's rank.
      secrets.eastMember = (await keys.key('acmeAdmin', 'acmeEast', 'member')).secret;
      secrets.eastManager = (await keys.key('acmeAdmin', 'acmeEast', 'manager')).secret;
      secrets.eastAdmin = (await keys.key('acmeAdmin', 'acmeEast', 'admin')).secret;
      secrets.acmeAdmin = (await keys.key('acmeAdmin', 'acme', 'admin')).secret;
    });

    const createUser = (company: CompanyName, access: AccessKey = 'member') => ({
      query: 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
      variables: () => ({
        input: {
          firstName: 'Key',
          lastName: 'Made',
          email: `key-made-${++serial}@example.com`,
          password: 'a long enough passphrase 1',
          companyId: String(world.companies[company]),
          accessId: String(world.accessIds[access]),
        },
      }),
    });
    const createInvitation = (company: CompanyName, access: AccessKey = 'member') => ({
      query:
        'mutation($e: String!, $c: ID!, $a: ID!) { createInvitation(input: { email: $e, companyId: $c, accessId: $a }) { id } }',
      variables: () => ({
        e: `key-invited-${++serial}@example.com`,
        c: String(world.companies[company]),
        a: String(world.accessIds[access]),
      }),
    });
    const createCompany = (parent?: CompanyName) => ({
      query: 'mutation($name: String!, $p: ID) { createCompany(input: { name: $name, parentCompanyId: $p }) { id } }',
      variables: () => ({ name: `Key company ${++serial}`, p: parent && String(world.companies[parent]) }),
    });
    const users = (company: CompanyName) => ({ query: USERS_IN, variables: () => ({ c: String(world.companies[company]) }) });
    const userByEmail = (user: keyof World['users']) => ({
      query: 'query($e: String!) { userByEmail(email: $e) { id } }',
      variables: () => ({ e: world.users[user].email }),
    });
    const user = (target: keyof World['users']) => ({
      query: 'query($id: ID!) { user(id: $id) { id } }',
      variables: () => ({ id: String(world.users[target].id) }),
    });

    // Keys created by the admin of Acme: member, manager and admin of Acme East, admin of Acme.
    it.each<[string, string, { query: string; variables(): Record<string, unknown> }]>([
      ['ok ok ok ok', 'users of Acme East', users('acmeEast')],
      ['ok ok ok ok', 'users of Acme East Lab', users('acmeEastLab')],
      ['N  N  N  ok', 'users of Acme', users('acme')],
      ['N  N  N  N ', 'users of Globex', users('globex')],
      ['ok ok ok ok', 'a user of Acme East', user('eastMember')],
      ['N  N  N  N ', 'a user of Globex', user('globexAdmin')],
      ['N  ok ok ok', 'lookup of a user of Acme East Lab', userByEmail('labMember')],
      ['N  N  N  ok', 'lookup of a user of Acme', userByEmail('acmeAdmin')],
      ['F  F  ok ok', 'createUser in Acme East', createUser('acmeEast')],
      ['F  F  ok ok', 'createUser in Acme East Lab', createUser('acmeEastLab')],
      ['N  N  N  ok', 'createUser in Acme', createUser('acme')],
      ['N  N  N  N ', 'createUser in Globex', createUser('globex')],
      ['F  F  ok ok', 'createUser as admin', createUser('acmeEast', 'admin')],
      ['F  F  F  F ', 'createUser as super_admin', createUser('acmeEast', 'super_admin')],
      ['F  F  ok ok', 'createCompany under Acme East', createCompany('acmeEast')],
      ['N  N  N  ok', 'createCompany under Acme', createCompany('acme')],
      ['F  F  F  F ', 'createCompany as a root', createCompany()],
      ['F  ok ok ok', 'createInvitation into Acme East', createInvitation('acmeEast')],
      ['F  ok ok ok', 'createInvitation into Acme East Lab', createInvitation('acmeEastLab')],
      ['N  N  N  ok', 'createInvitation into Acme', createInvitation('acme')],
      ['N  N  N  N ', 'createInvitation into Globex', createInvitation('globex')],
      ['F  F  ok ok', 'createInvitation as admin', createInvitation('acmeEast', 'admin')],
    ])('%s: %s', async (row, _label, operation) => {
      const expected = row
        .trim()
        .split(/\s+/)
        .map((short) => ({ ok: 'ok', F: 'FORBIDDEN', N: 'NOT_FOUND' })[short]);
      const outcomes: string[] = [];
      for (const name of KEYS) outcomes.push(outcomeOf(await app.graphql(operation.query, operation.variables(), secrets[name])));
      expect(Object.fromEntries(KEYS.map((name, index) => [name, outcomes[index]]))).toEqual(
        Object.fromEntries(KEYS.map((name, index) => [name, expected[index]])),
      );
    });

    it('gets the same on REST: its tree only, its access only', async () => {
      expect((await keys.restUsersIn(secrets.eastAdmin, 'acmeEastLab')).status).toBe(200);
      expect((await keys.restUsersIn(secrets.eastAdmin, 'acme')).status).toBe(404);
      expect((await keys.restUsersIn(secrets.acmeAdmin, 'acme')).status).toBe(200);
      const body = {
        first_name: 'Rest',
        last_name: 'Key',
        email: `rest-key-${++serial}@example.com`,
        password: 'a long enough passphrase 1',
        company_id: world.companies.acmeEast,
        access_id: world.accessIds.member,
      };
      expect((await app.request('POST', '/api/v1/users', { body, headers: withKey(secrets.eastManager) })).status).toBe(403);
      expect((await app.request('POST', '/api/v1/users', { body, headers: withKey(secrets.eastAdmin) })).status).toBe(201);
    });

    it("is capped by its creator's current rank, and refused once the creator has none or is inactive", async () => {
      const creator = await newEastAdmin('fallingadmin');
      const { secret } = await keys.key({ token: creator.token }, 'acmeEast', 'admin');
      const connection = app.orm.em.getConnection();
      const run = (operation: { query: string; variables(): Record<string, unknown> }) =>
        app.graphql(operation.query, operation.variables(), secret);
      expect(outcomeOf(await run(createUser('acmeEast')))).toBe('ok');

      await connection.execute('update user_accesses set access_id = ? where user_id = ?', [
        world.accessIds.manager,
        creator.user.id,
      ]);
      expect(outcomeOf(await run(createUser('acmeEast')))).toBe('FORBIDDEN');
      expect(outcomeOf(await run(createInvitation('acmeEast')))).toBe('ok');
      expect(outcomeOf(await run(createInvitation('acmeEast', 'admin')))).toBe('FORBIDDEN');

      await connection.execute('delete from user_accesses where user_id = ?', [creator.user.id]);
      const refused = await run(users('acmeEast'));
      expect(refused.status).toBe(401);
      expectRefused(refused, 'UNAUTHENTICATED');
      expect((await keys.restUsersIn(secret, 'acmeEast')).status).toBe(401);

      await connection.execute('insert into user_accesses (user_id, company_id, access_id, "primary") values (?, ?, ?, true)', [
        creator.user.id,
        world.companies.acmeEast,
        world.accessIds.admin,
      ]);
      expect(outcomeOf(await run(createUser('acmeEast')))).toBe('ok');
      await connection.execute(`update users set status = 'inactive' where id = ?`, [creator.user.id]);
      expect((await run(users('acmeEast'))).status).toBe(401);
    });
  });

  describe('refused at once', () => {
    it('when revoked, on both transports; revoking again changes nothing and records nothing', async () => {
      const { secret, id } = await keys.key('acmeAdmin', 'acmeEast', 'member');
      expect(outcomeOf(await keys.usersIn(secret, 'acmeEast'))).toBe('ok');

      const revoked = await app.graphql(REVOKE, { id: String(id) }, world.token('acmeAdmin'));
      expect(revoked.body.errors).toBeUndefined();
      const { revokedAt } = revoked.body.data.revokeApiKey;
      expect(revokedAt).toEqual(expect.any(String));

      const graphql = await keys.usersIn(secret, 'acmeEast');
      expect(graphql.status).toBe(401);
      expectRefused(graphql, 'UNAUTHENTICATED');
      const rest = await keys.restUsersIn(secret, 'acmeEast');
      expect(rest.status).toBe(401);
      expect(rest.body.error.code).toBe('UNAUTHENTICATED');

      const again = await app.graphql(REVOKE, { id: String(id) }, world.token('superAdmin'));
      expect(again.body.data.revokeApiKey).toEqual(revoked.body.data.revokeApiKey);
      const events = await keys.events(id);
      expect(events.map((event) => event.action)).toEqual(['api_key.create', 'api_key.revoke']);

      // Still listed, with revokedAt set.
      const listed = await app.graphql(LIST, { c: String(world.companies.acmeEast) }, world.token('acmeAdmin'));
      expect(listed.body.data.apiKeys.find((key: { id: string }) => key.id === String(id))).toMatchObject({ revokedAt });
    });

    it('when expired, on both transports', async () => {
      const { secret, id } = await keys.key('acmeAdmin', 'acmeEast', 'member', {
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      });
      expect(outcomeOf(await keys.usersIn(secret, 'acmeEast'))).toBe('ok');
      await app.orm.em.getConnection().execute(`update api_keys set expires_at = now() - interval '1 second' where id = ?`, [id]);
      expect((await keys.usersIn(secret, 'acmeEast')).status).toBe(401);
      expect((await keys.restUsersIn(secret, 'acmeEast')).status).toBe(401);
    });

    it('when it is no key at all', async () => {
      const garbage = `lsk_${'A'.repeat(43)}`;
      const graphql = await keys.usersIn(garbage, 'acmeEast');
      expect(graphql.status).toBe(401);
      expectRefused(graphql, 'UNAUTHENTICATED');
      expect((await keys.restUsersIn(garbage, 'acmeEast')).status).toBe(401);
      expect((await keys.restUsersIn('lsk_', 'acmeEast')).status).toBe(401);
    });
  });

  describe('revoking', () => {
    it.each<[Actor | 'eastAdmin', string]>([
      ['superAdmin', 'ok'],
      ['acmeAdmin', 'ok'],
      ['eastAdmin', 'ok'],
      ['eastManager', 'FORBIDDEN'],
      ['globexAdmin', 'NOT_FOUND'],
      ['labMember', 'NOT_FOUND'],
      ['anonymous', 'UNAUTHENTICATED'],
    ])('a key of Acme East, by %s: %s', async (actor, expected) => {
      const { id } = await keys.key('acmeAdmin', 'acmeEast', 'member');
      const token = actor === 'eastAdmin' ? eastAdmin.token : world.tokenOf(actor);
      expect(outcomeOf(await app.graphql(REVOKE, { id: String(id) }, token))).toBe(expected);
      expect((await keys.row(id)).revoked_at === null).toBe(expected !== 'ok');
      expect((await keys.events(id)).length).toBe(expected === 'ok' ? 2 : 1);
    });

    it('a super_admin key only by a super_admin', async () => {
      const { id } = await keys.key('superAdmin', 'acmeEast', 'super_admin');
      expect(outcomeOf(await app.graphql(REVOKE, { id: String(id) }, world.token('acmeAdmin')))).toBe('FORBIDDEN');
      expect(outcomeOf(await app.graphql(REVOKE, { id: String(id) }, world.token('superAdmin')))).toBe('ok');
    });

    it('answers NOT_FOUND for a key that does not exist', async () => {
      expectRefused(await app.graphql(REVOKE, { id: '999999' }, world.token('superAdmin')), 'NOT_FOUND');
    });
  });

  describe('listing', () => {
    it("lists a company's own keys, newest first, for its admins only", async () => {
      const first = await keys.key('acmeAdmin', 'acmeEastLab', 'member');
      const second = await keys.key('acmeAdmin', 'acmeEastLab', 'manager');
      const listed = await app.graphql(LIST, { c: String(world.companies.acmeEastLab) }, eastAdmin.token);
      expect(listed.body.data.apiKeys.slice(0, 2).map((key: { id: string }) => Number(key.id))).toEqual([second.id, first.id]);
      // The admin of Acme East does not see the admin of Acme who created them.
      expect(listed.body.data.apiKeys[0].createdBy).toBeNull();
      const ofAcme = await app.graphql(LIST, { c: String(world.companies.acme) }, world.token('acmeAdmin'));
      expect(ofAcme.body.data.apiKeys.map((key: { id: string }) => Number(key.id))).not.toContain(first.id);

      expect(outcomeOf(await app.graphql(LIST, { c: String(world.companies.acmeEastLab) }, world.token('eastManager')))).toBe(
        'FORBIDDEN',
      );
      expect(outcomeOf(await app.graphql(LIST, { c: String(world.companies.acmeEastLab) }, world.token('globexAdmin')))).toBe(
        'NOT_FOUND',
      );
      expect(outcomeOf(await app.graphql(LIST, { c: '999999' }, world.token('superAdmin')))).toBe('NOT_FOUND');
    });
  });

  describe('what only a person may do', () => {
    let secret: string;
    let keyId: number;

    beforeAll(async () => {
      ({ secret, id: keyId } = await keys.key('acmeAdmin', 'acme', 'admin'));
    });

    it.each([
      ['login', `mutation { login(email: "acmeadmin@example.com", password: "correct horse battery staple") { token } }`],
      ['refreshSession', 'mutation { refreshSession(refreshToken: "whatever") { token } }'],
      ['logout', 'mutation { logout }'],
      ['sessions', '{ sessions { id } }'],
      ['revokeAllSessions', 'mutation { revokeAllSessions }'],
      ['me', '{ me { id } }'],
      ['validateToken', '{ validateToken { valid } }'],
      ['createApiKey', 'mutation { createApiKey(input: { companyId: "1", accessId: "1", name: "k" }) { secret } }'],
      ['apiKeys', '{ apiKeys(companyId: "1") { id } }'],
      ['revokeApiKey', 'mutation { revokeApiKey(id: "1") { id } }'],
      ['a person-only field beside another', '{ users { totalCount } me { id } }'],
    ])('%s: FORBIDDEN before anything runs', async (_field, query) => {
      const keysBefore = await app.orm.em
        .getConnection()
        .execute('select count(*)::int as n from api_keys where revoked_at is null');
      const result = await app.graphql(query, {}, secret);
      expect(result.status).toBe(403);
      expectRefused(result, 'FORBIDDEN');
      expect(
        await app.orm.em.getConnection().execute('select count(*)::int as n from api_keys where revoked_at is null'),
      ).toEqual(keysBefore);
    });

    it("changes no password, not even its creator's own", async () => {
      for (const target of [world.users.acmeAdmin.id, world.users.eastMember.id]) {
        const result = await app.graphql(
          'mutation($id: ID!) { updateUser(id: $id, input: { password: "a brand new passphrase 9", currentPassword: "correct horse battery staple" }) { id } }',
          { id: String(target) },
          secret,
        );
        expectRefused(result, 'FORBIDDEN');
      }
    });

    it('is refused the same on REST', async () => {
      const headers = withKey(secret);
      const refusals = [
        await app.request('POST', '/api/v1/users/login', {
          body: { email: 'acmeadmin@example.com', password: 'correct horse battery staple' },
          headers,
        }),
        await app.request('POST', '/api/v1/api_keys', {
          body: { company_id: world.companies.acme, access_id: world.accessIds.member, name: 'from a key' },
          headers,
        }),
        await app.request('GET', `/api/v1/api_keys?company_id=${world.companies.acme}`, { headers }),
        await app.request('DELETE', `/api/v1/api_keys/${keyId}`, { headers }),
      ];
      expect(refusals.map((result) => [result.status, result.body.error?.code])).toEqual(refusals.map(() => [403, 'FORBIDDEN']));
      expect((await keys.row(keyId)).revoked_at).toBeNull();
    });
  });

  it('sets lastUsedAt once the key is used', async () => {
    const { secret, id, apiKey } = await keys.key('acmeAdmin', 'acmeEast', 'member');
    expect(apiKey.lastUsedAt).toBeNull();
    expect(outcomeOf(await keys.usersIn(secret, 'acmeEast'))).toBe('ok');
    await pollUntil(async () => (await keys.row(id)).last_used_at !== null, 'last_used_at');
    const listed = await app.graphql(LIST, { c: String(world.companies.acmeEast) }, world.token('acmeAdmin'));
    expect(listed.body.data.apiKeys.find((key: { id: string }) => key.id === String(id)).lastUsedAt).toEqual(expect.any(String));
  });

  it('never writes a secret to the log, even at trace level', () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(keys.secrets.length).toBeGreaterThan(20);
    const log = logLines.join('\n');
    expect(keys.secrets.filter((secret) => log.includes(secret.slice(12)))).toEqual([]);
  });

  describe('audit', () => {
    it('records the creation and the revocation with the creator, the company and no secret', async () => {
      const { secret, id } = await keys.key('acmeAdmin', 'acmeEast', 'manager', { name: 'Audited' });
      await app.graphql(REVOKE, { id: String(id) }, world.token('acmeAdmin'));
      const events = await keys.events(id);
      expect(events).toEqual([
        expect.objectContaining({
          action: 'api_key.create',
          actor_user_id: world.users.acmeAdmin.id,
          actor_api_key_id: null,
          company_id: world.companies.acmeEast,
          changes: {
            name: { old: null, new: 'Audited' },
            accessId: { old: null, new: world.accessIds.manager },
          },
        }),
        expect.objectContaining({
          action: 'api_key.revoke',
          actor_user_id: world.users.acmeAdmin.id,
          company_id: world.companies.acmeEast,
          changes: { revokedAt: { old: null, new: expect.any(String) } },
        }),
      ]);
      const text = JSON.stringify(events);
      expect(text).not.toContain(secret.slice(4));
      expect(text).not.toContain(sha256(secret));
    });

    it('writes the key and its event in one transaction: when the event fails, there is no key', async () => {
      const connection = app.orm.em.getConnection();
      await connection.execute(`create function refuse_audited_key() returns trigger language plpgsql as $$
        begin
          if new.changes -> 'name' ->> 'new' = 'Unaudited' then raise exception 'no audit today'; end if;
          return new;
        end $$`);
      await connection.execute(
        'create trigger refuse_audited_key before insert on audit_events for each row execute function refuse_audited_key()',
      );
      try {
        const result = await keys.create('acmeAdmin', 'acmeEast', 'member', { name: 'Unaudited' });
        expect(outcomeOf(result)).toBe('INTERNAL_SERVER_ERROR');
        expect(await connection.execute(`select id from api_keys where name = 'Unaudited'`)).toEqual([]);
      } finally {
        await connection.execute('drop trigger refuse_audited_key on audit_events');
        await connection.execute('drop function refuse_audited_key()');
      }
    });
  });
});

describe('API keys: rate limit', () => {
  const { app, world } = useTestWorld({ RATE_LIMIT_PER_API_KEY: '3' });
  const keys = apiKeyHelpers(app, world);

  it('answers the 4th request of a minute with 429 and Retry-After on both transports; another key still works', async () => {
    const limited = (await keys.key('acmeAdmin', 'acmeEast', 'member')).secret;
    const other = (await keys.key('acmeAdmin', 'acmeEast', 'member')).secret;
    for (let request = 0; request < 3; request += 1) expect(outcomeOf(await keys.usersIn(limited, 'acmeEast'))).toBe('ok');

    const graphql = await keys.usersIn(limited, 'acmeEast');
    expect(graphql.status).toBe(429);
    expect(graphql.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    const retryAfter = Number(graphql.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);

    const rest = await keys.restUsersIn(limited, 'acmeEast');
    expect(rest.status).toBe(429);
    expect(rest.body.error.code).toBe('RATE_LIMITED');
    expect(Number(rest.headers.get('retry-after'))).toBeGreaterThan(0);

    expect(outcomeOf(await keys.usersIn(other, 'acmeEast'))).toBe('ok');
    expect((await keys.restUsersIn(other, 'acmeEast')).status).toBe(200);
    // People are not counted with keys.
    expect(outcomeOf(await app.graphql(USERS_IN, { c: String(world.companies.acmeEast) }, world.token('acmeAdmin')))).toBe('ok');
  });
});
