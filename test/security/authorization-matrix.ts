import { base64Of, pngBytes } from '../helpers/uploads';
import { LOGIN } from '../helpers/documents';

/**
 * The authorization matrix: for every mutation of the schema and every account-wide read, what
 * each viewer relation gets when it aims at a target user T who belongs to two company trees
 * (member of Acme East, under Acme, and member of Globex West, under Globex). Company-level
 * operations aim at Acme East, the target's company in the Acme tree.
 */

export const RELATIONS = [
  'superAdmin',
  /** Admin of Acme and of Globex: every company T belongs to. */
  'adminOfAll',
  /** Admin of Acme only. */
  'adminOfOne',
  /** Admin of Acme East Lab, a child of T's company: T is not in its reach. */
  'adminOfChild',
  /** Manager of Acme East. */
  'manager',
  /** Member of Acme East. */
  'member',
  /** Admin of Initech, a tree T has nothing to do with. */
  'otherTree',
  /** T itself. */
  'self',
  'anonymous',
] as const;

export type Relation = (typeof RELATIONS)[number];
export type Outcome = 'ok' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND';

const SHORT: Record<string, Outcome> = { ok: 'ok', U: 'UNAUTHENTICATED', F: 'FORBIDDEN', N: 'NOT_FOUND' };

/** One row of outcomes in the order of RELATIONS: `ok`, `F` (FORBIDDEN), `N` (NOT_FOUND), `U` (UNAUTHENTICATED). */
function row(outcomes: string): Record<Relation, Outcome> {
  const tokens = outcomes.trim().split(/\s+/);
  if (tokens.length !== RELATIONS.length) throw new Error(`a matrix row needs ${RELATIONS.length} outcomes: ${outcomes}`);
  return Object.fromEntries(RELATIONS.map((relation, index) => [relation, SHORT[tokens[index]]])) as Record<Relation, Outcome>;
}

//                                      super all  one  child mgr  mbr  other self anon
const ACCOUNT_CHANGE = row(/*        */ 'ok    ok   F    N     F    F    N     ok   U');
const ACCOUNT_ADMIN_ONLY = row(/*    */ 'ok    ok   F    N     F    F    N     F    U');
const OWN_PASSWORD = row(/*          */ 'F     F    F    N     F    F    N     ok   U');
const COMPANY_ADMIN = row(/*         */ 'ok    ok   ok   N     F    F    N     F    U');
const COMPANY_MANAGER = row(/*       */ 'ok    ok   ok   N     ok   F    N     F    U');
const SELF_SERVICE = row(/*          */ 'ok    ok   ok   ok    ok   ok   ok    ok   U');
const PUBLIC = row(/*                */ 'ok    ok   ok   ok    ok   ok   ok    ok   ok');
const READ_USER = row(/*             */ 'ok    ok   ok   N     ok   ok   N     ok   U');
const LOOKUP_USER = row(/*           */ 'ok    ok   ok   N     ok   N    N     ok   U');

/** What one case aims at, made fresh for every case so that each starts from the same state. */
export interface Target {
  userId: number;
  /** A session of T (not the one T's own cases sign in with), and its refresh token. */
  session: { id: string; refreshToken: string };
  email: string;
  /** T's grant in Acme East. */
  grantId: number;
  /** A valid password reset token of T. */
  resetToken: string;
  /** A pending invitation into Acme East, and its token. */
  invitationId: number;
  invitationToken: string;
  /** A member key of Acme East, created by the admin of Acme. */
  apiKeyId: number;
  /** An enabled webhook endpoint of Acme East, with a (failed) delivery in its log, and a disabled one. */
  webhookEndpointId: number;
  disabledWebhookEndpointId: number;
  webhookDeliveryId: number;
  /** Unique per case, for names and emails the case creates. */
  serial: number;
  companies: { acmeEast: number; acmeEastLab: number };
  accesses: { member: number; manager: number };
  legalTermId: number;
}

export interface MatrixOperation {
  /** The schema's field; several rows may exercise one field in different ways. */
  field: string;
  label: string;
  expected: Record<Relation, Outcome>;
  /** Whether a success writes to the tables the digest covers. */
  writes: boolean;
  graphql: { query: string; variables(t: Target): Record<string, unknown> };
  rest?: { method: string; path(t: Target): string; body?(t: Target): unknown };
  /** Background work a success starts, to wait for before the next case (imports). */
  settles?: 'import';
  /**
   * For a field that answers a target the viewer may not see with null instead of NOT_FOUND
   * (federation's `_entities`): whether this answer's data is that null. It counts as NOT_FOUND.
   */
  hidden?(data: any): boolean;
}

const id = String;
const NEW_PASSWORD = 'a brand new passphrase 9';
const PNG = () => base64Of(pngBytes());
const CSV = (t: Target) =>
  base64Of(Buffer.from(`email,first_name,last_name\nmatrix-import-${t.serial}@example.com,M,I\n`), 'x.csv', 'text/csv');
const USER_FIELDS = '{ id }';
/** A receiver the suites run with WEBHOOK_ALLOW_PRIVATE_TARGETS may name; nothing listens there. */
const WEBHOOK_URL = (t: Target) => `http://127.0.0.1:9/hook-${t.serial}`;

export const MATRIX: MatrixOperation[] = [
  {
    field: 'updateUser',
    label: 'updateUser (names)',
    expected: ACCOUNT_CHANGE,
    writes: true,
    graphql: {
      query: `mutation($id: ID!) { updateUser(id: $id, input: { lastName: "Renamed" }) ${USER_FIELDS} }`,
      variables: (t) => ({ id: id(t.userId) }),
    },
    rest: { method: 'PUT', path: (t) => `/users/${t.userId}`, body: () => ({ last_name: 'Renamed' }) },
  },
  {
    field: 'updateUser',
    label: 'updateUser (email)',
    expected: ACCOUNT_ADMIN_ONLY,
    writes: true,
    graphql: {
      query: `mutation($id: ID!, $email: String!) { updateUser(id: $id, input: { email: $email }) ${USER_FIELDS} }`,
      variables: (t) => ({ id: id(t.userId), email: `moved-${t.serial}@example.com` }),
    },
    rest: { method: 'PUT', path: (t) => `/users/${t.userId}`, body: (t) => ({ email: `moved-${t.serial}@example.com` }) },
  },
  {
    field: 'updateUser',
    label: 'updateUser (deactivate)',
    expected: ACCOUNT_ADMIN_ONLY,
    writes: true,
    graphql: {
      query: `mutation($id: ID!) { updateUser(id: $id, input: { status: INACTIVE }) ${USER_FIELDS} }`,
      variables: (t) => ({ id: id(t.userId) }),
    },
    rest: { method: 'PUT', path: (t) => `/users/${t.userId}`, body: () => ({ status: 'inactive' }) },
  },
  {
    field: 'updateUser',
    label: 'updateUser (password)',
    expected: OWN_PASSWORD,
    writes: true,
    graphql: {
      query: `mutation($id: ID!, $password: String!, $current: String!) {
        updateUser(id: $id, input: { password: $password, currentPassword: $current }) ${USER_FIELDS}
      }`,
      variables: (t) => ({ id: id(t.userId), password: NEW_PASSWORD, current: 'correct horse battery staple' }),
    },
    rest: {
      method: 'PUT',
      path: (t) => `/users/${t.userId}`,
      body: () => ({ password: NEW_PASSWORD, current_password: 'correct horse battery staple' }),
    },
  },
  {
    field: 'uploadUserAvatar',
    label: 'uploadUserAvatar',
    expected: ACCOUNT_CHANGE,
    writes: true,
    graphql: {
      query: `mutation($u: ID!, $b: Base64FileInput) { uploadUserAvatar(userId: $u, base64: $b) ${USER_FIELDS} }`,
      variables: (t) => ({ u: id(t.userId), b: PNG() }),
    },
    rest: {
      method: 'PUT',
      path: () => '/users/avatar',
      body: (t) => ({ user_id: t.userId, avatar_base64: PNG().data, name: 'a.png', type: 'image/png' }),
    },
  },
  {
    field: 'removeUserAvatar',
    label: 'removeUserAvatar',
    expected: ACCOUNT_CHANGE,
    writes: true,
    graphql: {
      query: `mutation($u: ID!) { removeUserAvatar(userId: $u) ${USER_FIELDS} }`,
      variables: (t) => ({ u: id(t.userId) }),
    },
    rest: { method: 'DELETE', path: (t) => `/users/avatar?user_id=${t.userId}` },
  },
  {
    field: 'createUser',
    label: 'createUser (in Acme East)',
    expected: COMPANY_ADMIN,
    writes: true,
    graphql: {
      query: `mutation($input: CreateUserInput!) { createUser(input: $input) ${USER_FIELDS} }`,
      variables: (t) => ({
        input: {
          firstName: 'New',
          lastName: 'User',
          email: `created-${t.serial}@example.com`,
          password: NEW_PASSWORD,
          companyId: id(t.companies.acmeEast),
          accessId: id(t.accesses.member),
        },
      }),
    },
    rest: {
      method: 'POST',
      path: () => '/users',
      body: (t) => ({
        first_name: 'New',
        last_name: 'User',
        email: `created-${t.serial}@example.com`,
        password: NEW_PASSWORD,
        company_id: t.companies.acmeEast,
        access_id: t.accesses.member,
      }),
    },
  },
  {
    field: 'createCompany',
    label: 'createCompany (under Acme East)',
    expected: COMPANY_ADMIN,
    writes: true,
    graphql: {
      query: 'mutation($name: String!, $p: ID!) { createCompany(input: { name: $name, parentCompanyId: $p }) { id } }',
      variables: (t) => ({ name: `Matrix ${t.serial}`, p: id(t.companies.acmeEast) }),
    },
    rest: {
      method: 'POST',
      path: () => '/companies',
      body: (t) => ({ name: `Matrix ${t.serial}`, parent_company_id: t.companies.acmeEast }),
    },
  },
  {
    field: 'uploadCompanyAvatar',
    label: 'uploadCompanyAvatar (Acme East)',
    expected: COMPANY_ADMIN,
    writes: true,
    graphql: {
      query: 'mutation($c: ID!, $b: Base64FileInput) { uploadCompanyAvatar(companyId: $c, base64: $b) { id } }',
      variables: (t) => ({ c: id(t.companies.acmeEast), b: PNG() }),
    },
    rest: {
      method: 'PUT',
      path: () => '/companies/avatar',
      body: (t) => ({ company_id: t.companies.acmeEast, avatar_base64: PNG().data, name: 'a.png', type: 'image/png' }),
    },
  },
  {
    field: 'removeCompanyAvatar',
    label: 'removeCompanyAvatar (Acme East)',
    expected: COMPANY_ADMIN,
    writes: true,
    graphql: {
      query: 'mutation($c: ID!) { removeCompanyAvatar(companyId: $c) { id } }',
      variables: (t) => ({ c: id(t.companies.acmeEast) }),
    },
    rest: { method: 'DELETE', path: (t) => `/companies/avatar?company_id=${t.companies.acmeEast}` },
  },
  {
    field: 'addUserAccesses',
    label: "addUserAccesses (T in Acme East's child)",
    expected: COMPANY_ADMIN,
    writes: true,
    graphql: {
      query: 'mutation($u: ID!, $a: [UserAccessInput!]!) { addUserAccesses(userId: $u, accesses: $a) { id } }',
      variables: (t) => ({ u: id(t.userId), a: [{ companyId: id(t.companies.acmeEastLab), accessId: id(t.accesses.member) }] }),
    },
    rest: {
      method: 'POST',
      path: (t) => `/users/${t.userId}/user_accesses`,
      body: (t) => ({ user_accesses: [{ company_id: t.companies.acmeEastLab, access_id: t.accesses.member }] }),
    },
  },
  {
    field: 'setUserAccesses',
    label: "setUserAccesses (T's grants in Acme)",
    expected: COMPANY_ADMIN,
    writes: true,
    graphql: {
      query: 'mutation($u: ID!, $a: [UserAccessInput!]!) { setUserAccesses(userId: $u, accesses: $a) { id } }',
      variables: (t) => ({ u: id(t.userId), a: [{ companyId: id(t.companies.acmeEast), accessId: id(t.accesses.manager) }] }),
    },
    rest: {
      method: 'PUT',
      path: (t) => `/users/${t.userId}/user_accesses`,
      body: (t) => ({ user_accesses: [{ company_id: t.companies.acmeEast, access_id: t.accesses.manager }] }),
    },
  },
  {
    field: 'removeUserAccess',
    label: "removeUserAccess (T's grant in Acme East)",
    expected: COMPANY_ADMIN,
    writes: true,
    graphql: {
      query: 'mutation($id: ID!) { removeUserAccess(id: $id) { id } }',
      variables: (t) => ({ id: id(t.grantId) }),
    },
    rest: { method: 'DELETE', path: (t) => `/user_accesses/${t.grantId}` },
  },
  {
    field: 'createInvitation',
    label: 'createInvitation (into Acme East)',
    expected: COMPANY_MANAGER,
    writes: true,
    graphql: {
      query:
        'mutation($e: String!, $c: ID!, $a: ID!) { createInvitation(input: { email: $e, companyId: $c, accessId: $a }) { id } }',
      variables: (t) => ({ e: `invited-${t.serial}@example.com`, c: id(t.companies.acmeEast), a: id(t.accesses.member) }),
    },
    rest: {
      method: 'POST',
      path: () => '/invitations',
      body: (t) => ({ email: `invited-${t.serial}@example.com`, company_id: t.companies.acmeEast, access_id: t.accesses.member }),
    },
  },
  {
    field: 'revokeInvitation',
    label: 'revokeInvitation (into Acme East)',
    expected: COMPANY_MANAGER,
    writes: true,
    graphql: { query: 'mutation($id: ID!) { revokeInvitation(id: $id) { id } }', variables: (t) => ({ id: id(t.invitationId) }) },
    rest: { method: 'DELETE', path: (t) => `/invitations/${t.invitationId}` },
  },
  {
    field: 'startImport',
    label: 'startImport (into Acme East)',
    expected: COMPANY_ADMIN,
    writes: true,
    settles: 'import',
    graphql: {
      query: 'mutation($c: ID!, $b: Base64FileInput) { startImport(companyId: $c, base64: $b) { id } }',
      variables: (t) => ({ c: id(t.companies.acmeEast), b: CSV(t) }),
    },
    rest: {
      method: 'POST',
      path: () => '/imports',
      body: (t) => ({ company_id: t.companies.acmeEast, name: 'x.csv', type: 'text/csv', file_base64: CSV(t).data }),
    },
  },
  {
    field: 'createApiKey',
    label: 'createApiKey (a member key of Acme East)',
    expected: COMPANY_ADMIN,
    writes: true,
    graphql: {
      query:
        'mutation($c: ID!, $a: ID!, $n: String!) { createApiKey(input: { companyId: $c, accessId: $a, name: $n }) { secret } }',
      variables: (t) => ({ c: id(t.companies.acmeEast), a: id(t.accesses.member), n: `matrix key ${t.serial}` }),
    },
    rest: {
      method: 'POST',
      path: () => '/api_keys',
      body: (t) => ({ company_id: t.companies.acmeEast, access_id: t.accesses.member, name: `matrix key ${t.serial}` }),
    },
  },
  {
    field: 'revokeApiKey',
    label: 'revokeApiKey (a key of Acme East)',
    expected: COMPANY_ADMIN,
    writes: true,
    graphql: { query: 'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', variables: (t) => ({ id: id(t.apiKeyId) }) },
    rest: { method: 'DELETE', path: (t) => `/api_keys/${t.apiKeyId}` },
  },
  {
    field: 'apiKeys',
    label: 'apiKeys (of Acme East)',
    expected: COMPANY_ADMIN,
    writes: false,
    graphql: { query: 'query($c: ID!) { apiKeys(companyId: $c) { id } }', variables: (t) => ({ c: id(t.companies.acmeEast) }) },
    rest: { method: 'GET', path: (t) => `/api_keys?company_id=${t.companies.acmeEast}` },
  },
  {
    field: 'createWebhookEndpoint',
    label: 'createWebhookEndpoint (for Acme East)',
    expected: COMPANY_ADMIN,
    writes: true,
    graphql: {
      query: `mutation($c: ID!, $u: String!) {
        createWebhookEndpoint(input: { companyId: $c, url: $u, eventTypes: ["import.failed"] }) { secret endpoint { id } }
      }`,
      variables: (t) => ({ c: id(t.companies.acmeEast), u: WEBHOOK_URL(t) }),
    },
    rest: {
      method: 'POST',
      path: () => '/webhooks',
      body: (t) => ({ company_id: t.companies.acmeEast, url: WEBHOOK_URL(t), event_types: ['import.failed'] }),
    },
  },
  {
    field: 'updateWebhookEndpoint',
    label: 'updateWebhookEndpoint (of Acme East)',
    expected: COMPANY_ADMIN,
    writes: true,
    graphql: {
      query: 'mutation($id: ID!, $u: String!) { updateWebhookEndpoint(id: $id, input: { url: $u }) { id } }',
      variables: (t) => ({ id: id(t.webhookEndpointId), u: WEBHOOK_URL(t) }),
    },
    rest: { method: 'PUT', path: (t) => `/webhooks/${t.webhookEndpointId}`, body: (t) => ({ url: WEBHOOK_URL(t) }) },
  },
  {
    field: 'disableWebhookEndpoint',
    label: 'disableWebhookEndpoint (an enabled one of Acme East)',
    expected: COMPANY_ADMIN,
    writes: true,
    graphql: {
      query: 'mutation($id: ID!) { disableWebhookEndpoint(id: $id) { enabled } }',
      variables: (t) => ({ id: id(t.webhookEndpointId) }),
    },
    rest: { method: 'POST', path: (t) => `/webhooks/${t.webhookEndpointId}/disable` },
  },
  {
    field: 'enableWebhookEndpoint',
    label: 'enableWebhookEndpoint (a disabled one of Acme East)',
    expected: COMPANY_ADMIN,
    writes: true,
    graphql: {
      query: 'mutation($id: ID!) { enableWebhookEndpoint(id: $id) { enabled } }',
      variables: (t) => ({ id: id(t.disabledWebhookEndpointId) }),
    },
    rest: { method: 'POST', path: (t) => `/webhooks/${t.disabledWebhookEndpointId}/enable` },
  },
  {
    field: 'deleteWebhookEndpoint',
    label: 'deleteWebhookEndpoint (of Acme East)',
    expected: COMPANY_ADMIN,
    writes: true,
    graphql: {
      query: 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }',
      variables: (t) => ({ id: id(t.webhookEndpointId) }),
    },
    rest: { method: 'DELETE', path: (t) => `/webhooks/${t.webhookEndpointId}` },
  },
  {
    field: 'rotateWebhookSecret',
    label: 'rotateWebhookSecret (of Acme East)',
    expected: COMPANY_ADMIN,
    writes: true,
    graphql: {
      query: 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }',
      variables: (t) => ({ id: id(t.webhookEndpointId) }),
    },
    rest: { method: 'POST', path: (t) => `/webhooks/${t.webhookEndpointId}/rotate_secret` },
  },
  {
    field: 'redeliverEvent',
    label: 'redeliverEvent (a delivery to Acme East)',
    expected: COMPANY_ADMIN,
    // It queues a job (and audits it): neither is among the tables the digest covers.
    writes: false,
    graphql: { query: 'mutation($id: ID!) { redeliverEvent(id: $id) }', variables: (t) => ({ id: id(t.webhookDeliveryId) }) },
    rest: { method: 'POST', path: (t) => `/webhook_deliveries/${t.webhookDeliveryId}/redeliver` },
  },
  {
    field: 'webhookEndpoints',
    label: 'webhookEndpoints (of Acme East)',
    expected: COMPANY_ADMIN,
    writes: false,
    graphql: {
      query: 'query($c: ID!) { webhookEndpoints(companyId: $c) { id } }',
      variables: (t) => ({ c: id(t.companies.acmeEast) }),
    },
    rest: { method: 'GET', path: (t) => `/webhooks?company_id=${t.companies.acmeEast}` },
  },
  {
    field: 'webhookEndpoint',
    label: 'webhookEndpoint (of Acme East)',
    expected: COMPANY_ADMIN,
    writes: false,
    graphql: {
      query: 'query($id: ID!) { webhookEndpoint(id: $id) { id } }',
      variables: (t) => ({ id: id(t.webhookEndpointId) }),
    },
    rest: { method: 'GET', path: (t) => `/webhooks/${t.webhookEndpointId}` },
  },
  {
    field: 'webhookDeliveries',
    label: 'webhookDeliveries (of an endpoint of Acme East)',
    expected: COMPANY_ADMIN,
    writes: false,
    graphql: {
      query: 'query($id: ID!) { webhookDeliveries(endpointId: $id) { id } }',
      variables: (t) => ({ id: id(t.webhookEndpointId) }),
    },
    rest: { method: 'GET', path: (t) => `/webhooks/${t.webhookEndpointId}/deliveries` },
  },
  {
    field: 'completeOnboarding',
    label: 'completeOnboarding (own)',
    expected: SELF_SERVICE,
    // The viewers are shared by the cases: only the first completion of each writes.
    writes: false,
    graphql: { query: 'mutation { completeOnboarding { id } }', variables: () => ({}) },
    rest: { method: 'PUT', path: () => '/onboarding/complete' },
  },
  {
    field: 'approveLegalTerm',
    label: 'approveLegalTerm (own)',
    expected: SELF_SERVICE,
    // Acceptances are not among the tables the digest covers.
    writes: false,
    graphql: {
      query: 'mutation($l: ID!) { approveLegalTerm(legalTermId: $l) { acceptedAt } }',
      variables: (t) => ({ l: id(t.legalTermId) }),
    },
    rest: { method: 'PUT', path: () => '/onboarding/approve_terms', body: (t) => ({ legal_term_id: t.legalTermId }) },
  },
  {
    field: 'login',
    label: 'login (as T)',
    expected: PUBLIC,
    writes: false,
    graphql: {
      query: LOGIN,
      variables: (t) => ({ email: t.email, password: 'correct horse battery staple' }),
    },
    rest: {
      method: 'POST',
      path: () => '/users/login',
      body: (t) => ({ email: t.email, password: 'correct horse battery staple' }),
    },
  },
  {
    field: 'requestPasswordReset',
    label: 'requestPasswordReset (for T)',
    expected: PUBLIC,
    // The token is written after the response, in the background.
    writes: false,
    graphql: { query: 'mutation($e: String!) { requestPasswordReset(email: $e) }', variables: (t) => ({ e: t.email }) },
    rest: { method: 'POST', path: () => '/users/reset_password', body: (t) => ({ email: t.email }) },
  },
  {
    field: 'resetPassword',
    label: "resetPassword (with T's token)",
    expected: PUBLIC,
    writes: true,
    graphql: {
      query: 'mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) { id } }',
      variables: (t) => ({ t: t.resetToken, p: NEW_PASSWORD }),
    },
    rest: { method: 'POST', path: () => '/users/reset_password', body: (t) => ({ token: t.resetToken, password: NEW_PASSWORD }) },
  },
  {
    field: 'acceptInvitation',
    label: 'acceptInvitation (with its token)',
    expected: PUBLIC,
    writes: true,
    graphql: {
      query: `mutation($t: String!, $p: String!) {
        acceptInvitation(input: { token: $t, firstName: "In", lastName: "Vited", password: $p }) { token }
      }`,
      variables: (t) => ({ t: t.invitationToken, p: NEW_PASSWORD }),
    },
    rest: {
      method: 'POST',
      path: () => '/invitations/accept',
      body: (t) => ({ token: t.invitationToken, first_name: 'In', last_name: 'Vited', password: NEW_PASSWORD }),
    },
  },
  {
    field: 'refreshSession',
    label: "refreshSession (T's refresh token)",
    expected: PUBLIC,
    writes: false,
    graphql: {
      query: 'mutation($r: String!) { refreshSession(refreshToken: $r) { token } }',
      variables: (t) => ({ r: t.session.refreshToken }),
    },
    rest: { method: 'POST', path: () => '/users/refresh', body: (t) => ({ refresh_token: t.session.refreshToken }) },
  },
  {
    field: 'logout',
    label: "logout (the viewer's own session)",
    expected: SELF_SERVICE,
    writes: false,
    graphql: { query: 'mutation { logout }', variables: () => ({}) },
    rest: { method: 'POST', path: () => '/users/logout' },
  },
  {
    field: 'revokeSession',
    label: 'revokeSession (a session of T)',
    expected: ACCOUNT_CHANGE,
    writes: false,
    graphql: { query: 'mutation($id: ID!) { revokeSession(id: $id) }', variables: (t) => ({ id: t.session.id }) },
    rest: { method: 'DELETE', path: (t) => `/sessions/${t.session.id}` },
  },
  {
    field: 'revokeAllSessions',
    label: 'revokeAllSessions (of T)',
    expected: ACCOUNT_CHANGE,
    writes: false,
    graphql: { query: 'mutation($u: ID) { revokeAllSessions(userId: $u) }', variables: (t) => ({ u: id(t.userId) }) },
    rest: { method: 'DELETE', path: (t) => `/sessions?user_id=${t.userId}` },
  },
  {
    field: 'sessions',
    label: 'sessions (of T)',
    expected: ACCOUNT_CHANGE,
    writes: false,
    graphql: { query: 'query($u: ID) { sessions(userId: $u) { id } }', variables: (t) => ({ u: id(t.userId) }) },
    rest: { method: 'GET', path: (t) => `/sessions?user_id=${t.userId}` },
  },
  {
    field: 'user',
    label: 'user (T)',
    expected: READ_USER,
    writes: false,
    graphql: { query: `query($id: ID!) { user(id: $id) ${USER_FIELDS} }`, variables: (t) => ({ id: id(t.userId) }) },
    rest: { method: 'GET', path: (t) => `/users/${t.userId}` },
  },
  {
    field: '_entities',
    label: '_entities (T, as a Federation router references it)',
    expected: READ_USER,
    writes: false,
    graphql: {
      query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on User ${USER_FIELDS} } }`,
      variables: (t) => ({ r: [{ __typename: 'User', id: id(t.userId) }] }),
    },
    hidden: (data) => data._entities[0] === null,
  },
  {
    field: 'userByEmail',
    label: "userByEmail (T's email)",
    expected: LOOKUP_USER,
    writes: false,
    graphql: { query: `query($e: String!) { userByEmail(email: $e) ${USER_FIELDS} }`, variables: (t) => ({ e: t.email }) },
    rest: { method: 'GET', path: (t) => `/users/find_by_email?email=${encodeURIComponent(t.email)}` },
  },
  {
    field: 'users',
    label: "users (of T's company Acme East)",
    expected: READ_USER,
    writes: false,
    graphql: {
      query: 'query($c: ID) { users(filter: { companyId: $c }) { totalCount } }',
      variables: (t) => ({ c: id(t.companies.acmeEast) }),
    },
    rest: { method: 'GET', path: (t) => `/users?company_id=${t.companies.acmeEast}` },
  },
  {
    field: 'auditEvents',
    label: "auditEvents (of T's company Acme East)",
    expected: COMPANY_ADMIN,
    writes: false,
    graphql: {
      query: 'query($c: ID) { auditEvents(filter: { companyId: $c }, first: 1) { edges { node { id } } } }',
      variables: (t) => ({ c: id(t.companies.acmeEast) }),
    },
    rest: { method: 'GET', path: (t) => `/audit_events?company_id=${t.companies.acmeEast}&limit=1` },
  },
];

/** Queries that read one account (or a company's accounts): each has a row above. */
export const ACCOUNT_READS = ['user', 'userByEmail', 'users', 'sessions', '_entities'];
