import { rmSync } from 'node:fs';
import { Access } from '../src/modules/access/access.entity';
import { PasswordResetToken } from '../src/modules/password-reset/password-reset-token.entity';
import { User, UserStatus } from '../src/modules/user/user.entity';
import { createOneTimeToken, hashOneTimeToken } from '../src/modules/auth/one-time-token';
import { verifyPassword } from '../src/modules/auth/passwords';
import { buildWorld, PASSWORD } from './helpers/fixtures';
import { mailsTo, readOutbox, tokenFromMail, waitForMails } from './helpers/outbox';
import { preparedDataDir } from './helpers/prepared-database';
import { startSmtpSink } from './helpers/smtp-sink';
import { startTestApp } from './helpers/test-app';
import { createTestDatabase } from './helpers/test-database';
import { useTestWorld } from './helpers/setup';
import { login } from './helpers/documents';
import { expectFieldError } from './helpers/expect';

const REQUEST = 'mutation($email: String!) { requestPasswordReset(email: $email) }';
const RESET = `mutation($token: String!, $password: String!) {
  resetPassword(token: $token, password: $password) { id email status primaryCompany { id } }
}`;
const NEW_PASSWORD = 'another fine passphrase 7';

describe('password reset', () => {
  const { app, world } = useTestWorld();

  const requestReset = (email: string) => app.graphql(REQUEST, { email });
  const reset = (token: string, password = NEW_PASSWORD) => app.graphql(RESET, { token, password });
  const tokensOf = (userId: number) => app.orm.em.fork().find(PasswordResetToken, { user: userId }, { orderBy: { id: 'asc' } });
  const userRow = (id: number) => app.orm.em.fork().findOneOrFail(User, id, { populate: ['passwordHash'] });
  /** Asks for a reset (typed as `asTyped`) and returns the token of the link that arrives by mail. */
  const mailedToken = async (email: string, asTyped = email) => {
    const before = (await mailsTo(app, email)).length;
    expect((await requestReset(asTyped)).body).toEqual({ data: { requestPasswordReset: true } });
    const mails = await waitForMails(app.dataDir, email, before + 1);
    return tokenFromMail(mails[mails.length - 1]);
  };
  const expectInvalidToken = (body: any) => {
    expect(body.data).toBeNull();
    expect(body.errors[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      details: [{ field: 'token', message: 'is invalid, used or expired: ask for a new link' }],
    });
  };

  it('mails a one-hour link whose token sets a new password, once', async () => {
    const user = world.users.eastMember;
    const token = await mailedToken(user.email, ' EastMember@Example.com ');
    const [mail] = await mailsTo(app, user.email);
    expect(mail.headers.get('subject')).toBe('Reset your Leadsy password');
    expect(mail.text).toContain(`${app.config.publicUrl}/reset-password?token=${token}`);

    const [stored] = await tokensOf(user.id);
    expect(stored.tokenHash).toBe(hashOneTimeToken(token));
    expect(stored.tokenHash).not.toContain(token);
    const minutes = (stored.expiresAt.getTime() - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(58);
    expect(minutes).toBeLessThanOrEqual(60);

    const { body } = await reset(token);
    expect(body.errors).toBeUndefined();
    // The token proved who the caller is, so the payload shows what that user may see.
    expect(body.data.resetPassword).toEqual({
      id: String(user.id),
      email: user.email,
      status: 'ACTIVE',
      primaryCompany: { id: String(world.companies.acmeEast) },
    });
    expect(JSON.stringify(body)).not.toContain(token);

    const row = await userRow(user.id);
    expect(await verifyPassword(row.passwordHash!, NEW_PASSWORD)).toBe(true);
    expect(row.credentialsChangedAt).toBeInstanceOf(Date);
    expect((await tokensOf(user.id))[0].usedAt).toBeInstanceOf(Date);
    expect((await login(app, user.email, PASSWORD)).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await login(app, user.email, NEW_PASSWORD)).body.data.login.token).toEqual(expect.any(String));

    expectInvalidToken((await reset(token, 'yet another passphrase 9')).body);
    expect(await verifyPassword((await userRow(user.id)).passwordHash!, NEW_PASSWORD)).toBe(true);
  });

  it('refuses an expired link', async () => {
    const user = world.users.eastManager;
    const token = await mailedToken(user.email);
    await app.orm.em
      .fork()
      .nativeUpdate(PasswordResetToken, { tokenHash: hashOneTimeToken(token) }, { expiresAt: new Date(Date.now() - 1000) });
    expectInvalidToken((await reset(token)).body);
    expect(await verifyPassword((await userRow(user.id)).passwordHash!, PASSWORD)).toBe(true);
  });

  it('refuses a token nobody issued', async () => {
    expectInvalidToken((await reset(createOneTimeToken().token)).body);
    expectInvalidToken((await reset('')).body);
  });

  it('uses up every other link of the user when one is used', async () => {
    const user = world.users.labMember;
    const first = await mailedToken(user.email);
    const second = await mailedToken(user.email);
    expect(first).not.toBe(second);
    expect((await reset(first)).body.errors).toBeUndefined();
    expectInvalidToken((await reset(second)).body);
    expect((await tokensOf(user.id)).every((token) => token.usedAt instanceof Date)).toBe(true);
  });

  it('keeps the link usable after a refused weak password', async () => {
    const user = world.users.westMember;
    const token = await mailedToken(user.email);
    const weak = await reset(token, 'short');
    expectFieldError(weak, 'password');
    expect((await tokensOf(user.id))[0].usedAt).toBeNull();
    expect((await reset(token)).body.errors).toBeUndefined();
  });

  it('answers the same for an unknown or inactive email, and mails nobody', async () => {
    const known = await requestReset(world.users.globexAdmin.email);
    const unknown = await requestReset('nobody@example.com');
    const inactive = await requestReset(world.users.inactive.email);
    for (const result of [unknown, inactive]) {
      expect(result.status).toBe(known.status);
      expect(result.body).toEqual(known.body);
    }
    // The known address's mail is written after the response; by then the others were long decided.
    await waitForMails(app.dataDir, world.users.globexAdmin.email);
    expect(await mailsTo(app, 'nobody@example.com')).toHaveLength(0);
    expect(await mailsTo(app, world.users.inactive.email)).toHaveLength(0);
    expect(await tokensOf(world.users.inactive.id)).toHaveLength(0);
  });

  it('never lets a link reactivate a deactivated user', async () => {
    const user = world.users.inactive;
    const { token, hash } = createOneTimeToken();
    const em = app.orm.em.fork();
    em.create(PasswordResetToken, {
      user: user.id,
      tokenHash: hash,
      expiresAt: new Date(Date.now() + 60_000),
      createdAt: new Date(),
    });
    await em.flush();
    expectInvalidToken((await reset(token)).body);
    const row = await userRow(user.id);
    expect(row.status).toBe(UserStatus.INACTIVE);
    expect(await verifyPassword(row.passwordHash!, PASSWORD)).toBe(true);
  });

  it('activates a PENDING user created without a password through the mailed link', async () => {
    const member = await app.orm.em.fork().findOneOrFail(Access, { key: 'member' });
    const created = await app.graphql(
      'mutation($input: CreateUserInput!) { createUser(input: $input) { id status } }',
      {
        input: {
          firstName: 'Pending',
          lastName: 'Person',
          email: 'invited.person@example.com',
          companyId: String(world.companies.acmeEast),
          accessId: String(member.id),
        },
      },
      world.token('acmeAdmin'),
    );
    expect(created.body.data.createUser.status).toBe('PENDING');
    expect((await login(app, 'invited.person@example.com', NEW_PASSWORD)).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');

    const [mail] = await waitForMails(app.dataDir, 'invited.person@example.com');
    const { body } = await reset(tokenFromMail(mail));
    expect(body.data.resetPassword).toMatchObject({ email: 'invited.person@example.com', status: 'ACTIVE' });
    expect((await login(app, 'invited.person@example.com', NEW_PASSWORD)).body.data.login.token).toEqual(expect.any(String));
  });

  it('writes valid RFC 5322 files to DATA_DIR/outbox', async () => {
    const mails = await readOutbox(app);
    expect(mails.length).toBeGreaterThan(0);
    for (const mail of mails) {
      for (const header of ['from', 'to', 'subject', 'date', 'message-id']) expect(mail.headers.get(header)).toBeTruthy();
      expect(mail.raw).not.toMatch(/[^\r]\n/);
    }
  });
});

describe('reset mails sent after the response', () => {
  it('answers without waiting for a mail server that hangs', async () => {
    const sink = await startSmtpSink({ silent: true });
    const app = await startTestApp({ SMTP_URL: sink.url });
    try {
      const world = await buildWorld(app);
      const started = Date.now();
      const { body } = await app.graphql(REQUEST, { email: world.users.eastMember.email });
      expect(body).toEqual({ data: { requestPasswordReset: true } });
      // The server never greets, so a send would wait for the 10 s greeting timeout.
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      // First the server, so the pending send fails at once instead of after its timeout.
      await sink.close();
      await app.close();
    }
  });

  it('survive a shutdown: a reset asked for just before it is mailed once, by the next process', async () => {
    const database = await createTestDatabase();
    const dataDir = preparedDataDir('gateway-reset-', !database.url);
    const options = database.url ? { dataDir, databaseUrl: database.url } : { dataDir, embedded: true };
    try {
      const first = await startTestApp({}, options);
      const world = await buildWorld(first);
      await first.graphql(REQUEST, { email: world.users.eastMember.email });
      await first.close();
      const next = await startTestApp({}, options);
      try {
        await waitForMails(dataDir, world.users.eastMember.email, 1, 10_000);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await waitForMails(dataDir, world.users.eastMember.email, 1)).toHaveLength(1);
      } finally {
        await next.close();
      }
    } finally {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
