import { User } from '../src/modules/user/user.entity';
import { useContractWorld } from './rest/contract-app';

/** A bad input answers one BAD_USER_INPUT naming every invalid field, on both transports, and changes nothing. */
const { app, world } = useContractWorld();

const countUsers = () => app.orm.em.fork().count(User, {});

describe('every invalid field of an input, in one error', () => {
  const CREATE_USER = 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }';
  const badUser = () => ({
    firstName: ' ',
    lastName: 'Lovelace',
    email: 'ada at example.com',
    password: 'aaaaaaaaaaaa',
    companyId: String(world.companies.acmeEast),
    accessId: String(world.accessIds.member),
  });

  it('GraphQL: createUser with three bad fields reports all three in extensions.details', async () => {
    const before = await countUsers();
    const { body } = await app.graphql(CREATE_USER, { input: badUser() }, world.token('acmeAdmin'));
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].message).toBe('firstName must not be empty; email must be an email; password is too easy to guess');
    expect(body.errors[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      details: [
        { field: 'firstName', message: 'must not be empty' },
        { field: 'email', message: 'must be an email' },
        { field: 'password', message: 'is too easy to guess' },
      ],
    });
    expect(await countUsers()).toBe(before);
  });

  it('REST: POST /users with the same three bad fields lists them in error.details, as the legacy client names them', async () => {
    const before = await countUsers();
    const input = badUser();
    const { status, body } = await app.request('POST', '/api/v1/users', {
      body: {
        first_name: input.firstName,
        last_name: input.lastName,
        email: input.email,
        password: input.password,
        company_id: world.companies.acmeEast,
        access_id: world.accessIds.member,
      },
      headers: world.headers('acmeAdmin'),
    });
    expect(status).toBe(400);
    expect(body.error.code).toBe('BAD_USER_INPUT');
    expect(body.error.details).toEqual([
      { field: 'first_name', message: 'must not be empty' },
      { field: 'email', message: 'must be an email' },
      { field: 'password', message: 'is too easy to guess' },
    ]);
    expect(await countUsers()).toBe(before);
  });

  it.each([
    [
      'createUser: ids too',
      CREATE_USER,
      { ...{ firstName: 'Ada', lastName: '', email: 'x', companyId: '0', accessId: 'abc' } },
      ['lastName', 'email', 'companyId', 'accessId'],
    ],
    [
      'updateUser',
      'mutation($input: UpdateUserInput!) { updateUser(id: "1", input: $input) { id } }',
      { firstName: '', lastName: 'x'.repeat(101), email: '@', password: 'short' },
      ['firstName', 'lastName', 'email', 'password'],
    ],
    [
      'createInvitation',
      'mutation($input: CreateInvitationInput!) { createInvitation(input: $input) { id } }',
      { email: 'nope', companyId: '-1', accessId: '1', firstName: ' ', lastName: 'x'.repeat(101) },
      ['email', 'companyId', 'firstName', 'lastName'],
    ],
    [
      'createCompany',
      'mutation($input: CreateCompanyInput!) { createCompany(input: $input) { id } }',
      { name: '   ', parentCompanyId: 'x', membershipId: '1.5' },
      ['name', 'parentCompanyId', 'membershipId'],
    ],
    [
      'createApiKey',
      'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }',
      { companyId: 'one', accessId: '0', name: '' },
      ['companyId', 'accessId', 'name'],
    ],
  ])('GraphQL %s: every bad field is named', async (_label, document, input, fields) => {
    const { body } = await app.graphql(document, { input }, world.token('superAdmin'));
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0].extensions.details.map((detail: { field: string }) => detail.field)).toEqual(fields);
  });
});

describe('every invalid field, across the checks of a REST body and the rules of the graph', () => {
  it('REST: a body whose schema and field rules both find problems reports all of them', async () => {
    const before = await countUsers();
    const { status, body } = await app.request('POST', '/api/v1/users', {
      body: {
        first_name: 'x'.repeat(101),
        last_name: 'Lovelace',
        email: 'ada at example.com',
        password: 'short',
        company_id: 'east',
        access_id: world.accessIds.member,
      },
      headers: world.headers('acmeAdmin'),
    });
    expect(status).toBe(400);
    expect(body.error.code).toBe('BAD_USER_INPUT');
    expect(body.error.details).toEqual([
      { field: 'first_name', message: 'must have at most 100 characters' },
      { field: 'email', message: 'must be an email' },
      { field: 'password', message: 'must have at least 12 characters' },
      { field: 'company_id', message: expect.any(String) },
    ]);
    expect(await countUsers()).toBe(before);
  });

  it('REST: a company id beyond what the graph takes is refused with the graph’s words, beside the other fields', async () => {
    const { status, body } = await app.request('POST', '/api/v1/companies', {
      body: { name: '  ', parent_company_id: 5_000_000_000_000_000 },
      headers: world.headers('superAdmin'),
    });
    expect(status).toBe(400);
    expect(body.error.details).toEqual([
      { field: 'name', message: 'must not be empty' },
      { field: 'parent_company_id', message: 'must be a positive integer id' },
    ]);
  });

  it('REST: a webhook body with a bad company id, url and description names all three', async () => {
    const { status, body } = await app.request('POST', '/api/v1/webhooks', {
      body: {
        company_id: 'east',
        url: 'https://user:secret@hooks.example.com/',
        event_types: ['user.created'],
        description: 'x'.repeat(501),
      },
      headers: world.headers('superAdmin'),
    });
    expect(status).toBe(400);
    expect(body.error.details).toEqual([
      { field: 'company_id', message: expect.any(String) },
      { field: 'url', message: 'must not contain a user name or password' },
      { field: 'description', message: 'must be at most 500 characters' },
    ]);
  });
});

describe('every invalid field of the inputs once checked in their service', () => {
  const fieldsOf = (body: { errors: { extensions: { code: string; details: { field: string }[] } }[] }) => {
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    return body.errors[0].extensions.details.map((detail) => detail.field);
  };

  it('createWebhookEndpoint: a bad url, event type list and description are reported together', async () => {
    const { body } = await app.graphql(
      'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }',
      {
        input: {
          companyId: String(world.companies.acmeEast),
          url: 'https://hooks.example.com/#fragment',
          eventTypes: ['user.created', 'no.such.event'],
          description: 'x'.repeat(501),
        },
      },
      world.token('superAdmin'),
    );
    expect(fieldsOf(body)).toEqual(['url', 'eventTypes', 'description']);
    expect(body.errors[0].extensions.details[0].message).toBe('must not contain a fragment');
  });

  it('updateWebhookEndpoint: the same rules, on the fields given', async () => {
    const { body } = await app.graphql(
      'mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: "1", input: $input) { id } }',
      { input: { url: 'not a url', eventTypes: [] } },
      world.token('superAdmin'),
    );
    expect(fieldsOf(body)).toEqual(['url', 'eventTypes']);
  });

  it('addUserAccesses: every bad grant of the list is named by its index', async () => {
    const { body } = await app.graphql(
      'mutation($userId: ID!, $accesses: [UserAccessInput!]!) { addUserAccesses(userId: $userId, accesses: $accesses) { id } }',
      {
        userId: 'me',
        accesses: [
          { companyId: 'acme', accessId: String(world.accessIds.member) },
          { companyId: String(world.companies.acmeEast), accessId: '0' },
        ],
      },
      world.token('superAdmin'),
    );
    expect(fieldsOf(body)).toEqual(['userId', 'accesses.0.companyId', 'accesses.1.accessId']);
  });

  it('setUserAccesses: an empty list is refused in the same step', async () => {
    const { body } = await app.graphql(
      'mutation($accesses: [UserAccessInput!]!) { setUserAccesses(userId: "0", accesses: $accesses) { id } }',
      { accesses: [] },
      world.token('superAdmin'),
    );
    expect(fieldsOf(body)).toEqual(['userId', 'accesses']);
    expect(body.errors[0].extensions.details[1].message).toBe('must hold at least one grant (a user always keeps one access)');
  });

  it('resetPassword: a weak password and an oversized token are reported together', async () => {
    const { body } = await app.graphql(
      'mutation($token: String!, $password: String!) { resetPassword(token: $token, password: $password) { id } }',
      { token: 't'.repeat(129), password: 'aaaaaaaaaaaa' },
    );
    expect(fieldsOf(body)).toEqual(['token', 'password']);
    expect(body.errors[0].extensions.details[1].message).toBe('is too easy to guess');
  });

  it('acceptInvitation: an over-long password and a blank name are reported together', async () => {
    const { body } = await app.graphql('mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { token } }', {
      input: { token: 'unknown', firstName: ' ', lastName: 'Lovelace', password: 'x'.repeat(129) },
    });
    expect(fieldsOf(body)).toEqual(['firstName', 'password']);
  });

  it('REST: finishing a reset with a weak password says so before the token is looked at', async () => {
    const { status, body } = await app.request('POST', '/api/v1/users/reset_password', {
      body: { token: 'unknown', password: 'short' },
    });
    expect(status).toBe(400);
    expect(body.error.details).toEqual([{ field: 'password', message: 'must have at least 12 characters' }]);
  });
});
