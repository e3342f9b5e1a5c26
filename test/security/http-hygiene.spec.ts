import { loadConfig } from '../../src/config';
import { User } from '../../src/modules/user/user.entity';
import { MAX_GRAPHQL_JSON_BYTES } from '../../src/shared/files/file-input';
import { startTestApp } from '../helpers/test-app';
import { base64Of, pngBytes } from '../helpers/uploads';
import { bearer, expectGraphqlRefusal, expectRestError } from './security-helpers';
import { useTestWorld } from '../helpers/setup';

const ALLOWED_ORIGIN = 'https://app.example.com';
const OTHER_ORIGIN = 'https://evil.example';
const MIB = 1024 * 1024;

/** The header a browser enforces, as a map of directive → sources. */
function csp(headers: Headers): Map<string, string[]> {
  return new Map(
    (headers.get('content-security-policy') ?? '')
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name, sources]),
  );
}

const { app, world } = useTestWorld({ CORS_ORIGINS: `${ALLOWED_ORIGIN}, https://admin.example.com` });

describe('security headers (helmet)', () => {
  it.each([
    ['GraphQL', () => app.graphql('{ me { id } }', {}, world.token('eastMember'))],
    ['REST', () => app.request('GET', '/api/v1/stages', { headers: bearer(world.token('eastMember')) })],
    ['the docs page', () => app.request('GET', '/api/v1/docs')],
    ['an error', () => app.request('GET', '/nothing/here')],
  ])('sends a strict CSP and the usual hardening headers on %s', async (_label, send) => {
    const { headers } = await send();
    const policy = csp(headers);
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('referrer-policy')).toBe('no-referrer');
    expect(headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(headers.get('x-powered-by')).toBeNull();
  });

  it("lets Apollo Sandbox's CDN into the development landing page only", async () => {
    const landing = await app.request('GET', '/graphql', { headers: { accept: 'text/html' } });
    expect(landing.status).toBe(200);
    const policy = csp(landing.headers);
    expect(policy.get('script-src')).toContain('https://embeddable-sandbox.cdn.apollographql.com');
    expect(policy.get('frame-src')).toContain('https://sandbox.embed.apollographql.com');
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('serves avatars as cross-origin resources, sandboxed and never sniffed', async () => {
    const upload = await app.request('PUT', '/api/v1/users/avatar', {
      body: { user_id: world.users.labMember.id, avatar_base64: pngBytes().toString('base64'), name: 'a.png', type: 'image/png' },
      headers: bearer(world.token('labMember')),
    });
    const avatar = await app.request('GET', upload.body.user.avatar_route);
    expect(avatar.status).toBe(200);
    expect(avatar.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(avatar.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(avatar.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('CORS allow-list (CORS_ORIGINS)', () => {
  const preflight = (path: string, origin: string) =>
    app.request('OPTIONS', path, {
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });

  it.each(['/graphql', '/api/v1/users/login'])('answers the preflight of an allowed origin on %s', async (path) => {
    const { status, headers } = await preflight(path, ALLOWED_ORIGIN);
    expect(status).toBe(204);
    expect(headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(headers.get('access-control-allow-headers')).toMatch(/authorization/i);
    expect(headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('allows the headers Apollo Client, urql and graphql-request send by default in the preflight of /graphql', async () => {
    const sent = [
      'accept',
      'authorization',
      'content-type',
      'apollographql-client-name',
      'apollographql-client-version',
      'apollographql-library-name',
      'apollographql-library-version',
    ];
    const { status, headers } = await app.request('OPTIONS', '/graphql', {
      headers: {
        origin: ALLOWED_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': sent.join(','),
      },
    });
    expect(status).toBe(204);
    const allowed = (headers.get('access-control-allow-headers') ?? '').toLowerCase().split(',');
    expect(allowed).toEqual(expect.arrayContaining(sent));
  });

  it.each(['/graphql', '/api/v1/users/login'])('gives any other origin no CORS header on %s', async (path) => {
    for (const origin of [OTHER_ORIGIN, 'null', `${ALLOWED_ORIGIN}.evil.example`, 'http://app.example.com']) {
      const { headers } = await preflight(path, origin);
      expect(headers.get('access-control-allow-origin')).toBeNull();
    }
    const simple = await app.request('GET', '/api/v1/stages', {
      headers: { origin: OTHER_ORIGIN, ...bearer(world.token('eastMember')) },
    });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets an allowed origin read a rate-limit or request-id header of the answer', async () => {
    const { headers } = await app.request('GET', '/api/v1/stages', {
      headers: { origin: 'https://admin.example.com', ...bearer(world.token('eastMember')) },
    });
    expect(headers.get('access-control-allow-origin')).toBe('https://admin.example.com');
    expect(headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
    expect(headers.get('vary')).toMatch(/Origin/i);
  });

  it.each(['*', 'https://app.example.com/path', 'app.example.com', 'https://app.example.com,javascript:alert(1)'])(
    'refuses to start with CORS_ORIGINS=%s (origins only, no wildcard)',
    (origins) => {
      expect(() => loadConfig({ JWT_SECRET: 'x'.repeat(40), CORS_ORIGINS: origins })).toThrow(/CORS_ORIGINS/);
    },
  );

  it('allows no cross-origin call at all when CORS_ORIGINS is empty (the default)', async () => {
    const closed = await startTestApp();
    try {
      const { headers } = await closed.request('OPTIONS', '/graphql', {
        headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST' },
      });
      expect(headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await closed.close();
    }
  });
});

describe('media types and body sizes', () => {
  const completeOnboarding = JSON.stringify({ query: 'mutation { completeOnboarding { id } }' });
  const postGraphql = (contentType: string, body: string) =>
    app.request('POST', '/graphql', {
      body,
      headers: { 'content-type': contentType, 'apollo-require-preflight': 'true', ...bearer(world.token('eastMember')) },
    });

  it.each([
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/xml',
    'application/json; charset=latin1',
    'application/json; charset=utf-16',
  ])('refuses a POST /graphql sent as %s with 415, running nothing', async (contentType) => {
    expectGraphqlRefusal(await postGraphql(contentType, completeOnboarding), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const user = await app.orm.em.fork().findOneOrFail(User, world.users.eastMember.id);
    expect(user.onboardingCompletedAt ?? null).toBeNull();
  });

  it('accepts JSON that declares UTF-8', async () => {
    const result = await postGraphql('application/json; charset=UTF-8', JSON.stringify({ query: '{ me { id } }' }));
    expect(result.body.data.me.id).toBe(String(world.users.eastMember.id));
  });

  it.each(['application/json; charset=utf-16', 'text/plain', 'application/json; charset=iso-8859-1'])(
    'refuses a REST body sent as %s with 415',
    async (contentType) => {
      const result = await app.request('POST', '/api/v1/users/login', {
        body: JSON.stringify({ email: 'eastmember@example.com', password: 'x' }),
        headers: { 'content-type': contentType },
      });
      expectRestError(result, 415, 'UNSUPPORTED_MEDIA_TYPE');
    },
  );

  it('takes a JSON body on /graphql just large enough for a 5 MiB file in base64, and answers 413 beyond', async () => {
    expect(MAX_GRAPHQL_JSON_BYTES).toBeLessThan(7.1 * 1e6);
    const exact = Buffer.concat([pngBytes(), Buffer.alloc(5 * MIB - pngBytes().length)]);
    const upload = await app.graphql(
      'mutation($u: ID!, $b: Base64FileInput) { uploadUserAvatar(userId: $u, base64: $b) { avatarUrl } }',
      { u: String(world.users.eastManager.id), b: base64Of(exact) },
      world.token('eastManager'),
    );
    expect(upload.body.errors).toBeUndefined();
    const tooBig = await app.request('POST', '/graphql', {
      body: JSON.stringify({ query: '{ me { id } }', variables: { padding: 'x'.repeat(MAX_GRAPHQL_JSON_BYTES) } }),
      headers: bearer(world.token('eastManager')),
    });
    expectGraphqlRefusal(tooBig, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 413 for a REST body over 100 kB on a route without files', async () => {
    const result = await app.request('POST', '/api/v1/users/login', {
      body: { email: 'eastmember@example.com', password: 'x'.repeat(200 * 1024) },
    });
    expectRestError(result, 413, 'PAYLOAD_TOO_LARGE');
  });
});
