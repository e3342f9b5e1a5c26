import { ApiKey } from '../src/modules/api-key/api-key.entity';
import { createApiKeySecret } from '../src/modules/auth/api-key-secret';
import { PASSWORD } from './helpers/fixtures';
import { CREATE_INVITATION } from './helpers/invitations';
import { waitForImport } from './helpers/imports';
import { tokenFromMail, waitForMails } from './helpers/outbox';
import { useTestWorld } from './helpers/setup';
import { recordStatements } from './helpers/statements';
import { base64Of } from './helpers/uploads';
import { addUser } from './helpers/users';

/**
 * The audit trail as the issue states it: events commit and roll back with their change, a refusal
 * leaves exactly one event, the table is append-only for the app's own connection, no event holds
 * a secret, and the import worker's creations are recorded batch by batch.
 * (That every mutation appends its event is test/security/audit-guard.spec.ts.)
 */

const { app, world } = useTestWorld({
  IMPORT_BATCH_SIZE: '2',
  // No pruning in the background while this file looks at old events.
  AUDIT_RETENTION_DAYS: '0',
});

interface AuditRow {
  id: number;
  action: string;
  actor_user_id: number | null;
  actor_api_key_id: number | null;
  target_type: string;
  target_id: string | null;
  company_id: number | null;
  changes: Record<string, { old: unknown; new: unknown }> | null;
  request_id: string | null;
}

const sql = <T = any>(statement: string, values: unknown[] = []): Promise<T[]> =>
  app.orm.em.getConnection().execute(statement, values);
const lastEventId = async () => (await sql<{ id: number | null }>('select max(id) as id from audit_events'))[0].id ?? 0;
const eventsAfter = (id: number) => sql<AuditRow>('select * from audit_events where id > ? order by id', [id]);

const CREATE_USER = 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }';
const CREATE_COMPANY = 'mutation($name: String!, $p: ID) { createCompany(input: { name: $name, parentCompanyId: $p }) { id } }';
const newUser = (email: string, extra: Record<string, unknown> = {}) => ({
  input: {
    firstName: 'Audited',
    lastName: 'User',
    email,
    companyId: String(world.companies.acmeEast),
    accessId: String(world.accessIds.member),
    ...extra,
  },
});

/** Runs `work` with a test-only trigger in place, and removes it afterwards. */
async function withTrigger(ddl: string[], drop: string[], work: () => Promise<void>): Promise<void> {
  for (const statement of ddl) await sql(statement);
  try {
    await work();
  } finally {
    for (const statement of drop) await sql(statement);
  }
}

describe('events and their changes', () => {
  it('records the change with its actor, company and fields, and no hash', async () => {
    const before = await lastEventId();
    const { body } = await app.graphql(
      CREATE_USER,
      newUser('recorded@example.com', { password: 'a recorded passphrase 1' }),
      world.token('acmeAdmin'),
    );
    const userId = Number(body.data.createUser.id);
    const events = await eventsAfter(before);
    expect(events.map((event) => event.action)).toEqual(['user.create', 'access.grant']);
    expect(events[0]).toMatchObject({
      actor_user_id: world.users.acmeAdmin.id,
      target_type: 'user',
      target_id: String(userId),
      company_id: world.companies.acmeEast,
      changes: {
        email: { old: null, new: 'recorded@example.com' },
        firstName: { old: null, new: 'Audited' },
        lastName: { old: null, new: 'User' },
        status: { old: null, new: 'active' },
        password: { old: null, new: '[changed]' },
      },
    });
    expect(events[1]).toMatchObject({
      target_type: 'user_access',
      company_id: world.companies.acmeEast,
      changes: { user: { old: null, new: userId }, access: { old: null, new: 'member' }, primary: { old: null, new: true } },
    });
  });

  it('records a rename with the names it replaced, and nothing when the names are unchanged', async () => {
    const target = world.users.labMember;
    const rename = (firstName: string) =>
      app.graphql(
        'mutation($id: ID!, $f: String!) { updateUser(id: $id, input: { firstName: $f }) { id } }',
        {
          id: String(target.id),
          f: firstName,
        },
        world.token('acmeAdmin'),
      );
    const before = await lastEventId();
    await rename('Renamed');
    await rename('Renamed');
    expect(await eventsAfter(before)).toEqual([
      expect.objectContaining({
        action: 'user.update',
        target_id: String(target.id),
        company_id: world.companies.acmeEastLab,
        changes: { firstName: { old: target.firstName, new: 'Renamed' } },
      }),
    ]);
  });

  it('records one event per grant a change touches, with the access and primary mark before and after', async () => {
    const user = await addUser(app, [
      [world.companies.acmeEast, 'member'],
      [world.companies.globexWest, 'member'],
    ]);
    const [east] = await sql<{ id: number }>('select id from user_accesses where user_id = ? order by id', [user.id]);
    let before = await lastEventId();
    const set = await app.graphql(
      'mutation($u: ID!, $a: [UserAccessInput!]!) { setUserAccesses(userId: $u, accesses: $a) { id company { id } } }',
      {
        u: String(user.id),
        a: [
          { companyId: String(world.companies.acmeEast), accessId: String(world.accessIds.manager) },
          { companyId: String(world.companies.acmeEastLab), accessId: String(world.accessIds.member), primary: true },
        ],
      },
      world.token('acmeAdmin'),
    );
    const lab = set.body.data.setUserAccesses.find((grant: any) => grant.company.id === String(world.companies.acmeEastLab));
    // The grant in Globex West is out of the viewer's reach: untouched, and not recorded.
    expect(await eventsAfter(before)).toEqual([
      expect.objectContaining({
        action: 'access.update',
        target_id: String(east.id),
        company_id: world.companies.acmeEast,
        changes: { access: { old: 'member', new: 'manager' }, primary: { old: true, new: false } },
      }),
      expect.objectContaining({
        action: 'access.grant',
        target_id: lab.id,
        company_id: world.companies.acmeEastLab,
        changes: {
          user: { old: null, new: user.id },
          company: { old: null, new: world.companies.acmeEastLab },
          access: { old: null, new: 'member' },
          primary: { old: null, new: true },
        },
      }),
    ]);

    before = await lastEventId();
    await app.graphql('mutation($id: ID!) { removeUserAccess(id: $id) { id } }', { id: lab.id }, world.token('acmeAdmin'));
    expect(await eventsAfter(before)).toEqual([
      expect.objectContaining({
        action: 'access.update',
        target_id: String(east.id),
        changes: { primary: { old: false, new: true } },
      }),
      expect.objectContaining({
        action: 'access.revoke',
        target_id: lab.id,
        changes: {
          user: { old: user.id, new: null },
          company: { old: world.companies.acmeEastLab, new: null },
          access: { old: 'member', new: null },
          primary: { old: true, new: null },
        },
      }),
    ]);
  });

  it('leaves no event of a createUser that fails (a duplicate email), nor of one whose commit fails', async () => {
    const before = await lastEventId();
    const duplicate = await app.graphql(CREATE_USER, newUser(world.users.eastMember.email), world.token('acmeAdmin'));
    expect(duplicate.body.errors[0].extensions.code).toBe('CONFLICT');
    // A deferred check fails the COMMIT, after the event was appended in the same transaction.
    await withTrigger(
      [
        `create function audit_test_refuse() returns trigger language plpgsql as $$ begin raise exception 'refused at commit'; end $$`,
        `create constraint trigger audit_test_refuse_commit after insert on users deferrable initially deferred
           for each row when (new.email = 'refused-at-commit@example.com') execute function audit_test_refuse()`,
      ],
      ['drop trigger audit_test_refuse_commit on users', 'drop function audit_test_refuse()'],
      async () => {
        const refused = await app.graphql(CREATE_USER, newUser('refused-at-commit@example.com'), world.token('acmeAdmin'));
        expect(refused.body.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
      },
    );
    expect(await sql('select id from users where email = ?', ['refused-at-commit@example.com'])).toEqual([]);
    expect(await eventsAfter(before)).toEqual([]);
  });

  it('makes no change whose event cannot be appended', async () => {
    await withTrigger(
      [
        `create function audit_test_refuse() returns trigger language plpgsql as $$ begin raise exception 'no event'; end $$`,
        `create trigger audit_test_refuse_event before insert on audit_events
           for each row when (new.action = 'company.create') execute function audit_test_refuse()`,
      ],
      ['drop trigger audit_test_refuse_event on audit_events', 'drop function audit_test_refuse()'],
      async () => {
        const { body } = await app.graphql(
          CREATE_COMPANY,
          { name: 'Eventless', p: String(world.companies.acme) },
          world.token('acmeAdmin'),
        );
        expect(body.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
      },
    );
    expect(await sql('select id from companies where name = ?', ['Eventless'])).toEqual([]);
  });
});

describe('refused authorizations', () => {
  it('records an operation refused with FORBIDDEN as exactly one event, on GraphQL and REST', async () => {
    let before = await lastEventId();
    const graphql = await app.graphql(
      'mutation($input: CreateUserInput!) { attempt: createUser(input: $input) { id } }',
      newUser('not-by-a-member@example.com'),
      world.token('eastMember'),
    );
    expect(graphql.body.errors[0]).toMatchObject({ path: ['attempt'], extensions: { code: 'FORBIDDEN' } });
    expect(await eventsAfter(before)).toEqual([
      expect.objectContaining({
        action: 'authorization.refused',
        target_type: 'operation',
        target_id: 'createUser',
        actor_user_id: world.users.eastMember.id,
        company_id: null,
        changes: null,
        request_id: graphql.headers.get('x-request-id'),
      }),
    ]);

    before = await lastEventId();
    const rest = await app.request('POST', '/api/v1/users', {
      body: {
        first_name: 'Not',
        last_name: 'Allowed',
        email: 'not-by-a-manager@example.com',
        company_id: world.companies.acmeEast,
        access_id: world.accessIds.member,
      },
      headers: world.headers('eastManager'),
    });
    expect(rest.status).toBe(403);
    expect(await eventsAfter(before)).toEqual([
      expect.objectContaining({
        action: 'authorization.refused',
        target_id: 'createUser',
        actor_user_id: world.users.eastManager.id,
      }),
    ]);
  });

  it('records a refusal before execution (an API key asking for what only a person may do), naming the key', async () => {
    const { secret, hash, prefix } = createApiKeySecret();
    const em = app.orm.em.fork();
    const key = em.create(ApiKey, {
      company: world.companies.acmeEast,
      access: world.accessIds.member,
      createdBy: world.users.acmeAdmin.id,
      name: 'refused key',
      prefix,
      secretHash: hash,
    });
    await em.flush();
    const before = await lastEventId();
    const { status } = await app.graphql('mutation { logout }', {}, secret);
    expect(status).toBe(403);
    expect(await eventsAfter(before)).toEqual([
      expect.objectContaining({
        action: 'authorization.refused',
        target_id: 'logout',
        actor_user_id: null,
        actor_api_key_id: key.id,
      }),
    ]);
  });

  it('still answers the refusal when its event cannot be written', async () => {
    await withTrigger(
      [
        `create function audit_test_refuse() returns trigger language plpgsql as $$ begin raise exception 'no event'; end $$`,
        `create trigger audit_test_refuse_event before insert on audit_events
           for each row when (new.action = 'authorization.refused') execute function audit_test_refuse()`,
      ],
      ['drop trigger audit_test_refuse_event on audit_events', 'drop function audit_test_refuse()'],
      async () => {
        const { body } = await app.graphql(CREATE_USER, newUser('still-refused@example.com'), world.token('eastMember'));
        expect(body).toEqual({
          data: null,
          errors: [expect.objectContaining({ path: ['createUser'], extensions: { code: 'FORBIDDEN' } })],
        });
        const rest = await app.request('POST', '/api/v1/users', {
          body: {
            first_name: 'Still',
            last_name: 'Refused',
            email: 'still-refused@example.com',
            company_id: world.companies.acmeEast,
            access_id: world.accessIds.member,
          },
          headers: world.headers('eastMember'),
        });
        expect(rest.status).toBe(403);
      },
    );
  });
});

describe('append-only', () => {
  const refusal = (work: Promise<unknown>) =>
    work.then(
      () => 'written',
      (error: { code?: string }) => error.code,
    );

  it('refuses to update or delete events through the app’s own connection', async () => {
    const count = await lastEventId();
    expect(count).toBeGreaterThan(0);
    expect(await refusal(sql(`update audit_events set action = 'user.create'`))).toBe('42501');
    expect(await refusal(sql('delete from audit_events'))).toBe('42501');
    expect(await refusal(sql('delete from audit_events where id = ?', [count]))).toBe('42501');
  });

  it('lets the retention delete only events older than the instant its transaction names', async () => {
    const old = await sql<{ id: number }>(
      `insert into audit_events (occurred_at, action, target_type) values (now() - interval '400 days', 'user.update', 'user'),
         (now() - interval '380 days', 'user.update', 'user') returning id`,
    );
    const oldIds = `{${old.map((row) => row.id).join(',')}}`;
    const total = async () => Number((await sql('select count(*) as n from audit_events'))[0].n);
    const before = await total();
    const prune = (where: string) =>
      app.orm.em
        .getConnection()
        .getKnex()
        .transaction(async (trx) => {
          await trx.raw(`select set_config('leadsy.audit_prune_before', (now() - interval '365 days')::text, true)`);
          return (await trx.raw(`delete from audit_events ${where}`)).rowCount;
        });

    // A delete reaching a younger event is refused as a whole.
    expect(await refusal(prune(''))).toBe('42501');
    expect(await total()).toBe(before);
    expect(await prune(`where occurred_at < now() - interval '365 days'`)).toBe(2);
    expect(await total()).toBe(before - 2);
    expect(await sql('select id from audit_events where id = any(?::int[])', [oldIds])).toEqual([]);
    // The setting ends with its transaction.
    expect(await refusal(sql('delete from audit_events where id = (select min(id) from audit_events)'))).toBe('42501');
  });
});

describe('secrets', () => {
  it('keeps no password, hash or token in any event', async () => {
    const secrets: string[] = [PASSWORD];
    const seen = <T extends string>(secret: T): T => {
      secrets.push(secret);
      return secret;
    };
    const email = 'secretive@example.com';
    const first = seen('the first secret passphrase 1');
    const created = await app.graphql(CREATE_USER, newUser(email, { password: first }), world.token('acmeAdmin'));
    const userId = created.body.data.createUser.id;

    const login = await app.graphql(
      'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token refreshToken } }',
      { e: email, p: first },
    );
    seen(login.body.data.login.token);
    const refreshed = await app.graphql('mutation($r: String!) { refreshSession(refreshToken: $r) { token refreshToken } }', {
      r: seen(login.body.data.login.refreshToken),
    });
    const { token, refreshToken } = refreshed.body.data.refreshSession;
    seen(refreshToken);
    const second = seen('the second secret passphrase 2');
    const changed = await app.graphql(
      'mutation($id: ID!, $p: String!, $c: String!) { updateUser(id: $id, input: { password: $p, currentPassword: $c }) { id } }',
      { id: userId, p: second, c: first },
      seen(token),
    );
    expect(changed.body.errors).toBeUndefined();

    await app.graphql('mutation($e: String!) { requestPasswordReset(email: $e) }', { e: email });
    const [resetMail] = await waitForMails(app.dataDir, email);
    const reset = await app.graphql('mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) { id } }', {
      t: seen(tokenFromMail(resetMail)),
      p: seen('the third secret passphrase 3'),
    });
    expect(reset.body.errors).toBeUndefined();

    const invitee = 'secret-invitee@example.com';
    await app.graphql(
      CREATE_INVITATION,
      { input: { email: invitee, companyId: String(world.companies.acmeEast), accessId: String(world.accessIds.member) } },
      world.token('acmeAdmin'),
    );
    const [invitationMail] = await waitForMails(app.dataDir, invitee);
    const accepted = await app.graphql(
      'mutation($t: String!, $p: String!) { acceptInvitation(input: { token: $t, firstName: "In", lastName: "Vitee", password: $p }) { token refreshToken } }',
      { t: seen(tokenFromMail(invitationMail)), p: seen('the fourth secret passphrase 4') },
    );
    seen(accepted.body.data.acceptInvitation.token);
    seen(accepted.body.data.acceptInvitation.refreshToken);

    const pending = 'secret-pending@example.com';
    await app.graphql(CREATE_USER, newUser(pending), world.token('acmeAdmin'));
    seen(tokenFromMail((await waitForMails(app.dataDir, pending))[0]));
    const key = await app.graphql(
      'mutation($c: ID!, $a: ID!) { createApiKey(input: { companyId: $c, accessId: $a, name: "secret key" }) { secret } }',
      { c: String(world.companies.acmeEast), a: String(world.accessIds.member) },
      world.token('acmeAdmin'),
    );
    seen(key.body.data.createApiKey.secret);

    const hashes = await sql<{ secret: string }>(
      `select password_hash as secret from users where password_hash is not null
       union all select token_hash from refresh_tokens
       union all select token_hash from password_reset_tokens
       union all select token_hash from invitations
       union all select secret_hash from api_keys`,
    );
    secrets.push(...hashes.map((row) => row.secret.trim()));
    expect(secrets.length).toBeGreaterThan(20);

    const events = await sql<{ text: string }>('select e::text as text from audit_events e');
    for (const action of [
      'user.create',
      'session.login',
      'session.refresh',
      'user.update',
      'password_reset.request',
      'password_reset.complete',
      'invitation.create',
      'invitation.accept',
      'api_key.create',
    ]) {
      expect(events.some((event) => event.text.includes(action))).toBe(true);
    }
    const leaks = events.flatMap((event) =>
      secrets.filter((secret) => event.text.includes(secret)).map((secret) => ({ event: event.text, secret })),
    );
    expect(leaks).toEqual([]);
  });
});

describe('the import worker', () => {
  it('records each created user and its grant in the batch that creates them, as the import’s creator', async () => {
    const rows = [
      'imported-1@example.com,Imported,One,member',
      'not-an-email,Bad,Row,member',
      'imported-2@example.com,Imported,Two,manager',
      'imported-3@example.com,Imported,Three,member',
      `${world.users.eastMember.email},Already,There,member`,
    ];
    const file = Buffer.from(`email,first_name,last_name,access\n${rows.join('\n')}\n`);
    const before = await lastEventId();
    let importId = '';
    const statements = await recordStatements(async () => {
      const started = await app.graphql(
        'mutation($c: ID!, $b: Base64FileInput) { startImport(companyId: $c, base64: $b) { id } }',
        { c: String(world.companies.acmeEast), b: base64Of(file, 'audited.csv', 'text/csv') },
        world.token('acmeAdmin'),
      );
      importId = started.body.data.startImport.id;
      expect(await waitForImport(app, importId)).toBe('completed');
    });

    const events = await eventsAfter(before);
    expect(events[0]).toMatchObject({
      action: 'import.start',
      target_type: 'import_file',
      target_id: importId,
      request_id: expect.any(String),
    });
    const created = await sql<{ id: number; email: string; grant_id: number; access: string }>(
      `select u.id, u.email, ua.id as grant_id, a.key as access from users u
         join user_accesses ua on ua.user_id = u.id join accesses a on a.id = ua.access_id
        where u.email like 'imported-%' order by u.id`,
    );
    expect(created).toHaveLength(3);
    const byWorker = events.slice(1);
    expect(byWorker).toEqual(
      created.flatMap((user) => [
        expect.objectContaining({
          action: 'user.create',
          target_type: 'user',
          target_id: String(user.id),
          company_id: world.companies.acmeEast,
          actor_user_id: world.users.acmeAdmin.id,
          request_id: null,
          changes: expect.objectContaining({ email: { old: null, new: user.email }, status: { old: null, new: 'pending' } }),
        }),
        expect.objectContaining({
          action: 'access.grant',
          target_type: 'user_access',
          target_id: String(user.grant_id),
          actor_user_id: world.users.acmeAdmin.id,
          request_id: null,
          changes: expect.objectContaining({ access: { old: null, new: user.access }, primary: { old: null, new: true } }),
        }),
      ]),
    );
    // Batches of two rows: one statement appends the events of each batch that created someone.
    const appends = statements.filter(({ config }) => /insert into audit_events/.test((config as { text?: string }).text ?? ''));
    expect(appends).toHaveLength(1 + 2);
  });
});
