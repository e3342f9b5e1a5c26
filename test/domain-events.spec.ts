import { Client } from 'pg';
import { base64Of, pngBytes } from './helpers/uploads';
import { HOUR_MS, issuePasswordToken } from '../src/modules/password-reset/password-reset-tokens';
import { User } from '../src/modules/user/user.entity';
import { DOMAIN_EVENT_TYPES, type ImportProgressSignal, type PublishedEvent } from '../src/modules/events/event-bus';
import { ImportFile } from '../src/modules/import/import-file.entity';
import { queueImportJob } from '../src/modules/import/import-jobs';
import { buildWorld, PASSWORD, type World } from './helpers/fixtures';
import { waitForImport } from './helpers/imports';
import { invitationHelpers } from './helpers/invitations';
import { withOneDatabase } from './helpers/one-database';
import { useTestWorld } from './helpers/setup';
import type { TestApp } from './helpers/test-app';
import { ADD, REMOVE, SET } from './helpers/user-accesses';
import { pollUntil } from './helpers/wait';

const CREATE_USER = `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`;
const UPDATE_USER = `mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }`;
const CREATE_COMPANY = `mutation($input: CreateCompanyInput!) { createCompany(input: $input) { id } }`;
const START_IMPORT = `mutation($companyId: ID!, $base64: Base64FileInput) { startImport(companyId: $companyId, base64: $base64) { id } }`;

interface StoredEvent {
  id: number;
  type: string;
  company_id: number | null;
  payload: Record<string, any>;
}

/** Every domain event the app heard, and every import progress signal. */
function collect(app: TestApp) {
  const events: PublishedEvent[] = [];
  const progress: ImportProgressSignal[] = [];
  const stops = [
    app.events.onEvent((event) => events.push(event)),
    app.events.onImportProgress((signal) => progress.push(signal)),
  ];
  return { events, progress, stop: () => stops.forEach((stop) => stop()) };
}

async function storedEvents(app: TestApp, afterId = 0): Promise<StoredEvent[]> {
  return app.orm.em
    .getConnection()
    .execute('select id, type, company_id, payload from domain_events where id > ? order by id', [afterId]);
}

const lastEventId = async (app: TestApp) =>
  Number((await app.orm.em.getConnection().execute('select coalesce(max(id), 0) as id from domain_events'))[0].id);

/** Runs `work` and gives the events it committed (read from the table), after checking the bus delivered them too. */
async function eventsOf(app: TestApp, heard: PublishedEvent[], work: () => Promise<unknown>): Promise<StoredEvent[]> {
  const before = await lastEventId(app);
  await work();
  const written = await storedEvents(app, before);
  await pollUntil(
    () => written.every((event) => heard.some((delivered) => delivered.id === event.id)),
    'the bus to deliver the events',
  );
  return written;
}

const SECRETS = /\$argon2|password|token|hash|avatarKey|credentials/i;

describe('domain events (transactional outbox)', () => {
  const { app, world } = useTestWorld({ IMPORT_BATCH_SIZE: '2' });
  let heard: ReturnType<typeof collect>;
  beforeAll(() => {
    heard = collect(app);
  });
  afterAll(() => heard.stop());

  const gql = async (query: string, variables: Record<string, unknown>, actor: keyof World['users'] = 'superAdmin') => {
    const { body } = await app.graphql(query, variables, world.token(actor));
    expect(body.errors).toBeUndefined();
    return body.data;
  };
  const typesOf = (events: StoredEvent[]) => events.map((event) => event.type);

  it('createUser writes user.created and access.granted in the company, without secrets', async () => {
    const email = 'outbox.created@example.com';
    const events = await eventsOf(app, heard.events, () =>
      gql(CREATE_USER, {
        input: {
          email,
          firstName: 'Out',
          lastName: 'Box',
          companyId: String(world.companies.acmeEast),
          accessId: String(world.accessIds.member),
          password: PASSWORD,
        },
      }),
    );
    expect(typesOf(events)).toEqual(['user.created', 'access.granted']);
    const [created, granted] = events;
    expect(created.company_id).toBe(world.companies.acmeEast);
    expect(created.payload).toMatchObject({ email, firstName: 'Out', lastName: 'Box', fullName: 'Out Box', status: 'ACTIVE' });
    expect(typeof created.payload.id).toBe('string');
    expect(created.payload.createdAt).toMatch(/Z$/);
    expect(Object.keys(created.payload)).not.toContain('passwordHash');
    expect(granted.payload).toMatchObject({
      userId: created.payload.id,
      companyId: String(world.companies.acmeEast),
      accessKey: 'member',
      primary: true,
    });
    const delivered = heard.events.find((event) => event.id === created.id)!;
    expect(delivered).toMatchObject({ type: 'user.created', companyId: world.companies.acmeEast, payload: created.payload });
    expect(delivered.occurredAt).toBeInstanceOf(Date);
  });

  it('a refused change writes no event (it rolls back with the change)', async () => {
    const before = await lastEventId(app);
    const { body } = await app.graphql(
      CREATE_USER,
      {
        input: {
          email: world.users.eastMember.email,
          firstName: 'Dup',
          lastName: 'Licate',
          companyId: String(world.companies.acmeEast),
          accessId: String(world.accessIds.member),
        },
      },
      world.token('superAdmin'),
    );
    expect(body.errors).toBeDefined();
    expect(await storedEvents(app, before)).toEqual([]);
  });

  it('updateUser writes user.updated (the rename statement too) and user.deactivated', async () => {
    const user = world.users.labMember;
    const renamed = await eventsOf(app, heard.events, () =>
      gql(UPDATE_USER, { id: String(user.id), input: { firstName: 'Renamed' } }),
    );
    expect(typesOf(renamed)).toEqual(['user.updated']);
    expect(renamed[0].company_id).toBe(world.companies.acmeEastLab);
    expect(renamed[0].payload).toMatchObject({ id: String(user.id), firstName: 'Renamed', fullName: `Renamed ${user.lastName}` });
    expect(renamed[0].payload.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const deactivated = await eventsOf(app, heard.events, () =>
      gql(UPDATE_USER, { id: String(user.id), input: { status: 'INACTIVE' } }),
    );
    expect(typesOf(deactivated)).toEqual(['user.updated', 'user.deactivated']);
    expect(deactivated[1].payload).toMatchObject({ id: String(user.id), status: 'INACTIVE' });
  });

  it('an avatar, a finished onboarding and a password reset are user.updated too', async () => {
    const user = world.users.eastMember;
    const avatar = await eventsOf(app, heard.events, () =>
      gql('mutation($u: ID!, $b: Base64FileInput) { uploadUserAvatar(userId: $u, base64: $b) { id } }', {
        u: String(user.id),
        b: base64Of(pngBytes()),
      }),
    );
    expect(typesOf(avatar)).toEqual(['user.updated']);
    expect(avatar[0].payload).toMatchObject({ id: String(user.id), avatarUrl: expect.stringContaining('/files/avatars/') });

    const terms = await app.graphql('{ currentLegalTerm { id } }');
    const onboarding = await eventsOf(app, heard.events, async () => {
      if (terms.body.data.currentLegalTerm) {
        await gql(
          'mutation($t: ID!) { approveLegalTerm(legalTermId: $t) { acceptedAt } }',
          { t: terms.body.data.currentLegalTerm.id },
          'eastMember',
        );
      }
      await gql('mutation { completeOnboarding { id } }', {}, 'eastMember');
    });
    expect(typesOf(onboarding)).toEqual(['user.updated']);
    expect(onboarding[0].payload.onboardingCompletedAt).toEqual(expect.any(String));

    const em = app.orm.em.fork();
    const token = issuePasswordToken(em, await em.findOneOrFail(User, world.users.eastManager.id), HOUR_MS);
    await em.flush();
    const reset = await eventsOf(app, heard.events, () =>
      app.graphql('mutation($t: String!) { resetPassword(token: $t, password: "a brand new passphrase 9") { id } }', {
        t: token,
      }),
    );
    expect(typesOf(reset)).toEqual(['user.updated']);
    expect(JSON.stringify(reset[0].payload)).not.toMatch(SECRETS);
  });

  it('grant changes write access.granted and access.revoked in the grant company', async () => {
    const user = world.users.westMember;
    const added = await eventsOf(app, heard.events, () =>
      gql(ADD, {
        userId: String(user.id),
        accesses: [{ companyId: String(world.companies.globex), accessId: String(world.accessIds.manager) }],
      }),
    );
    expect(typesOf(added)).toEqual(['access.granted']);
    expect(added[0].company_id).toBe(world.companies.globex);
    expect(added[0].payload).toMatchObject({ userId: String(user.id), accessKey: 'manager', primary: false });

    const changed = await eventsOf(app, heard.events, () =>
      gql(SET, {
        userId: String(user.id),
        accesses: [
          { companyId: String(world.companies.globex), accessId: String(world.accessIds.admin) },
          { companyId: String(world.companies.globexWest), accessId: String(world.accessIds.member), primary: true },
        ],
      }),
    );
    expect(typesOf(changed)).toEqual(['access.revoked', 'access.granted']);
    expect(changed.map((event) => event.payload.accessKey)).toEqual(['manager', 'admin']);
    expect(changed[0].payload.id).toBe(changed[1].payload.id);

    const removed = await eventsOf(app, heard.events, () => gql(REMOVE, { id: added[0].payload.id }));
    expect(typesOf(removed)).toEqual(['access.revoked']);
    expect(removed[0].payload).toMatchObject({
      id: added[0].payload.id,
      accessKey: 'admin',
      companyId: String(world.companies.globex),
    });
  });

  it('createCompany writes company.created', async () => {
    const events = await eventsOf(app, heard.events, () =>
      gql(CREATE_COMPANY, { input: { name: 'Outbox Child', parentCompanyId: String(world.companies.acme) } }),
    );
    expect(typesOf(events)).toEqual(['company.created']);
    expect(events[0].company_id).toBe(Number(events[0].payload.id));
    expect(events[0].payload).toMatchObject({
      name: 'Outbox Child',
      parentCompanyId: String(world.companies.acme),
      isDefault: false,
    });
  });

  it('invitations: created, accepted (with the new account and its grant), revoked; never the token', async () => {
    const invitations = invitationHelpers(app, world);
    let token = '';
    const created = await eventsOf(app, heard.events, async () => {
      ({ token } = await invitations.invite('acmeAdmin'));
    });
    expect(typesOf(created)).toEqual(['invitation.created']);
    expect(created[0].company_id).toBe(world.companies.acmeEast);
    expect(created[0].payload).toMatchObject({
      status: 'PENDING',
      accessKey: 'member',
      invitedById: String(world.users.acmeAdmin.id),
    });
    expect(JSON.stringify(created[0].payload)).not.toContain(token);

    const accepted = await eventsOf(app, heard.events, async () => {
      const { body } = await invitations.accept(token);
      expect(body.errors).toBeUndefined();
    });
    expect(typesOf(accepted)).toEqual(['invitation.accepted', 'user.created', 'access.granted']);
    expect(accepted[0].payload).toMatchObject({ id: created[0].payload.id, status: 'ACCEPTED' });
    expect(accepted[1].payload).toMatchObject({ email: created[0].payload.email, status: 'ACTIVE' });
    for (const event of accepted) expect(JSON.stringify(event.payload)).not.toContain(token);

    const { invitation } = await invitations.invite('acmeAdmin');
    const revoked = await eventsOf(app, heard.events, () => invitations.revoke('acmeAdmin', invitation.id));
    expect(typesOf(revoked)).toEqual(['invitation.revoked']);
    expect(revoked[0].payload).toMatchObject({ id: invitation.id, status: 'REVOKED' });
  });

  it('an import writes user.created and access.granted per user, import.completed, and signals each batch', async () => {
    const rows = ['a', 'b', 'c'].map((name) => `import.${name}@example.com,Imp,${name.toUpperCase()}ort,member`);
    const file = Buffer.from(`email,first_name,last_name,access\n${rows.join('\n')}\n`);
    const before = await lastEventId(app);
    const { startImport } = await gql(START_IMPORT, {
      companyId: String(world.companies.acmeEast),
      base64: base64Of(file, 'users.csv', 'text/csv'),
    });
    expect(await waitForImport(app, startImport.id)).toBe('completed');
    const events = await storedEvents(app, before);
    expect(typesOf(events)).toEqual([...Array(3).fill(['user.created', 'access.granted']).flat(), 'import.completed']);
    expect(events.every((event) => event.company_id === world.companies.acmeEast)).toBe(true);
    expect(events[0].payload).toMatchObject({ email: 'import.a@example.com', status: 'PENDING' });
    expect(events[6].payload).toMatchObject({ id: startImport.id, status: 'COMPLETED', createdCount: 3, processedRows: 3 });
    await pollUntil(() => heard.events.some((event) => event.id === events[6].id), 'import.completed to be delivered');
    // IMPORT_BATCH_SIZE=2: two batches, two signals.
    expect(heard.progress.filter((signal) => signal.importFileId === Number(startImport.id))).toHaveLength(2);

    const failedBefore = await lastEventId(app);
    // A queued import whose file is not in the storage: its job fails it.
    const missing = await app.orm.em.fork().transactional(async (tx) => {
      const queued = tx.create(ImportFile, {
        name: 'gone.csv',
        company: world.companies.acmeEast,
        storageKey: 'imports/gone.csv',
      });
      await tx.flush();
      await queueImportJob(app.jobs, tx, queued.id);
      return queued;
    });
    const bad = { startImport: { id: String(missing.id) } };
    expect(await waitForImport(app, bad.startImport.id)).toBe('failed');
    const failed = await storedEvents(app, failedBefore);
    expect(typesOf(failed)).toEqual(['import.failed']);
    expect(failed[0].payload).toMatchObject({ id: bad.startImport.id, status: 'FAILED', errorCount: 1 });
  });

  it('no payload holds a secret (hash, token, key)', async () => {
    const all = await storedEvents(app);
    expect(new Set(all.map((event) => event.type))).toEqual(new Set(DOMAIN_EVENT_TYPES));
    for (const event of all) expect(JSON.stringify(event.payload)).not.toMatch(SECRETS);
  });
});

describe('domain events across gateway processes', () => {
  it('an event committed through one app reaches the bus of another, also after its listening connection dropped', async () => {
    await withOneDatabase({}, async (database) => {
      if (!database.onServer) return; // the embedded database belongs to one app: covered above
      const a = await database.start();
      const b = await database.start();
      const heardByB = collect(b);
      const adminToken = (await buildWorld(a)).token('superAdmin');
      const companyNamed = (name: string) => a.graphql(CREATE_COMPANY, { input: { name } }, adminToken);
      const { body } = await companyNamed('Across Processes');
      expect(body.errors).toBeUndefined();
      await pollUntil(
        () => heardByB.events.find((event) => event.type === 'company.created' && event.payload.name === 'Across Processes'),
        'app B to hear app A',
      );

      const admin = new Client({ connectionString: new URL(a.config.databaseUrl!).toString() });
      await admin.connect();
      try {
        const { rowCount } = await admin.query(
          `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen%'`,
        );
        expect(rowCount).toBeGreaterThan(0);
      } finally {
        await admin.end();
      }
      // Events committed once the listener reconnected are delivered again.
      await pollUntil(async () => {
        await companyNamed(`After the drop ${Date.now()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        return heardByB.events.some((event) => String(event.payload.name).startsWith('After the drop'));
      }, 'app B to hear events after its listener reconnected');
      heardByB.stop();
    });
  });
});
