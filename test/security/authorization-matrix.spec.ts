import { Access } from '../../src/modules/access/access.entity';
import { sessionToken } from '../helpers/sessions';
import { UserAccess } from '../../src/modules/access/user-access.entity';
import { Company } from '../../src/modules/company/company.entity';
import { LegalTermAcceptance } from '../../src/modules/legal-term/legal-term-acceptance.entity';
import { LegalTerm } from '../../src/modules/legal-term/legal-term.entity';
import { User, UserStatus } from '../../src/modules/user/user.entity';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { REST_ROUTES } from '../../src/rest/route-table';
import type { HttpResult } from '../helpers/test-app';
import {
  ACCOUNT_READS,
  MATRIX,
  type MatrixOperation,
  type Outcome,
  type Relation,
  RELATIONS,
  type Target,
} from './authorization-matrix';
import { bearer, databaseDigest } from './security-helpers';
import { makeTarget } from './matrix-target';
import { useTestWorld } from '../helpers/setup';

/**
 * Runs the authorization matrix (authorization-matrix.ts) on both transports: every operation,
 * as every viewer relation, against a target made fresh for the case. A refusal must leave every
 * row as it was; a success of a writing operation must show in the database.
 */

const STATUS_OF: Record<Exclude<Outcome, 'ok'>, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404 };

const { app, world } = useTestWorld({
  // Every case signs in, resets or accepts from one address: the limits have their own tests.
  RATE_LIMIT_PER_ADDRESS: '100000',
  // The webhook cases name receivers on the loopback address.
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
});
/** The user each viewer relation signs in as (a new session per case: some cases end their session). */
let viewers: Map<Exclude<Relation, 'self' | 'anonymous'>, number>;
let currentTerms: LegalTerm;

beforeAll(async () => {
  const em = app.orm.em.fork();
  const admin = await em.findOneOrFail(Access, { key: 'admin' });
  const passwordHash = (await em.findOneOrFail(User, world.users.acmeAdmin.id, { populate: ['passwordHash'] })).passwordHash;
  const initech = em.create(Company, { name: 'Initech' });
  const viewer = (key: string, companies: number[]) => {
    const user = em.create(User, {
      email: `${key}@example.com`,
      firstName: key,
      lastName: 'Viewer',
      passwordHash,
      status: UserStatus.ACTIVE,
    });
    companies.forEach((company, index) => em.create(UserAccess, { user, company, access: admin, primary: index === 0 }));
    return user;
  };
  const adminOfAll = viewer('adminofall', [world.companies.acme, world.companies.globex]);
  const adminOfChild = viewer('adminofchild', [world.companies.acmeEastLab]);
  const otherTree = viewer('initechadmin', []);
  await em.flush();
  em.create(UserAccess, { user: otherTree, company: initech, access: admin, primary: true });
  // Completing the onboarding needs the current terms accepted.
  currentTerms = (
    await em.find(LegalTerm, { publishedAt: { $lte: new Date() } }, { orderBy: { publishedAt: 'desc', id: 'desc' }, limit: 1 })
  )[0];
  for (const user of [...Object.values(world.users), adminOfAll, adminOfChild, otherTree]) {
    em.create(LegalTermAcceptance, { user: user.id, legalTerm: currentTerms, acceptedAt: new Date() });
  }
  await em.flush();
  viewers = new Map([
    ['superAdmin', world.users.superAdmin.id],
    ['adminOfAll', adminOfAll.id],
    ['adminOfOne', world.users.acmeAdmin.id],
    ['adminOfChild', adminOfChild.id],
    ['manager', world.users.eastManager.id],
    ['member', world.users.eastMember.id],
    ['otherTree', otherTree.id],
  ]);
});

async function tokenOf(relation: Relation, target: Target): Promise<string | undefined> {
  if (relation === 'anonymous') return undefined;
  return sessionToken(app, relation === 'self' ? target.userId : viewers.get(relation)!);
}

function graphqlOutcome(result: HttpResult, operation: MatrixOperation): Outcome | string {
  const code = result.body.errors?.[0]?.extensions?.code;
  return code ?? (operation.hidden?.(result.body.data) ? 'NOT_FOUND' : 'ok');
}

function restOutcome(result: HttpResult): Outcome | string {
  if (result.status < 300) return 'ok';
  const code = result.body?.error?.code;
  return code && STATUS_OF[code as keyof typeof STATUS_OF] === result.status ? code : `${result.status} ${code}`;
}

/** Imports run in the background: the next case's digest must not see this one's import finish. */
async function settle(operation: MatrixOperation): Promise<void> {
  if (operation.settles !== 'import') return;
  for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
    const [{ pending }] = await app.orm.em
      .getConnection()
      .execute(`select count(*)::int as pending from import_files where status in ('queued', 'processing')`);
    if (pending === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('an import did not finish');
}

type Case = [label: string, relation: Relation, expected: Outcome, operation: MatrixOperation];
const cases = (withRest: boolean): Case[] =>
  MATRIX.filter((operation) => !withRest || operation.rest).flatMap((operation) =>
    RELATIONS.map((relation): Case => [operation.label, relation, operation.expected[relation], operation]),
  );

async function expectOutcome(
  operation: MatrixOperation,
  expected: Outcome,
  send: () => Promise<Outcome | string>,
): Promise<void> {
  // A read that is allowed has nothing to compare: its digests would only cost two statements.
  const compares = expected !== 'ok' || operation.writes;
  const before = compares && (await databaseDigest(app));
  const outcome = await send();
  await settle(operation);
  expect(outcome).toBe(expected);
  if (!compares) return;
  const after = await databaseDigest(app);
  if (expected !== 'ok') expect(after).toEqual(before);
  else expect(after).not.toEqual(before);
}

describe('authorization matrix', () => {
  it('has a row for every mutation of the schema and every account-wide read', async () => {
    const schema = await buildGatewaySchema();
    const mutations = Object.keys(schema.getMutationType()!.getFields());
    const covered = new Set(MATRIX.map((operation) => operation.field));
    expect(mutations.filter((field) => !covered.has(field))).toEqual([]);
    expect(ACCOUNT_READS.filter((field) => !covered.has(field))).toEqual([]);
  });

  it('runs each REST case through a route of the table', () => {
    const routes = REST_ROUTES.map((route) => new RegExp(`^${route.method} ${route.path.replace(/:\w+/g, '[^/?]+')}(\\?|$)`));
    const unrouted = MATRIX.flatMap(({ rest }) =>
      rest
        ? [
            `${rest.method} ${rest.path({ userId: 1, grantId: 1, invitationId: 1, apiKeyId: 1, webhookEndpointId: 1, disabledWebhookEndpointId: 1, webhookDeliveryId: 1, companies: { acmeEast: 1 }, session: { id: 'a-session' } } as Target)}`,
          ]
        : [],
    )
      .map((request) => request.replace('/api/v1', ''))
      .filter((request) => !routes.some((route) => route.test(request)));
    expect(unrouted).toEqual([]);
  });

  it.each(cases(false))('GraphQL %s as %s: %s', async (_label, relation, expected, operation) => {
    const target = await makeTarget(app, world, { accepted: currentTerms, approvable: currentTerms });
    await expectOutcome(operation, expected, async () =>
      graphqlOutcome(
        await app.graphql(operation.graphql.query, operation.graphql.variables(target), await tokenOf(relation, target)),
        operation,
      ),
    );
  });

  it.each(cases(true))('REST %s as %s: %s', async (_label, relation, expected, operation) => {
    const target = await makeTarget(app, world, { accepted: currentTerms, approvable: currentTerms });
    const { method, path, body } = operation.rest!;
    const token = await tokenOf(relation, target);
    await expectOutcome(operation, expected, async () =>
      restOutcome(
        await app.request(method, `/api/v1${path(target)}`, { body: body?.(target), headers: token ? bearer(token) : {} }),
      ),
    );
  });
});
