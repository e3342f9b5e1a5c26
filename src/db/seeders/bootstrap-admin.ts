import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../../config';
import { Access } from '../../modules/access/access.entity';
import { UserAccess } from '../../modules/access/user-access.entity';
import { User, UserStatus } from '../../modules/user/user.entity';
import { hashPassword } from '../../modules/auth/passwords';
import { defaultCompany } from './reference-data.seeder';

export const DEVELOPMENT_ADMIN_EMAIL = 'admin@example.com';

/**
 * Makes sure someone can log in on a new installation: the ADMIN_EMAIL account when it is
 * configured, or, on the very first development start, admin@example.com with a random password
 * handed to `announce` (the console) once. Never invents an account in production.
 */
export async function ensureBootstrapAdmin(
  em: EntityManager,
  config: Pick<Config, 'admin' | 'env'>,
  announce: (message: string) => void,
): Promise<void> {
  if (config.admin) {
    const email = config.admin.email.toLowerCase();
    if (await em.count(User, { email })) return;
    await createSuperAdmin(em, email, config.admin.password);
    return;
  }
  if (config.env !== 'development' || (await em.count(User, {}))) return;
  const password = randomBytes(18).toString('base64url');
  await createSuperAdmin(em, DEVELOPMENT_ADMIN_EMAIL, password);
  announce(
    [
      '',
      '  First start: created the administrator account (shown only this once).',
      `    email:    ${DEVELOPMENT_ADMIN_EMAIL}`,
      `    password: ${password}`,
      '  Set ADMIN_EMAIL and ADMIN_PASSWORD to choose your own.',
      '',
    ].join('\n'),
  );
}

async function createSuperAdmin(em: EntityManager, email: string, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  await em.transactional(async (tx) => {
    const company = await defaultCompany(tx);
    const superAdmin = await tx.findOneOrFail(Access, { key: 'super_admin' });
    const user = tx.create(User, { email, firstName: 'Leadsy', lastName: 'Admin', passwordHash, status: UserStatus.ACTIVE });
    tx.create(UserAccess, { user, company, access: superAdmin, primary: true });
  });
}
