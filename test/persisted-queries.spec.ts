import { createHash } from 'node:crypto';
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { ConfigError } from '../src/config';
import { useTestWorld } from './helpers/setup';
import { testConfig } from './helpers/test-app';

/**
 * Apollo's automatic persisted queries on the wire, without a trusted-documents manifest: any
 * operation may be registered by its hash, in a cache bounded by GRAPHQL_APQ_CACHE_MB (1 MiB here).
 */
const { app, world } = useTestWorld({ GRAPHQL_APQ_CACHE_MB: '1' });

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const persisted = (text: string) => ({ persistedQuery: { version: 1, sha256Hash: sha256(text) } });
/** An operation no other test registers (the cache lives as long as the app). */
const unique = (label: string) => `query Apq_${label}_${Date.now()} { __typename }`;

describe('automatic persisted queries over POST /graphql', () => {
  it('answers PERSISTED_QUERY_NOT_FOUND (200) to an unknown hash, runs and registers hash + text, then runs the hash alone', async () => {
    const query = unique('protocol');
    const miss = await app.request('POST', '/graphql', { body: { extensions: persisted(query) } });
    expect(miss.status).toBe(200);
    expect(miss.body.errors).toEqual([
      expect.objectContaining({ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }),
    ]);

    const registered = await app.request('POST', '/graphql', { body: { query, extensions: persisted(query) } });
    expect(registered.body).toEqual({ data: { __typename: 'Query' } });

    const hit = await app.request('POST', '/graphql', { body: { extensions: persisted(query) } });
    expect(hit.status).toBe(200);
    expect(hit.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('runs a registered hash over GET with it in `extensions`', async () => {
    const query = unique('get');
    await app.request('POST', '/graphql', { body: { query, extensions: persisted(query) } });
    const search = new URLSearchParams({ extensions: JSON.stringify(persisted(query)) });
    const hit = await app.request('GET', `/graphql?${search}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(hit.status).toBe(200);
    expect(hit.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a hash that is not the text’s (400) and registers nothing', async () => {
    const query = unique('wrong');
    const wrong = { persistedQuery: { version: 1, sha256Hash: sha256(`${query} `) } };
    const refused = await app.request('POST', '/graphql', { body: { query, extensions: wrong } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({
      message: 'provided sha does not match query',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const miss = await app.request('POST', '/graphql', { body: { extensions: wrong } });
    expect(miss.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('keeps at most GRAPHQL_APQ_CACHE_MB of texts: the least recently used leave first', async () => {
    // 20 texts of ~60 kB (a comment, so that the token limit does not count it) overflow 1 MiB.
    const texts = Array.from({ length: 20 }, (_, n) => `# ${'x'.repeat(60_000)}\n${unique(`big${n}`)}`);
    for (const query of texts) {
      const registered = await app.request('POST', '/graphql', { body: { query, extensions: persisted(query) } });
      expect(registered.body).toEqual({ data: { __typename: 'Query' } });
    }
    const first = await app.request('POST', '/graphql', { body: { extensions: persisted(texts[0]) } });
    expect(first.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const last = await app.request('POST', '/graphql', { body: { extensions: persisted(texts[19]) } });
    expect(last.body).toEqual({ data: { __typename: 'Query' } });
  });
});

describe("Apollo Client 4's PersistedQueryLink against the gateway", () => {
  it('sends the hash, then the text once after PERSISTED_QUERY_NOT_FOUND, then only the hash again', async () => {
    const sent: { query?: string; extensions?: unknown }[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      sent.push(JSON.parse(String(init?.body)));
      return fetch(input, init);
    };
    const client = new ApolloClient({
      cache: new InMemoryCache(),
      link: new PersistedQueryLink({ sha256 }).concat(
        new HttpLink({
          uri: `${app.url}/graphql`,
          fetch: recordingFetch,
          headers: { authorization: `Bearer ${world.token('acmeAdmin')}` },
        }),
      ),
    });
    const ME = gql`
      query PersistedMe {
        me {
          id
          email
        }
      }
    `;
    const first = await client.query<{ me: { email: string } }>({ query: ME, fetchPolicy: 'network-only' });
    expect(first.data?.me.email).toBe('acmeadmin@example.com');
    const second = await client.query<{ me: { email: string } }>({ query: ME, fetchPolicy: 'network-only' });
    expect(second.data?.me.email).toBe('acmeadmin@example.com');

    expect(sent.map((body) => typeof body.query)).toEqual(['undefined', 'string', 'undefined']);
    const hash = (sent[0].extensions as { persistedQuery: { sha256Hash: string } }).persistedQuery.sha256Hash;
    expect(hash).toBe(sha256(sent[1].query!));
    expect(sent[2].extensions).toEqual(sent[0].extensions);
    client.stop();
  });
});

describe('GRAPHQL_APQ_CACHE_MB', () => {
  it('defaults to 16 MiB and refuses what is not a size in MiB', () => {
    expect(testConfig('/tmp/unused', undefined).apqCacheMebibytes).toBe(16);
    expect(() => testConfig('/tmp/unused', undefined, { GRAPHQL_APQ_CACHE_MB: '0' })).toThrow(ConfigError);
    expect(() => testConfig('/tmp/unused', undefined, { GRAPHQL_APQ_CACHE_MB: 'lots' })).toThrow(/GRAPHQL_APQ_CACHE_MB/);
  });
});
