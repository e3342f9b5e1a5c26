import type { AuditAction } from '../../src/modules/audit/audit-trail';
import { LegalTermAcceptance } from '../../src/modules/legal-term/legal-term-acceptance.entity';
import { LegalTerm } from '../../src/modules/legal-term/legal-term.entity';
import { HOUR_MS } from '../../src/modules/password-reset/password-reset-tokens';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { sessionToken } from '../helpers/sessions';
import { useTestWorld } from '../helpers/setup';
import type { HttpResult } from '../helpers/test-app';
import { pollUntil } from '../helpers/wait';
import { MATRIX, type MatrixOperation, type Relation, RELATIONS, type Target } from './authorization-matrix';
import { bearer } from './security-helpers';
import { makeTarget } from './matrix-target';

/**
 * The guard of the audit trail: every mutation of the schema, run successfully on both transports
 * (the authorization matrix's rows, against a target made like the matrix's), must append the
 * event it is expected to, naming its actor, the request's id and the client's address. A new
 * mutation fails here until it has a matrix row and its expected event below.
 */

/** Who an event must name as its actor. */
type ExpectedActor = 'viewer' | 'target' | 'invitee' | 'nobody';

const EXPECTED: Record<string, { action: AuditAction; actor: ExpectedActor }> = {
  createUser: { action: 'user.create', actor: 'viewer' },
  updateUser: { action: 'user.update', actor: 'viewer' },
  uploadUserAvatar: { action: 'user.avatar_upload', actor: 'viewer' },
  removeUserAvatar: { action: 'user.avatar_remove', actor: 'viewer' },
  completeOnboarding: { action: 'user.onboarding_complete', actor: 'viewer' },
  createCompany: { action: 'company.create', actor: 'viewer' },
  uploadCompanyAvatar: { action: 'company.avatar_upload', actor: 'viewer' },
  removeCompanyAvatar: { action: 'company.avatar_remove', actor: 'viewer' },
  addUserAccesses: { action: 'access.grant', actor: 'viewer' },
  setUserAccesses: { action: 'access.update', actor: 'viewer' },
  removeUserAccess: { action: 'access.revoke', actor: 'viewer' },
  createInvitation: { action: 'invitation.create', actor: 'viewer' },
  revokeInvitation: { action: 'invitation.revoke', actor: 'viewer' },
  // The holder of a mailed token acts as the user it proves to be.
  acceptInvitation: { action: 'invitation.accept', actor: 'invitee' },
  resetPassword: { action: 'password_reset.complete', actor: 'target' },
  // Anyone may ask for a link: the request names no one.
  requestPasswordReset: { action: 'password_reset.request', actor: 'nobody' },
  approveLegalTerm: { action: 'legal_term.approve', actor: 'viewer' },
  startImport: { action: 'import.start', actor: 'viewer' },
  login: { action: 'session.login', actor: 'target' },
  refreshSession: { action: 'session.refresh', actor: 'target' },
  logout: { action: 'session.logout', actor: 'viewer' },
  revokeSession: { action: 'session.revoke', actor: 'viewer' },
  revokeAllSessions: { action: 'session.revoke', actor: 'viewer' },
  createApiKey: { action: 'api_key.create', actor: 'viewer' },
  revokeApiKey: { action: 'api_key.revoke', actor: 'viewer' },
  createWebhookEndpoint: { action: 'webhook.create', actor: 'viewer' },
  updateWebhookEndpoint: { action: 'webhook.update', actor: 'viewer' },
  disableWebhookEndpoint: { action: 'webhook.disable', actor: 'viewer' },
  enableWebhookEndpoint: { action: 'webhook.enable', actor: 'viewer' },
  deleteWebhookEndpoint: { action: 'webhook.delete', actor: 'viewer' },
  rotateWebhookSecret: { action: 'webhook.rotate_secret', actor: 'viewer' },
  redeliverEvent: { action: 'webhook.redeliver', actor: 'viewer' },
};

interface AuditRow {
  action: string;
  actor_user_id: number | null;
  request_id: string | null;
  client_ip: string | null;
  target_type: string;
  target_id: string | null;
}

const { app, world } = useTestWorld({ RATE_LIMIT_PER_ADDRESS: '100000', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
let currentTerms: LegalTerm;
/** A published version older than the current one, which no target has accepted: approving it writes. */
let olderTerms: LegalTerm;
let mutationFields: string[];

beforeAll(async () => {
  mutationFields = Object.keys((await buildGatewaySchema()).getMutationType()!.getFields());
  const em = app.orm.em.fork();
  currentTerms = (
    await em.find(LegalTerm, { publishedAt: { $lte: new Date() } }, { orderBy: { publishedAt: 'desc', id: 'desc' }, limit: 1 })
  )[0];
  olderTerms = em.create(LegalTerm, {
    version: 'audit-guard-older',
    title: 'Older terms',
    body: 'Older terms.',
    publishedAt: new Date(currentTerms.publishedAt!.getTime() - 24 * HOUR_MS),
  });
  for (const user of Object.values(world.users)) {
    em.create(LegalTermAcceptance, { user: user.id, legalTerm: currentTerms, acceptedAt: new Date() });
  }
  await em.flush();
});

/** The fixture users of the relations a success is run as. */
const VIEWERS: Partial<Record<Relation, keyof typeof world.users>> = {
  superAdmin: 'superAdmin',
  adminOfOne: 'acmeAdmin',
  manager: 'eastManager',
  member: 'eastMember',
};

/**
 * Who runs the success: anonymous when anyone may (the public operations), else T itself when it
 * may (its own account), else the first relation of the matrix that may.
 */
function runnerOf(operation: MatrixOperation): Relation {
  const allowed = (relation: Relation) => operation.expected[relation] === 'ok';
  if (allowed('anonymous')) return 'anonymous';
  if (allowed('self')) return 'self';
  const relation = RELATIONS.find((candidate) => allowed(candidate) && VIEWERS[candidate]);
  if (!relation) throw new Error(`no relation of ${Object.keys(VIEWERS).join(', ')} may run ${operation.label}`);
  return relation;
}

async function viewerOf(relation: Relation, target: Target): Promise<{ userId: number | null; token?: string }> {
  if (relation === 'anonymous') return { userId: null };
  const userId = relation === 'self' ? target.userId : world.users[VIEWERS[relation]!].id;
  // A session of its own per case: some cases end the session they run in.
  return { userId, token: await sessionToken(app, userId) };
}

async function expectedActorId(actor: ExpectedActor, viewerId: number | null, target: Target): Promise<number | null> {
  if (actor === 'viewer') return viewerId;
  if (actor === 'target') return target.userId;
  if (actor === 'nobody') return null;
  const [invitee] = await app.orm.em
    .getConnection()
    .execute('select id from users where email = ?', [`invitee-${target.serial}@example.com`]);
  return invitee?.id ?? -1;
}

/** The events of one request; a background task (the reset link) may append them after the response. */
async function eventsOf(requestId: string, action: string): Promise<AuditRow[]> {
  return pollUntil(
    async () => {
      const rows: AuditRow[] = await app.orm.em
        .getConnection()
        .execute(
          'select action, actor_user_id, request_id, client_ip, target_type, target_id from audit_events where request_id = ? order by id',
          [requestId],
        );
      return rows.some((row) => row.action === action) ? rows : undefined;
    },
    `an audit event ${action} of request ${requestId}`,
    { timeoutMs: 3000 },
  ).catch(async () =>
    app.orm.em.getConnection().execute('select action, actor_user_id from audit_events where request_id = ?', [requestId]),
  );
}

async function send(
  transport: 'GraphQL' | 'REST',
  operation: MatrixOperation,
  target: Target,
  token: string | undefined,
  requestId: string,
): Promise<HttpResult> {
  const headers = { 'x-request-id': requestId, ...(token ? bearer(token) : {}) };
  if (transport === 'GraphQL') {
    return app.request('POST', '/graphql', {
      body: { query: operation.graphql.query, variables: operation.graphql.variables(target) },
      headers,
    });
  }
  const { method, path, body } = operation.rest!;
  return app.request(method, `/api/v1${path(target)}`, { body: body?.(target), headers });
}

/** What went wrong, when the response is not a success of its transport. */
function failureOf(transport: 'GraphQL' | 'REST', response: HttpResult): unknown {
  if (transport === 'GraphQL') return response.body?.errors;
  return response.status < 300 ? undefined : { status: response.status, body: response.body };
}

/** Imports run in the background: the case waits for its own before the next one starts. */
async function settle(operation: MatrixOperation): Promise<void> {
  if (operation.settles !== 'import') return;
  await pollUntil(async () => {
    const [{ pending }] = await app.orm.em
      .getConnection()
      .execute(`select count(*)::int as pending from import_files where status in ('queued', 'processing')`);
    return pending === 0 || undefined;
  }, 'the imports to finish');
}

const isMutation = (operation: MatrixOperation) => /^\s*mutation\b/.test(operation.graphql.query);

describe('audit guard', () => {
  it('expects an event of every mutation of the schema, each run by a row of the authorization matrix', () => {
    const covered = new Set(MATRIX.map((operation) => operation.field));
    expect(mutationFields.filter((field) => !(field in EXPECTED))).toEqual([]);
    expect(mutationFields.filter((field) => !covered.has(field))).toEqual([]);
  });

  type Case = [transport: 'GraphQL' | 'REST', label: string, operation: MatrixOperation];
  const cases: Case[] = MATRIX.filter(isMutation).flatMap((operation): Case[] => [
    ['GraphQL', operation.label, operation],
    ...(operation.rest ? [['REST', operation.label, operation] as Case] : []),
  ]);

  it.each(cases)(
    '%s %s appends its event, with its actor, request id and client address',
    async (transport, _label, operation) => {
      const expected = EXPECTED[operation.field];
      const target = await makeTarget(app, world, { accepted: currentTerms, approvable: olderTerms });
      const relation = runnerOf(operation);
      const viewer = await viewerOf(relation, target);
      const requestId = `audit-guard-${transport.toLowerCase()}-${target.serial}`;

      const response = await send(transport, operation, target, viewer.token, requestId);
      expect(failureOf(transport, response)).toBeUndefined();
      await settle(operation);

      const events = await eventsOf(requestId, expected.action);
      const actorId = await expectedActorId(expected.actor, viewer.userId, target);
      expect(events).toContainEqual(
        expect.objectContaining({
          action: expected.action,
          actor_user_id: actorId,
          request_id: requestId,
          client_ip: expect.stringMatching(/127\.0\.0\.1$/),
        }),
      );
    },
  );
});
