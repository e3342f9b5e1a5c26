import { Access } from '../../src/modules/access/access.entity';
import { UserAccess } from '../../src/modules/access/user-access.entity';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { REST_ROUTES } from '../../src/rest/route-table';
import { START_IMPORT } from '../helpers/documents';
import { waitForImport } from '../helpers/imports';
import { invitationHelpers } from '../helpers/invitations';
import type { HttpResult } from '../helpers/test-app';
import { CSV, GRAPHQL_CASES, id, NOT_OBJECT_SCOPED, PNG, REST_CASES, type Targets } from './bola-cases';
import { insertWebhookDelivery } from './matrix-target';
import { bearer, databaseDigest } from './security-helpers';
import { sessionIdOf } from '../helpers/sessions';
import { useTestWorld } from '../helpers/setup';

/**
 * Broken object-level authorization (OWASP API1): the admin of Globex names Acme's users,
 * companies, grants, invitations and imports in every operation of both transports. Each answer
 * is NOT_FOUND (404), exactly as for an id that does not exist, or an empty list, and not one
 * row changes. The tables list every operation, and a test fails when one is added without a row.
 */

const { app, world } = useTestWorld({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
let targets: Targets;
let digest: Record<string, string>;

beforeAll(async () => {
  const acmeAdmin = world.token('acmeAdmin');
  const em = app.orm.em.fork();
  const member = await em.findOneOrFail(Access, { key: 'member' });
  const grant = await em.findOneOrFail(UserAccess, { user: world.users.eastMember.id });
  const { invitation } = await invitationHelpers(app, world).invite('acmeAdmin', { email: 'bola.invitee@example.com' });
  const started = await app.graphql(START_IMPORT, { c: id(world.companies.acme), b: CSV() }, acmeAdmin);
  const apiKey = await app.graphql(
    'mutation($c: ID!, $a: ID!) { createApiKey(input: { companyId: $c, accessId: $a, name: "Acme East sync" }) { apiKey { id } } }',
    { c: id(world.companies.acmeEast), a: id(member.id) },
    acmeAdmin,
  );
  const webhook = await app.graphql(
    `mutation($c: ID!) {
      createWebhookEndpoint(input: { companyId: $c, url: "http://127.0.0.1:9/hook", eventTypes: ["import.failed"] }) { endpoint { id } }
    }`,
    { c: id(world.companies.acmeEast) },
    acmeAdmin,
  );
  const webhookEndpoint = Number(webhook.body.data.createWebhookEndpoint.endpoint.id);
  // Avatars to remove, so that a removal that went through would show.
  const avatars = [
    await app.graphql(
      GRAPHQL_CASES.find(([field]) => field === 'uploadUserAvatar')![1],
      { u: id(world.users.labMember.id), b: PNG() },
      acmeAdmin,
    ),
    await app.graphql(
      GRAPHQL_CASES.find(([field]) => field === 'uploadCompanyAvatar')![1],
      { c: id(world.companies.acmeEast), b: PNG() },
      acmeAdmin,
    ),
  ];
  expect(avatars.map((result) => result.body.errors)).toEqual([undefined, undefined]);
  targets = {
    user: world.users.eastMember.id,
    avatarUser: world.users.labMember.id,
    company: world.companies.acme,
    childCompany: world.companies.acmeEast,
    grant: grant.id,
    invitation: Number(invitation.id),
    invitationEmail: 'bola.invitee@example.com',
    importFile: Number(started.body.data.startImport.id),
    member: member.id,
    globexUser: world.users.westMember.id,
    apiKey: Number(apiKey.body.data.createApiKey.apiKey.id),
    webhookEndpoint,
    webhookDelivery: await insertWebhookDelivery(app, webhookEndpoint, world.companies.acmeEast),
    session: sessionIdOf(world.token('eastMember')),
  };
  // The import worker finishes the import first, so that the digest is stable.
  await waitForImport(app, targets.importFile);
  digest = await databaseDigest(app);
});

function expectNothingLeaked(result: HttpResult): void {
  expect(JSON.stringify(result.body)).not.toMatch(/eastmember@|labmember@|bola\.invitee@|"Acme/);
}

describe('globexAdmin against Acme objects', () => {
  it('covers every query and mutation of the schema and every REST route', async () => {
    const schema = await buildGatewaySchema();
    const fields = [schema.getQueryType()!, schema.getMutationType()!].flatMap((type) => Object.keys(type.getFields()));
    expect([...GRAPHQL_CASES.map(([field]) => field), ...NOT_OBJECT_SCOPED.graphql].sort()).toEqual(fields.sort());
    const routes = REST_ROUTES.map((route) => `${route.method} ${route.path}`);
    expect([...REST_CASES.map(([route]) => route), ...NOT_OBJECT_SCOPED.rest].sort()).toEqual(routes.sort());
  });

  it.each(GRAPHQL_CASES)(
    'GraphQL %s: answers as if the object did not exist, changing nothing',
    async (field, query, variables, expected) => {
      const result = await app.graphql(query, variables(targets), world.token('globexAdmin'));
      if (expected === 'NOT_FOUND') {
        expect(result.body.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
        expect(result.body.data?.[field] ?? null).toBeNull();
      } else if (expected === 'NULLS') {
        expect(result.body.errors).toBeUndefined();
        expect(result.body.data[field].length).toBeGreaterThan(0);
        expect(result.body.data[field].every((value: unknown) => value === null)).toBe(true);
      } else {
        expect(result.body.errors).toBeUndefined();
        const value = result.body.data[field];
        expect(Array.isArray(value) ? value : value.edges).toEqual([]);
      }
      expectNothingLeaked(result);
      expect(await databaseDigest(app)).toEqual(digest);
    },
  );

  it.each(REST_CASES)('REST %s: answers 404 (or an empty list), changing nothing', async (route, path, body, expected) => {
    const method = route.split(' ')[0];
    const result = await app.request(method, `/api/v1${path(targets)}`, {
      body: body?.(targets),
      headers: bearer(world.token('globexAdmin')),
    });
    if (expected === 'NOT_FOUND') {
      expect(result.status).toBe(404);
      expect(result.body.error.code).toBe('NOT_FOUND');
    } else {
      expect(result.status).toBe(200);
      const [list] = Object.values(result.body).filter(Array.isArray);
      expect(list).toEqual([]);
    }
    expectNothingLeaked(result);
    expect(await databaseDigest(app)).toEqual(digest);
  });

  it("(control) the same write by Acme's own admin goes through, and the digest sees it", async () => {
    const [field, query, variables] = GRAPHQL_CASES.find(([name]) => name === 'removeUserAvatar')!;
    const result = await app.graphql(query, variables(targets), world.token('acmeAdmin'));
    expect(result.body.data[field].id).toBe(id(targets.avatarUser));
    expect(await databaseDigest(app)).not.toEqual(digest);
  });
});
