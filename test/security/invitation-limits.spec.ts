import { buildWorld, type World } from '../helpers/fixtures';
import { invitationHelpers, type Viewer } from '../helpers/invitations';
import { mailsTo } from '../helpers/outbox';
import { expectGraphqlLimited, expectRestLimited } from './security-helpers';
import { useTestWorld } from '../helpers/setup';
import type { TestApp } from '../helpers/test-app';
import { serverUrl } from '../helpers/test-database';
import { withOneDatabase } from '../helpers/one-database';

/** Small limits, so that each case reaches them in a few requests. */
const LIMITS = { INVITATIONS_PER_INVITER: '2', INVITATIONS_PER_COMPANY: '3', INVITATIONS_WINDOW_SECONDS: '600' };

describe('invitations per inviter and per company (INVITATIONS_PER_INVITER=2, INVITATIONS_PER_COMPANY=3)', () => {
  const { app, world } = useTestWorld(LIMITS);
  const invitations = invitationHelpers(app, world);
  let serial = 0;

  const graphqlInvite = (viewer: Viewer, companyId: number, email = `limited${++serial}@example.com`) =>
    invitations.create(viewer, { email, companyId: String(companyId) });
  const restInvite = (viewer: keyof World['users'], companyId: number, email = `limited${++serial}@example.com`) =>
    app.request('POST', '/api/v1/invitations', {
      body: { email, company_id: companyId, access_id: world.accessIds.member },
      headers: world.headers(viewer),
    });
  const pointsOf = async (key: string) => {
    const rows = await app.orm.em.getConnection().execute('select points from rate_limits where key = ?', [key]);
    return (rows[0]?.points as number | undefined) ?? 0;
  };
  const invitationsOf = async (companyId: number) =>
    (await app.orm.em.getConnection().execute('select email from invitations where company_id = ?', [companyId])).map(
      (row) => row.email,
    );

  it('refuses an inviter past its limit with 429 and Retry-After on both transports, storing and mailing nothing', async () => {
    const company = world.companies.acmeEast;
    expect((await graphqlInvite('acmeAdmin', company)).body.errors).toBeUndefined();
    expect((await restInvite('acmeAdmin', company)).status).toBe(201);
    expectRestLimited(await restInvite('acmeAdmin', company, 'refused-rest@example.com'));
    expectGraphqlLimited(await graphqlInvite('acmeAdmin', company, 'refused-graphql@example.com'));

    expect(await invitationsOf(company)).toHaveLength(2);
    expect(await mailsTo(app, 'refused-rest@example.com')).toHaveLength(0);
    expect(await mailsTo(app, 'refused-graphql@example.com')).toHaveLength(0);
    // The counters are rows in PostgreSQL; the refused invitations were not charged to the company.
    expect(await pointsOf(`invitation:inviter:${world.users.acmeAdmin.id}`)).toBe(4);
    expect(await pointsOf(`invitation:company:${company}`)).toBe(2);
  });

  it('refuses a company past its limit, whoever invites; callers not allowed to invite use up none of it', async () => {
    const company = world.companies.globexWest;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await restInvite('westMember', company)).status).toBe(403);
    }
    expect(await pointsOf(`invitation:company:${company}`)).toBe(0);

    expect((await graphqlInvite('globexAdmin', company)).body.errors).toBeUndefined();
    expect((await restInvite('globexAdmin', company)).status).toBe(201);
    expect((await restInvite('superAdmin', company)).status).toBe(201);
    expectRestLimited(await restInvite('superAdmin', company));
    expectGraphqlLimited(await graphqlInvite('superAdmin', company));

    expect(await invitationsOf(company)).toHaveLength(3);
    // The inviter who was refused for the company's sake keeps its own budget, elsewhere too.
    expect(await pointsOf(`invitation:inviter:${world.users.superAdmin.id}`)).toBe(1);
    expect((await restInvite('superAdmin', world.companies.globex)).status).toBe(201);
  });
});

describe('one invitation quota for every gateway process on the database', () => {
  it(
    serverUrl
      ? 'counts the invitations made through two apps running on one PostgreSQL database together'
      : 'keeps the counts in the embedded database: an app started again on it still refuses',
    () =>
      withOneDatabase(LIMITS, async (database) => {
        const first = await database.start();
        const world = await buildWorld(first);
        const invite = (app: TestApp, email: string) =>
          app.request('POST', '/api/v1/invitations', {
            body: { email, company_id: world.companies.acmeEast, access_id: world.accessIds.member },
            headers: world.headers('acmeAdmin'),
          });
        expect((await invite(first, 'through-first@example.com')).status).toBe(201);
        if (!database.onServer) await database.stop(first);
        const second = await database.start();
        expect((await invite(second, 'through-second@example.com')).status).toBe(201);
        expectRestLimited(await invite(database.onServer ? first : second, 'one-too-many@example.com'));
      }),
    60_000,
  );
});
