import type { EntityManager } from '@mikro-orm/postgresql';
import { Access, type AccessKey } from '../../src/modules/access/access.entity';
import { UserAccess } from '../../src/modules/access/user-access.entity';
import { Company } from '../../src/modules/company/company.entity';
import { User, UserStatus } from '../../src/modules/user/user.entity';
import { hashPassword } from '../../src/modules/auth/passwords';
import { sessionToken } from './sessions';
import type { TestApp } from './test-app';

export const PASSWORD = 'correct horse battery staple';

/**
 * Two company trees and one user per role:
 *   Acme ─ Acme East ─ Acme East Lab          Globex ─ Globex West
 * Grants: acmeAdmin (admin, Acme), eastManager (manager, Acme East), eastMember (member, Acme East),
 * labMember (member, Acme East Lab), globexAdmin (admin, Globex), westMember (member, Globex West),
 * superAdmin (super_admin, the default company), inactive (member, Acme; status inactive).
 */
export interface World {
  companies: Record<'acme' | 'acmeEast' | 'acmeEastLab' | 'globex' | 'globexWest' | 'leadsy', number>;
  users: Record<
    'superAdmin' | 'acmeAdmin' | 'eastManager' | 'eastMember' | 'labMember' | 'globexAdmin' | 'westMember' | 'inactive',
    User
  >;
  token(user: keyof World['users']): string;
  /** The token of a fixture user, or no token at all for 'anonymous'. */
  tokenOf(actor: Actor): string | undefined;
  /** The Authorization header of a fixture user (`Bearer …`, or the bare token legacy clients send); none for 'anonymous'. */
  headers(actor: Actor, options?: { bare?: boolean }): Record<string, string>;
  /** The ids of the four seeded accesses, by key. */
  accessIds: Record<AccessKey, number>;
}

/** A fixture user, or a request without a token. */
export type Actor = keyof World['users'] | 'anonymous';

/**
 * The outcome of an action that needs the admin rank in Acme East, per caller: admins above it
 * succeed, its manager and member are refused, and callers who cannot see it get NOT_FOUND.
 */
export const ADMIN_OF_ACME_EAST: [Actor, string | null][] = [
  ['superAdmin', null],
  ['acmeAdmin', null],
  ['globexAdmin', 'NOT_FOUND'],
  ['eastManager', 'FORBIDDEN'],
  ['eastMember', 'FORBIDDEN'],
  ['labMember', 'NOT_FOUND'],
  ['anonymous', 'UNAUTHENTICATED'],
];

let passwordHash: Promise<string> | undefined;

export async function buildWorld(app: TestApp): Promise<World> {
  const em = app.orm.em.fork();
  passwordHash ??= hashPassword(PASSWORD);
  const hash = await passwordHash;
  const accesses = new Map((await em.find(Access, {})).map((access) => [access.key, access]));
  const leadsy = await em.findOneOrFail(Company, { isDefault: true });

  const company = (name: string, parent?: Company) => em.create(Company, { name, parent });
  const acme = company('Acme');
  const acmeEast = company('Acme East', acme);
  const acmeEastLab = company('Acme East Lab', acmeEast);
  const globex = company('Globex');
  const globexWest = company('Globex West', globex);

  const user = (key: string, grants: [Company, AccessKey][], status = UserStatus.ACTIVE) => {
    const created = em.create(User, {
      email: `${key.toLowerCase()}@example.com`,
      firstName: key,
      lastName: 'Tester',
      passwordHash: hash,
      status,
    });
    grants.forEach(([grantCompany, accessKey], index) =>
      em.create(UserAccess, { user: created, company: grantCompany, access: accesses.get(accessKey)!, primary: index === 0 }),
    );
    return created;
  };
  const users = {
    superAdmin: user('SuperAdmin', [[leadsy, 'super_admin']]),
    acmeAdmin: user('AcmeAdmin', [[acme, 'admin']]),
    eastManager: user('EastManager', [[acmeEast, 'manager']]),
    eastMember: user('EastMember', [[acmeEast, 'member']]),
    labMember: user('LabMember', [[acmeEastLab, 'member']]),
    globexAdmin: user('GlobexAdmin', [[globex, 'admin']]),
    westMember: user('WestMember', [[globexWest, 'member']]),
    inactive: user('Inactive', [[acme, 'member']], UserStatus.INACTIVE),
  };
  await em.flush();

  const tokens = Object.fromEntries(
    await Promise.all(Object.entries(users).map(async ([key, user]) => [key, await sessionToken(app, user.id)])),
  ) as Record<keyof World['users'], string>;
  const token = (key: keyof World['users']) => tokens[key];
  const tokenOf = (actor: Actor) => (actor === 'anonymous' ? undefined : token(actor));
  return {
    companies: {
      acme: acme.id,
      acmeEast: acmeEast.id,
      acmeEastLab: acmeEastLab.id,
      globex: globex.id,
      globexWest: globexWest.id,
      leadsy: leadsy.id,
    },
    users,
    token,
    tokenOf,
    headers(actor, { bare = false } = {}): Record<string, string> {
      const signed = tokenOf(actor);
      return signed === undefined ? {} : { authorization: bare ? signed : `Bearer ${signed}` };
    },
    accessIds: Object.fromEntries([...accesses].map(([key, access]) => [key, access.id])) as Record<AccessKey, number>,
  };
}

/** Adds `count` members to a company, for tests that need long lists. */
export async function addMembers(em: EntityManager, companyId: number, count: number, prefix = 'member'): Promise<void> {
  const member = await em.findOneOrFail(Access, { key: 'member' });
  const hash = await (passwordHash ??= hashPassword(PASSWORD));
  for (let index = 0; index < count; index += 1) {
    const created = em.create(User, {
      email: `${prefix}-${index}@example.com`,
      firstName: `${prefix}${index}`,
      lastName: 'Bulk',
      passwordHash: hash,
      status: UserStatus.ACTIVE,
    });
    em.create(UserAccess, { user: created, company: companyId, access: member, primary: true });
  }
  await em.flush();
}
