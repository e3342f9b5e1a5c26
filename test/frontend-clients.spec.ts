import type { ApolloClient, DocumentNode } from '@apollo/client';
import { Client, fetchExchange } from '@urql/core';
import { ClientError, GraphQLClient } from 'graphql-request';
import { LegalTerm } from '../src/modules/legal-term/legal-term.entity';
import { User } from '../src/modules/user/user.entity';
import { PASSWORD } from './helpers/fixtures';
import { useTestWorld } from './helpers/setup';
import { pngBytes } from './helpers/uploads';

/**
 * The gateway as frontend teams use it: each client library with its defaults, against the real
 * app over HTTP. Only `fetch` is wrapped, to record what each library sent.
 */
const { app, world } = useTestWorld();

interface SentRequest {
  method: string;
  headers: Headers;
  contentType: string | null;
}

/** Global fetch, recording each request's method and headers. */
function recordingFetch(sent: SentRequest[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    sent.push({
      method: request.method,
      headers: request.headers,
      contentType: request.headers.get('content-type'),
    });
    return fetch(request);
  };
}

const graphqlUrl = () => `${app.url}/graphql`;

/**
 * Apollo Client as a frontend bundles it: its ES modules, which apollo-upload-client (published
 * only as ES modules) imports too, so both share one ApolloLink class.
 */
async function apolloClient(options: { fetch: typeof fetch; token: () => string | undefined }): Promise<ApolloClient> {
  const { ApolloClient, ApolloLink, InMemoryCache } = await import('@apollo/client');
  const { ClientAwarenessLink } = await import('@apollo/client/link/client-awareness');
  const { SetContextLink } = await import('@apollo/client/link/context');
  const { default: UploadHttpLink } = await import('apollo-upload-client/UploadHttpLink.mjs');
  const authorization = new SetContextLink((prevContext) => {
    const token = options.token();
    return { headers: { ...prevContext.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } };
  });
  return new ApolloClient({
    cache: new InMemoryCache(),
    clientAwareness: { name: 'leadsy-web', version: '1.2.3' },
    link: ApolloLink.from([
      new ClientAwarenessLink(),
      authorization,
      new UploadHttpLink({ uri: graphqlUrl(), fetch: options.fetch }),
    ]),
  });
}

describe('Apollo Client 4 with apollo-upload-client', () => {
  const sent: SentRequest[] = [];
  let client: ApolloClient;
  let gql: (template: TemplateStringsArray) => DocumentNode;
  let termIds: string[];

  beforeAll(async () => {
    const em = app.orm.em.fork();
    const terms = ['frontend-1', 'frontend-2'].map((version, index) =>
      em.create(LegalTerm, {
        version,
        title: `Terms ${version}`,
        body: 'Be nice.',
        publishedAt: new Date(Date.UTC(2020 + index, 0, 1)),
      }),
    );
    await em.flush();
    termIds = terms.map((term) => String(term.id));

    // Filled in by the login below; the link reads it on every operation, as an app's store would.
    const session: { token?: string } = {};
    client = await apolloClient({ fetch: recordingFetch(sent), token: () => session.token });
    ({ gql } = await import('@apollo/client'));
    const { data } = await client.mutate<{ login: { token: string } }>({
      mutation: gql`
        mutation Login($email: String!, $password: String!) {
          login(email: $email, password: $password) {
            token
          }
        }
      `,
      variables: { email: world.users.eastMember.email, password: PASSWORD },
    });
    session.token = data!.login.token;
  });

  it('queries with the default settings, naming the client in the client-awareness headers', async () => {
    sent.length = 0;
    const { data } = await client.query<{ me: { id: string; email: string } }>({
      query: gql`
        query Me {
          me {
            id
            email
          }
        }
      `,
    });
    expect(data!.me).toEqual({ __typename: 'User', id: String(world.users.eastMember.id), email: world.users.eastMember.email });
    expect(sent).toHaveLength(1);
    expect(sent[0].headers.get('apollographql-client-name')).toBe('leadsy-web');
    expect(sent[0].headers.get('apollographql-client-version')).toBe('1.2.3');
  });

  it('uploads an avatar as a multipart request with no preflight header', async () => {
    sent.length = 0;
    const file = new File([pngBytes()], 'me.png', { type: 'image/png' });
    const { data } = await client.mutate<{ uploadUserAvatar: { id: string; avatarUrl: string } }>({
      mutation: gql`
        mutation UploadAvatar($userId: ID!, $file: Upload) {
          uploadUserAvatar(userId: $userId, file: $file) {
            id
            avatarUrl
          }
        }
      `,
      variables: { userId: String(world.users.eastMember.id), file },
    });
    expect(sent[0].contentType).toMatch(/^multipart\/form-data/);
    expect(sent[0].headers.get('apollo-require-preflight')).toBeNull();
    const stored = await app.orm.em.fork().findOneOrFail(User, world.users.eastMember.id);
    expect(data!.uploadUserAvatar.avatarUrl).toBe(`/files/avatars/${stored.avatarKey}`);
    expect((await fetch(`${app.url}${data!.uploadUserAvatar.avatarUrl}`)).status).toBe(200);
  });

  it('keeps legal term acceptances apart in the cache by their id', async () => {
    const approve = gql`
      mutation Approve($id: ID!) {
        approveLegalTerm(legalTermId: $id) {
          id
          acceptedAt
          legalTerm {
            id
            version
          }
        }
      }
    `;
    for (const id of termIds) await client.mutate({ mutation: approve, variables: { id } });
    const { data } = await client.query<{
      me: { acceptedLegalTerms: { id: string; legalTerm: { id: string; version: string } }[] };
    }>({
      query: gql`
        query Acceptances {
          me {
            id
            acceptedLegalTerms {
              id
              acceptedAt
              legalTerm {
                id
                version
              }
            }
          }
        }
      `,
      fetchPolicy: 'network-only',
    });
    const acceptances = data!.me.acceptedLegalTerms;
    expect(acceptances.map((acceptance) => acceptance.legalTerm.version)).toEqual(['frontend-1', 'frontend-2']);
    expect(new Set(acceptances.map((acceptance) => acceptance.id)).size).toBe(2);
    const cached = client.cache.extract() as Record<string, unknown>;
    for (const acceptance of acceptances) {
      const key = client.cache.identify({ __typename: 'LegalTermAcceptance', id: acceptance.id })!;
      expect(cached[key]).toMatchObject({ id: acceptance.id, legalTerm: { __ref: `LegalTerm:${acceptance.legalTerm.id}` } });
    }
  });
});

describe('urql core 6 with its fetch exchange', () => {
  const sent: SentRequest[] = [];
  const urql = (token?: string) =>
    new Client({
      url: graphqlUrl(),
      exchanges: [fetchExchange],
      fetch: recordingFetch(sent),
      fetchOptions: () => (token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    });

  it('sends queries as GET with no preflight header, anonymously and with a token', async () => {
    sent.length = 0;
    const anonymous = await urql().query('query Terms { currentLegalTerm { id version } }', {}).toPromise();
    expect(anonymous.error).toBeUndefined();
    expect(anonymous.data).toHaveProperty('currentLegalTerm');
    const mine = await urql(world.token('westMember'))
      .query('query Me($x: Int) { me { id } users(first: $x) { totalCount } }', { x: 1 })
      .toPromise();
    expect(mine.error).toBeUndefined();
    expect(mine.data.me.id).toBe(String(world.users.westMember.id));
    expect(sent.map((request) => request.method)).toEqual(['GET', 'GET']);
    expect(sent.every((request) => !request.headers.has('apollo-require-preflight') && !request.contentType)).toBe(true);
  });

  it('sends mutations as JSON POST', async () => {
    sent.length = 0;
    const renamed = await urql(world.token('westMember'))
      .mutation('mutation Rename($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id firstName } }', {
        id: String(world.users.westMember.id),
        input: { firstName: 'Westy' },
      })
      .toPromise();
    expect(renamed.error).toBeUndefined();
    expect(renamed.data.updateUser.firstName).toBe('Westy');
    expect(sent.map((request) => [request.method, request.contentType])).toEqual([['POST', 'application/json']]);
  });
});

describe('graphql-request 7', () => {
  const client = () => new GraphQLClient(graphqlUrl(), { headers: { authorization: `Bearer ${world.token('acmeAdmin')}` } });
  const CREATE_USER = `mutation CreateUser($input: CreateUserInput!) { createUser(input: $input) { id email } }`;
  const newUser = (overrides: Record<string, string>) => ({
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: 'ada@example.com',
    password: 'analytical engine',
    companyId: String(world.companies.acmeEast),
    accessId: String(world.accessIds.member),
    ...overrides,
  });

  it('runs a query and a mutation', async () => {
    const { me } = await client().request<{ me: { id: string } }>('{ me { id } }');
    expect(me.id).toBe(String(world.users.acmeAdmin.id));
    const { createUser } = await client().request<{ createUser: { email: string } }>(CREATE_USER, { input: newUser({}) });
    expect(createUser.email).toBe('ada@example.com');
  });

  it('reports every invalid field of an input in one error', async () => {
    const failure = await client()
      .request(CREATE_USER, { input: newUser({ firstName: '  ', email: 'not an email', password: 'short' }) })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ClientError);
    const { errors } = (failure as ClientError).response;
    expect(errors).toHaveLength(1);
    expect(errors![0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      details: [
        { field: 'firstName', message: 'must not be empty' },
        { field: 'email', message: 'must be an email' },
        { field: 'password', message: 'must have at least 12 characters' },
      ],
    });
  });
});
