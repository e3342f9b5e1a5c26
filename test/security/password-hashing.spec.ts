import { randomBytes } from 'node:crypto';
import type * as Argon2 from '@node-rs/argon2';
import { PASSWORD } from '../helpers/fixtures';
import { tokenFromMail, waitForMails } from '../helpers/outbox';
import type { HttpResult } from '../helpers/test-app';
import { useTestWorld } from '../helpers/setup';
import { LOGIN } from '../helpers/documents';

/** The module object passwords.ts calls (not a copy of it), so a spy sees and can hold every hash of the app. */
const argon2 = jest.requireActual<typeof Argon2>('@node-rs/argon2');

const RESET = 'mutation($token: String!, $password: String!) { resetPassword(token: $token, password: $password) { id } }';
const NEW_PASSWORD = 'a new passphrase 123';

let addressSerial = 0;
/** Each request from its own address, so the attempt limits never get in the way. */
const newClient = () => ({ 'x-forwarded-for': `10.70.0.${++addressSerial}` });

/** Holds every Argon2 verification until `release()`: the test decides when hashing is saturated. */
function holdVerifications() {
  const verify = argon2.verify;
  const waiting: (() => void)[] = [];
  const spy = jest.spyOn(argon2, 'verify').mockImplementation(async (...args: Parameters<typeof verify>) => {
    await new Promise<void>((resolve) => waiting.push(resolve));
    return verify(...args);
  });
  return {
    async until(count: number) {
      while (waiting.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
    },
    release() {
      spy.mockRestore();
      waiting.splice(0).forEach((resolve) => resolve());
    },
  };
}

function expectGraphqlUnavailable(result: HttpResult): void {
  expect(result.status).toBe(503);
  expect(result.headers.get('retry-after')).toBe('1');
  expect(result.body.errors[0].extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryAfter: 1 });
}

function expectRestUnavailable(result: HttpResult): void {
  expect(result.status).toBe(503);
  expect(result.headers.get('retry-after')).toBe('1');
  expect(result.body.error.code).toBe('SERVICE_UNAVAILABLE');
}

/** One in flight: a single held verification saturates hashing, however many cores the machine has. */
describe('password hashing, at most PASSWORD_HASH_QUEUE=1 in flight', () => {
  const { app, world } = useTestWorld({ PASSWORD_HASH_QUEUE: '1' });
  let held: ReturnType<typeof holdVerifications> | undefined;
  // A failed test must not leave requests waiting on a held hash.
  afterEach(() => {
    held?.release();
    jest.restoreAllMocks();
  });

  const graphqlLogin = (email: string, password = PASSWORD) =>
    app.request('POST', '/graphql', { body: { query: LOGIN, variables: { email, password } }, headers: newClient() });
  const restLogin = (email: string, password = PASSWORD) =>
    app.request('POST', '/api/v1/users/login', { body: { email, password }, headers: newClient() });
  const graphqlReset = (token: string) =>
    app.request('POST', '/graphql', {
      body: { query: RESET, variables: { token, password: NEW_PASSWORD } },
      headers: newClient(),
    });
  const restReset = (token: string) =>
    app.request('POST', '/api/v1/users/reset_password', { body: { token, password: NEW_PASSWORD }, headers: newClient() });

  it('refuses a second hash with 503 and Retry-After on both transports while one is in flight, then serves again', async () => {
    held = holdVerifications();
    const inFlight = graphqlLogin(world.users.acmeAdmin.email);
    await held.until(1);
    expectGraphqlUnavailable(await graphqlLogin(world.users.labMember.email));
    expectRestUnavailable(await restLogin(world.users.labMember.email));
    // An unknown email is checked against the decoy hash: bounded the same way.
    expectGraphqlUnavailable(await graphqlLogin('nobody@example.com'));
    held.release();
    expect((await inFlight).body.data.login.token).toEqual(expect.any(String));
    expect((await restLogin(world.users.labMember.email)).status).toBe(200);
  });

  it('checks a reset token before hashing: an unknown one costs no hash and is refused even while hashing is saturated', async () => {
    const hash = jest.spyOn(argon2, 'hash');
    const unknown = randomBytes(32).toString('base64url');
    expect((await graphqlReset(unknown)).body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await restReset(unknown)).status).toBe(400);
    expect(hash).not.toHaveBeenCalled();

    await app.request('POST', '/api/v1/users/reset_password', {
      body: { email: world.users.westMember.email },
      headers: newClient(),
    });
    const token = tokenFromMail((await waitForMails(app.dataDir, world.users.westMember.email))[0]);
    held = holdVerifications();
    const inFlight = graphqlLogin(world.users.acmeAdmin.email);
    await held.until(1);
    expect((await restReset(unknown)).status).toBe(400);
    // A good token needs a hash: it waits for none, and is refused like any other.
    expectRestUnavailable(await restReset(token));
    held.release();
    await inFlight;
    expect((await restReset(token)).status).toBe(200);
    expect(hash).toHaveBeenCalledTimes(1);
  });
});
