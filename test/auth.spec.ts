import jwt from 'jsonwebtoken';
import { PASSWORD } from './helpers/fixtures';
import { TEST_JWT_SECRET } from './helpers/test-app';
import { useTestWorld } from './helpers/setup';
import { signAccessToken } from './helpers/users';
import { ME } from './helpers/documents';

const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { token expiresAt user { id email status primaryCompany { name } } }
}`;

describe('login and tokens', () => {
  const { app, world } = useTestWorld();

  const login = (email: string, password: string) => app.graphql(LOGIN, { email, password });
  const sign = (claims: object, options: jwt.SignOptions = {}, secret = TEST_JWT_SECRET) =>
    signAccessToken(app, world.users.acmeAdmin.id, { claims, options, secret });

  it('returns a signed token for the right password, whatever the email case', async () => {
    const { status, body } = await login('AcmeAdmin@Example.com', PASSWORD);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const { token, expiresAt, user } = body.data.login;
    // The payload is resolved as the user who just logged in, so it shows what that user sees.
    expect(user).toEqual({
      id: String(world.users.acmeAdmin.id),
      email: 'acmeadmin@example.com',
      status: 'ACTIVE',
      primaryCompany: { name: 'Acme' },
    });
    const decoded = jwt.verify(token, TEST_JWT_SECRET, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(decoded).toMatchObject({ sub: user.id, iss: 'leadsy-gateway', aud: 'leadsy-api' });
    expect(new Date(expiresAt).getTime()).toBe(decoded.exp! * 1000);
    expect(JSON.stringify(body)).not.toMatch(/argon2|passwordHash/);

    const me = await app.graphql(ME, {}, token);
    expect(me.body.data.me).toEqual({ id: user.id, email: 'acmeadmin@example.com' });
  });

  it('answers a wrong password and an unknown email identically', async () => {
    const wrongPassword = await login('acmeadmin@example.com', 'not the password at all');
    const unknownEmail = await login('nobody@example.com', PASSWORD);
    for (const result of [wrongPassword, unknownEmail]) {
      expect(result.body.data).toBeNull();
      expect(result.body.errors).toHaveLength(1);
      expect(result.body.errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
    }
    expect(wrongPassword.body.errors[0].message).toBe(unknownEmail.body.errors[0].message);
  });

  it('refuses an inactive user at login and refuses its existing tokens', async () => {
    const result = await login('inactive@example.com', PASSWORD);
    expect(result.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const me = await app.graphql(ME, {}, world.token('inactive'));
    expect(me.status).toBe(401);
    expect(me.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('accepts the bare token legacy clients send', async () => {
    const { body } = await app.request('POST', '/graphql', {
      body: { query: ME },
      headers: { authorization: world.token('eastMember') },
    });
    expect(body.data.me.id).toBe(String(world.users.eastMember.id));
  });

  it.each([
    ['expired', () => sign({}, { expiresIn: -10 })],
    ['tampered', () => `${sign({}).slice(0, -4)}AAAA`],
    ['signed with another secret', () => sign({}, {}, 'another-secret-that-is-long-enough-0123456789abcdef')],
    [
      'alg none',
      () =>
        jwt.sign({ typ: 'access', sub: String(world.users.superAdmin.id), iss: 'leadsy-gateway', aud: 'leadsy-api' }, '', {
          algorithm: 'none',
        }),
    ],
    ['of the wrong audience', () => sign({}, { audience: 'someone-else' })],
    ['of the wrong issuer', () => sign({}, { issuer: 'someone-else' })],
    ['not an access token', () => sign({ typ: 'reset' })],
    ['for a user that does not exist', () => sign({}, { subject: '999999' })],
    ['garbage', () => 'not-a-jwt'],
  ])('refuses a token that is %s with 401 UNAUTHENTICATED', async (_name, makeToken) => {
    const { status, body } = await app.graphql(ME, {}, makeToken());
    expect(status).toBe(401);
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(body.data).toBeUndefined();
  });

  it('asks for authentication when no token is sent', async () => {
    const { body } = await app.graphql(ME);
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('validates the token it was sent', async () => {
    const token = world.token('eastManager');
    const { body } = await app.graphql('{ validateToken { valid expiresAt user { id } } }', {}, token);
    expect(body.data.validateToken).toEqual({
      valid: true,
      expiresAt: new Date((jwt.decode(token) as jwt.JwtPayload).exp! * 1000).toISOString(),
      user: { id: String(world.users.eastManager.id) },
    });
  });
});
