import jwt from 'jsonwebtoken';
import { Access, type AccessKey } from '../../src/modules/access/access.entity';
import { UserAccess } from '../../src/modules/access/user-access.entity';
import { User, UserStatus } from '../../src/modules/user/user.entity';
import { hashPassword } from '../../src/modules/auth/passwords';
import { PASSWORD } from './fixtures';
import { TEST_JWT_SECRET, type TestApp } from './test-app';

let serial = 0;

/** A user of its own for a test that changes it: `grants` in order, the first primary, the fixtures' password. */
export async function addUser(app: TestApp, grants: [number, AccessKey][], status = UserStatus.ACTIVE): Promise<User> {
  const em = app.orm.em.fork();
  const accesses = new Map((await em.find(Access, {})).map((access) => [access.key, access]));
  const user = em.create(User, {
    email: `extra${++serial}@example.com`,
    firstName: 'Extra',
    lastName: 'User',
    passwordHash: await hashPassword(PASSWORD),
    status,
  });
  grants.forEach(([companyId, key], index) =>
    em.create(UserAccess, { user, company: companyId, access: accesses.get(key)!, primary: index === 0 }),
  );
  await em.flush();
  return user;
}

/** An access token of `userId` made as the app makes them (HS256, its issuer and audience, 10 minutes), but for what `options`, `claims` or `secret` change. */
export function signAccessToken(
  app: TestApp,
  userId: number,
  {
    options = {},
    claims = {},
    secret = TEST_JWT_SECRET,
  }: { options?: jwt.SignOptions; claims?: object; secret?: jwt.Secret } = {},
): string {
  return jwt.sign({ typ: 'access', ...claims }, secret, {
    algorithm: 'HS256',
    issuer: app.config.jwt.issuer,
    audience: app.config.jwt.audience,
    subject: String(userId),
    expiresIn: 600,
    ...options,
  });
}

/** The user row with this email (or id), its password hash loaded; null when there is none. */
export function findUser(app: TestApp, where: { email: string } | { id: number }): Promise<User | null> {
  return app.orm.em.fork().findOne(User, where, { populate: ['passwordHash'] });
}
