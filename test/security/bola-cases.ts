import { base64Of, pngBytes } from '../helpers/uploads';

/** The operations and routes of the BOLA test (bola.spec.ts), one row each. */

/** Operations with no object of another company to name: public (a token or a password is the credential), self-only, or global reference data. */
export const NOT_OBJECT_SCOPED = {
  graphql: [
    'me',
    'validateToken',
    // Federation: the subgraph SDL, the schema itself (production refuses it as it refuses introspection).
    '_service',
    'stages',
    'accesses',
    'access',
    'memberships',
    'membership',
    'currentLegalTerm',
    'legalTerm',
    'login',
    'requestPasswordReset',
    'resetPassword',
    'acceptInvitation',
    'completeOnboarding',
    'approveLegalTerm',
    'refreshSession',
    'logout',
  ],
  rest: [
    'GET /users/validate_jwt',
    'POST /users/login',
    'POST /users/reset_password',
    'GET /stages',
    'GET /accesses',
    'GET /accesses/:id',
    'GET /memberships',
    'GET /memberships/:id',
    'GET /legal_terms/current',
    'GET /legal_terms/:id',
    'PUT /onboarding/complete',
    'PUT /onboarding/approve_terms',
    'PATCH /onboarding/complete',
    'PATCH /onboarding/approve_terms',
    'POST /invitations/accept',
    'POST /users/refresh',
    'POST /users/logout',
  ],
};

/** The Acme objects Globex's admin aims at, created by Acme's own admin. */
export interface Targets {
  user: number;
  avatarUser: number;
  company: number;
  childCompany: number;
  grant: number;
  invitation: number;
  invitationEmail: string;
  importFile: number;
  member: number;
  globexUser: number;
  /** A member key of Acme East. */
  apiKey: number;
  /** A webhook endpoint of Acme East, and a delivery in its log. */
  webhookEndpoint: number;
  webhookDelivery: number;
  /** A session of `user`. */
  session: string;
}

/** NOT_FOUND, an empty list, or a null for each object named (federation's `_entities`, as for ids never used). */
export type Expected = 'NOT_FOUND' | 'EMPTY' | 'NULLS';
export type GraphqlCase = [field: string, query: string, variables: (t: Targets) => Record<string, unknown>, expected: Expected];
export type RestCase = [
  route: string,
  path: (t: Targets) => string,
  body: ((t: Targets) => unknown) | undefined,
  expected: Expected,
];

export const PNG = () => base64Of(pngBytes());
export const CSV = () => base64Of(Buffer.from('email,first_name,last_name\nbola@example.com,B,O\n'), 'x.csv', 'text/csv');
export const id = (value: number) => String(value);

export const GRAPHQL_CASES: GraphqlCase[] = [
  ['user', 'query($id: ID!) { user(id: $id) { id email } }', (t) => ({ id: id(t.user) }), 'NOT_FOUND'],
  ['userByEmail', 'query { userByEmail(email: "eastmember@example.com") { id } }', () => ({}), 'NOT_FOUND'],
  [
    '_entities',
    'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email } ... on Company { id name } } }',
    (t) => ({
      r: [
        { __typename: 'User', id: id(t.user) },
        { __typename: 'Company', id: id(t.company) },
      ],
    }),
    'NULLS',
  ],
  [
    'users',
    'query($c: ID) { users(filter: { companyId: $c }) { totalCount edges { node { email } } } }',
    (t) => ({ c: id(t.company) }),
    'NOT_FOUND',
  ],
  [
    'company',
    'query($id: ID!) { company(id: $id) { id name members { totalCount } } }',
    (t) => ({ id: id(t.company) }),
    'NOT_FOUND',
  ],
  [
    'companies',
    'query($p: ID) { companies(filter: { parentCompanyId: $p }) { totalCount edges { node { name } } } }',
    (t) => ({ p: id(t.company) }),
    'NOT_FOUND',
  ],
  [
    'pendingInvitations',
    'query($e: String!) { pendingInvitations(email: $e) { id } }',
    (t) => ({ e: t.invitationEmail }),
    'EMPTY',
  ],
  ['importFiles', 'query($c: ID) { importFiles(companyId: $c) { totalCount } }', (t) => ({ c: id(t.company) }), 'NOT_FOUND'],
  ['importFile', 'query($id: ID!) { importFile(id: $id) { id name } }', (t) => ({ id: id(t.importFile) }), 'NOT_FOUND'],
  [
    'auditEvents',
    'query($c: ID) { auditEvents(filter: { companyId: $c }) { edges { node { id action actorUser { email } } } } }',
    (t) => ({ c: id(t.company) }),
    'NOT_FOUND',
  ],
  [
    'createUser',
    'mutation($c: ID!, $a: ID!) { createUser(input: { firstName: "B", lastName: "O", email: "bola.new@example.com", companyId: $c, accessId: $a }) { id } }',
    (t) => ({ c: id(t.childCompany), a: id(t.member) }),
    'NOT_FOUND',
  ],
  [
    'updateUser',
    'mutation($id: ID!) { updateUser(id: $id, input: { lastName: "Owned", status: INACTIVE }) { id } }',
    (t) => ({ id: id(t.user) }),
    'NOT_FOUND',
  ],
  [
    'uploadUserAvatar',
    'mutation($u: ID!, $b: Base64FileInput) { uploadUserAvatar(userId: $u, base64: $b) { id } }',
    (t) => ({ u: id(t.avatarUser), b: PNG() }),
    'NOT_FOUND',
  ],
  [
    'removeUserAvatar',
    'mutation($u: ID!) { removeUserAvatar(userId: $u) { id } }',
    (t) => ({ u: id(t.avatarUser) }),
    'NOT_FOUND',
  ],
  [
    'createCompany',
    'mutation($p: ID) { createCompany(input: { name: "Owned", parentCompanyId: $p }) { id } }',
    (t) => ({ p: id(t.company) }),
    'NOT_FOUND',
  ],
  [
    'uploadCompanyAvatar',
    'mutation($c: ID!, $b: Base64FileInput) { uploadCompanyAvatar(companyId: $c, base64: $b) { id } }',
    (t) => ({ c: id(t.childCompany), b: PNG() }),
    'NOT_FOUND',
  ],
  [
    'removeCompanyAvatar',
    'mutation($c: ID!) { removeCompanyAvatar(companyId: $c) { id } }',
    (t) => ({ c: id(t.childCompany) }),
    'NOT_FOUND',
  ],
  [
    'addUserAccesses',
    'mutation($u: ID!, $c: ID!, $a: ID!) { addUserAccesses(userId: $u, accesses: [{ companyId: $c, accessId: $a }]) { id } }',
    (t) => ({ u: id(t.globexUser), c: id(t.company), a: id(t.member) }),
    'NOT_FOUND',
  ],
  [
    'setUserAccesses',
    'mutation($u: ID!, $c: ID!, $a: ID!) { setUserAccesses(userId: $u, accesses: [{ companyId: $c, accessId: $a }]) { id } }',
    (t) => ({ u: id(t.user), c: id(t.company), a: id(t.member) }),
    'NOT_FOUND',
  ],
  ['removeUserAccess', 'mutation($id: ID!) { removeUserAccess(id: $id) { id } }', (t) => ({ id: id(t.grant) }), 'NOT_FOUND'],
  [
    'createInvitation',
    'mutation($c: ID!, $a: ID!) { createInvitation(input: { email: "bola.inv@example.com", companyId: $c, accessId: $a }) { id } }',
    (t) => ({ c: id(t.company), a: id(t.member) }),
    'NOT_FOUND',
  ],
  ['revokeInvitation', 'mutation($id: ID!) { revokeInvitation(id: $id) { id } }', (t) => ({ id: id(t.invitation) }), 'NOT_FOUND'],
  [
    'startImport',
    'mutation($c: ID!, $b: Base64FileInput) { startImport(companyId: $c, base64: $b) { id } }',
    (t) => ({ c: id(t.company), b: CSV() }),
    'NOT_FOUND',
  ],
  ['apiKeys', 'query($c: ID!) { apiKeys(companyId: $c) { id name } }', (t) => ({ c: id(t.childCompany) }), 'NOT_FOUND'],
  [
    'createApiKey',
    'mutation($c: ID!, $a: ID!) { createApiKey(input: { companyId: $c, accessId: $a, name: "Owned" }) { secret } }',
    (t) => ({ c: id(t.childCompany), a: id(t.member) }),
    'NOT_FOUND',
  ],
  ['revokeApiKey', 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', (t) => ({ id: id(t.apiKey) }), 'NOT_FOUND'],
  [
    'webhookEndpoints',
    'query($c: ID!) { webhookEndpoints(companyId: $c) { id url } }',
    (t) => ({ c: id(t.childCompany) }),
    'NOT_FOUND',
  ],
  [
    'webhookEndpoint',
    'query($id: ID!) { webhookEndpoint(id: $id) { id url } }',
    (t) => ({ id: id(t.webhookEndpoint) }),
    'NOT_FOUND',
  ],
  [
    'webhookDeliveries',
    'query($id: ID!) { webhookDeliveries(endpointId: $id) { id } }',
    (t) => ({ id: id(t.webhookEndpoint) }),
    'NOT_FOUND',
  ],
  [
    'createWebhookEndpoint',
    'mutation($c: ID!) { createWebhookEndpoint(input: { companyId: $c, url: "http://127.0.0.1:9/owned", eventTypes: ["user.created"] }) { secret } }',
    (t) => ({ c: id(t.childCompany) }),
    'NOT_FOUND',
  ],
  [
    'updateWebhookEndpoint',
    'mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { url: "http://127.0.0.1:9/owned" }) { id } }',
    (t) => ({ id: id(t.webhookEndpoint) }),
    'NOT_FOUND',
  ],
  [
    'disableWebhookEndpoint',
    'mutation($id: ID!) { disableWebhookEndpoint(id: $id) { id } }',
    (t) => ({ id: id(t.webhookEndpoint) }),
    'NOT_FOUND',
  ],
  [
    'enableWebhookEndpoint',
    'mutation($id: ID!) { enableWebhookEndpoint(id: $id) { id } }',
    (t) => ({ id: id(t.webhookEndpoint) }),
    'NOT_FOUND',
  ],
  [
    'deleteWebhookEndpoint',
    'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }',
    (t) => ({ id: id(t.webhookEndpoint) }),
    'NOT_FOUND',
  ],
  [
    'rotateWebhookSecret',
    'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }',
    (t) => ({ id: id(t.webhookEndpoint) }),
    'NOT_FOUND',
  ],
  ['redeliverEvent', 'mutation($id: ID!) { redeliverEvent(id: $id) }', (t) => ({ id: id(t.webhookDelivery) }), 'NOT_FOUND'],
  ['sessions', 'query($u: ID) { sessions(userId: $u) { id } }', (t) => ({ u: id(t.user) }), 'NOT_FOUND'],
  ['revokeSession', 'mutation($id: ID!) { revokeSession(id: $id) }', (t) => ({ id: t.session }), 'NOT_FOUND'],
  ['revokeAllSessions', 'mutation($u: ID) { revokeAllSessions(userId: $u) }', (t) => ({ u: id(t.user) }), 'NOT_FOUND'],
];

const ROUTE_CASES: RestCase[] = [
  ['GET /users/:id', (t) => `/users/${t.user}`, undefined, 'NOT_FOUND'],
  ['GET /users/find_by_email', () => '/users/find_by_email?email=eastmember@example.com', undefined, 'NOT_FOUND'],
  ['GET /users', (t) => `/users?company_id=${t.company}`, undefined, 'NOT_FOUND'],
  [
    'POST /users',
    () => '/users',
    (t) => ({ first_name: 'B', last_name: 'O', email: 'bola.rest@example.com', company_id: t.childCompany, access_id: t.member }),
    'NOT_FOUND',
  ],
  ['PUT /users/:id', (t) => `/users/${t.user}`, () => ({ last_name: 'Owned', status: 'inactive' }), 'NOT_FOUND'],
  [
    'PUT /users/avatar',
    () => '/users/avatar',
    (t) => ({ user_id: t.avatarUser, avatar_base64: PNG().data, name: 'a.png', type: 'image/png' }),
    'NOT_FOUND',
  ],
  ['DELETE /users/avatar', (t) => `/users/avatar?user_id=${t.avatarUser}`, undefined, 'NOT_FOUND'],
  [
    'PUT /companies/avatar',
    () => '/companies/avatar',
    (t) => ({ company_id: t.childCompany, avatar_base64: PNG().data, name: 'a.png', type: 'image/png' }),
    'NOT_FOUND',
  ],
  ['DELETE /companies/avatar', (t) => `/companies/avatar?company_id=${t.childCompany}`, undefined, 'NOT_FOUND'],
  ['POST /companies', () => '/companies', (t) => ({ name: 'Owned', parent_company_id: t.company }), 'NOT_FOUND'],
  ['GET /companies/:id', (t) => `/companies/${t.company}`, undefined, 'NOT_FOUND'],
  ['GET /companies', (t) => `/companies?parent_company_id=${t.company}`, undefined, 'NOT_FOUND'],
  [
    'POST /users/:user_id/user_accesses',
    (t) => `/users/${t.globexUser}/user_accesses`,
    (t) => ({ user_accesses: [{ company_id: t.company, access_id: t.member }] }),
    'NOT_FOUND',
  ],
  ['GET /users/:user_id/user_accesses', (t) => `/users/${t.user}/user_accesses`, undefined, 'NOT_FOUND'],
  [
    'PUT /users/:user_id/user_accesses',
    (t) => `/users/${t.user}/user_accesses`,
    (t) => ({ user_accesses: [{ company_id: t.company, access_id: t.member }] }),
    'NOT_FOUND',
  ],
  ['DELETE /user_accesses/:id', (t) => `/user_accesses/${t.grant}`, undefined, 'NOT_FOUND'],
  [
    'POST /invitations',
    () => '/invitations',
    (t) => ({ email: 'bola.rest.inv@example.com', company_id: t.company, access_id: t.member }),
    'NOT_FOUND',
  ],
  ['GET /invitations/pending', (t) => `/invitations/pending?email=${t.invitationEmail}`, undefined, 'EMPTY'],
  ['DELETE /invitations/:id', (t) => `/invitations/${t.invitation}`, undefined, 'NOT_FOUND'],
  ['GET /imports', (t) => `/imports?company_id=${t.company}`, undefined, 'NOT_FOUND'],
  ['GET /imports/:id', (t) => `/imports/${t.importFile}`, undefined, 'NOT_FOUND'],
  ['GET /audit_events', (t) => `/audit_events?company_id=${t.company}`, undefined, 'NOT_FOUND'],
  [
    'POST /imports',
    () => '/imports',
    (t) => ({ company_id: t.company, name: 'x.csv', type: 'text/csv', file_base64: CSV().data }),
    'NOT_FOUND',
  ],
  ['GET /api_keys', (t) => `/api_keys?company_id=${t.childCompany}`, undefined, 'NOT_FOUND'],
  ['POST /api_keys', () => '/api_keys', (t) => ({ company_id: t.childCompany, access_id: t.member, name: 'Owned' }), 'NOT_FOUND'],
  ['DELETE /api_keys/:id', (t) => `/api_keys/${t.apiKey}`, undefined, 'NOT_FOUND'],
  ['GET /webhooks', (t) => `/webhooks?company_id=${t.childCompany}`, undefined, 'NOT_FOUND'],
  [
    'POST /webhooks',
    () => '/webhooks',
    (t) => ({ company_id: t.childCompany, url: 'http://127.0.0.1:9/owned', event_types: ['user.created'] }),
    'NOT_FOUND',
  ],
  ['GET /webhooks/:id', (t) => `/webhooks/${t.webhookEndpoint}`, undefined, 'NOT_FOUND'],
  ['PUT /webhooks/:id', (t) => `/webhooks/${t.webhookEndpoint}`, () => ({ url: 'http://127.0.0.1:9/owned' }), 'NOT_FOUND'],
  ['DELETE /webhooks/:id', (t) => `/webhooks/${t.webhookEndpoint}`, undefined, 'NOT_FOUND'],
  ['POST /webhooks/:id/disable', (t) => `/webhooks/${t.webhookEndpoint}/disable`, undefined, 'NOT_FOUND'],
  ['POST /webhooks/:id/enable', (t) => `/webhooks/${t.webhookEndpoint}/enable`, undefined, 'NOT_FOUND'],
  ['POST /webhooks/:id/rotate_secret', (t) => `/webhooks/${t.webhookEndpoint}/rotate_secret`, undefined, 'NOT_FOUND'],
  ['GET /webhooks/:id/deliveries', (t) => `/webhooks/${t.webhookEndpoint}/deliveries`, undefined, 'NOT_FOUND'],
  ['POST /webhook_deliveries/:id/redeliver', (t) => `/webhook_deliveries/${t.webhookDelivery}/redeliver`, undefined, 'NOT_FOUND'],
  ['GET /sessions', (t) => `/sessions?user_id=${t.user}`, undefined, 'NOT_FOUND'],
  ['DELETE /sessions/:id', (t) => `/sessions/${t.session}`, undefined, 'NOT_FOUND'],
  ['DELETE /sessions', (t) => `/sessions?user_id=${t.user}`, undefined, 'NOT_FOUND'],
];

/** Every PUT route answers PATCH the same way (Rails-style clients): each gets the same case. */
export const REST_CASES: RestCase[] = [
  ...ROUTE_CASES,
  ...ROUTE_CASES.filter(([route]) => route.startsWith('PUT ')).map(([route, ...rest]): RestCase => [
    route.replace(/^PUT /, 'PATCH '),
    ...rest,
  ]),
];
