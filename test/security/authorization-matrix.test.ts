import { Access } from '../../src/modules/access/access.entity';
import { UserAccess } from '../../src/modules/access/user-access.entity';
import { AccessTokens } from '../../src/modules/auth/jwt';
import { createOneTimeToken } from '../../src/modules/auth/one-time-token';
import { HOUR_MS, issuePasswordToken } from '../../src/modules/password-reset/password-reset-tokens';
import { Company } from '../../src/modules/company/company.entity';
import { Invitation } from '../../src/modules/invitation/invitation.entity';
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
import { useTestWorld } from '../helpers/setup';

/**
 * Runs the authorization matrix (authorization-matrix.ts) on both transports: every operation,
 * as every viewer relation, against a target made fresh for the case. A refusal must leave every
 * row as it was; a success of a writing operation must show in the database.
 */

const STATUS_OF: Record<Exclude<Outcome, 'ok'>, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404 };

const { app, world } = useTestWorld({
  IMPORT_POLL_MS: '50',
  // Every case signs in, resets or accepts from one address: the limits have their own tests.
  RATE_LIMIT_PER_ADDRESS: '100000',
});
let tokens: Map<Exclude<Relation, 'self' | 'anonymous'>, string>;
let serial = 0;
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
  const signer = new AccessTokens(app.config.jwt);
  tokens = new Map([
    ['superAdmin', world.token('superAdmin')],
    ['adminOfAll', signer.sign(adminOfAll.id).token],
    ['adminOfOne', world.token('acmeAdmin')],
    ['adminOfChild', signer.sign(adminOfChild.id).token],
    ['manager', world.token('eastManager')],
    ['member', world.token('eastMember')],
    ['otherTree', signer.sign(otherTree.id).token],
  ]);
});

/** T: member of Acme East and of Globex West, with a reset token; plus a pending invitation into Acme East. */
async function makeTarget(): Promise<Target> {
  serial += 1;
  const em = app.orm.em.fork();
  const [member, manager] = await Promise.all([
    em.findOneOrFail(Access, { key: 'member' }),
    em.findOneOrFail(Access, { key: 'manager' }),
  ]);
  const passwordHash = (await em.findOneOrFail(User, world.users.acmeAdmin.id, { populate: ['passwordHash'] })).passwordHash;
  const user = em.create(User, {
    email: `target-${serial}@example.com`,
    firstName: 'Target',
    lastName: `No${serial}`,
    passwordHash,
    status: UserStatus.ACTIVE,
    avatarKey: `avatars/users/matrix-${serial}.png`,
  });
  const grant = em.create(UserAccess, { user, company: world.companies.acmeEast, access: member, primary: true });
  em.create(UserAccess, { user, company: world.companies.globexWest, access: member, primary: false });
  em.create(LegalTermAcceptance, { user, legalTerm: currentTerms, acceptedAt: new Date() });
  await em.flush();
  const resetToken = issuePasswordToken(em, user, HOUR_MS);
  const invitation = createOneTimeToken();
  const invited = em.create(Invitation, {
    email: `invitee-${serial}@example.com`,
    company: world.companies.acmeEast,
    access: member,
    tokenHash: invitation.hash,
    invitedBy: world.users.acmeAdmin.id,
    expiresAt: new Date(Date.now() + 24 * HOUR_MS),
  });
  await em.flush();
  // A company avatar to remove, so that a removal that went through shows in the digest.
  await em.nativeUpdate(Company, { id: world.companies.acmeEast }, { avatarKey: `avatars/companies/matrix-${serial}.png` });
  return {
    userId: user.id,
    email: user.email,
    grantId: grant.id,
    resetToken,
    invitationId: invited.id,
    invitationToken: invitation.token,
    serial,
    companies: { acmeEast: world.companies.acmeEast, acmeEastLab: world.companies.acmeEastLab },
    accesses: { member: member.id, manager: manager.id },
    legalTermId: currentTerms.id,
  };
}

function tokenOf(relation: Relation, target: Target): string | undefined {
  if (relation === 'anonymous') return undefined;
  if (relation === 'self') return new AccessTokens(app.config.jwt).sign(target.userId).token;
  return tokens.get(relation);
}

function graphqlOutcome(result: HttpResult): Outcome | string {
  const code = result.body.errors?.[0]?.extensions?.code;
  return code ?? 'ok';
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
  const before = await databaseDigest(app);
  const outcome = await send();
  await settle(operation);
  expect(outcome).toBe(expected);
  const after = await databaseDigest(app);
  if (expected !== 'ok') expect(after).toEqual(before);
  else if (operation.writes) expect(after).not.toEqual(before);
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
        ? [`${rest.method} ${rest.path({ userId: 1, grantId: 1, invitationId: 1, companies: { acmeEast: 1 } } as Target)}`]
        : [],
    )
      .map((request) => request.replace('/api/v1', ''))
      .filter((request) => !routes.some((route) => route.test(request)));
    expect(unrouted).toEqual([]);
  });

  it.each(cases(false))('GraphQL %s as %s: %s', async (_label, relation, expected, operation) => {
    const target = await makeTarget();
    await expectOutcome(operation, expected, async () =>
      graphqlOutcome(await app.graphql(operation.graphql.query, operation.graphql.variables(target), tokenOf(relation, target))),
    );
  });

  it.each(cases(true))('REST %s as %s: %s', async (_label, relation, expected, operation) => {
    const target = await makeTarget();
    const { method, path, body } = operation.rest!;
    const token = tokenOf(relation, target);
    await expectOutcome(operation, expected, async () =>
      restOutcome(
        await app.request(method, `/api/v1${path(target)}`, { body: body?.(target), headers: token ? bearer(token) : {} }),
      ),
    );
  });
});
