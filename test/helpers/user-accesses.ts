import { Access, type AccessKey } from '../../src/modules/access/access.entity';
import { UserAccess } from '../../src/modules/access/user-access.entity';
import { User, UserStatus } from '../../src/modules/user/user.entity';
import type { World } from './fixtures';
import type { TestApp } from './test-app';

const GRANT = 'id primary company { id } access { key } user { id }';
export const ADD = `mutation Add($userId: ID!, $accesses: [UserAccessInput!]!) {
  addUserAccesses(userId: $userId, accesses: $accesses) { ${GRANT} } }`;
export const SET = `mutation Set($userId: ID!, $accesses: [UserAccessInput!]!) {
  setUserAccesses(userId: $userId, accesses: $accesses) { ${GRANT} } }`;
export const REMOVE = `mutation Remove($id: ID!) { removeUserAccess(id: $id) { ${GRANT} } }`;

export type Viewer = keyof World['users'] | 'anonymous';

export interface GrantRow {
  id: number;
  companyId: number;
  access: AccessKey;
  primary: boolean;
}

/** The rows of a grant list without their ids, for comparing sets built by different requests. */
export const shape = (rows: GrantRow[]) => rows.map(({ companyId, access, primary }) => ({ companyId, access, primary }));

export function expectRefused(result: { body: any }, code: string, field?: string): void {
  expect(result.body.data ?? null).toBeNull();
  expect(result.body.errors[0].extensions.code).toBe(code);
  if (field) expect(result.body.errors[0].extensions.details).toEqual([expect.objectContaining({ field })]);
}

/** Builds grant inputs, creates grantees and reads `user_accesses` straight from the database. */
export async function userAccessHelpers(app: TestApp, world: World) {
  const accesses = await app.orm.em.fork().find(Access, {});
  const accessIds = Object.fromEntries(accesses.map((access) => [access.key, access.id])) as Record<AccessKey, number>;
  const connection = app.orm.em.getConnection();
  let userCount = 0;

  return {
    accessIds,
    tokenOf: (viewer: Viewer) => (viewer === 'anonymous' ? undefined : world.token(viewer)),

    grant: (companyId: number, key: AccessKey, primary?: boolean) => ({
      companyId: String(companyId),
      accessId: String(accessIds[key]),
      ...(primary === undefined ? {} : { primary }),
    }),

    /** A fresh user holding these grants; the first one is primary. */
    async makeUser(grants: [number, AccessKey][]): Promise<number> {
      const em = app.orm.em.fork();
      userCount += 1;
      const user = em.create(User, {
        email: `grantee-${userCount}@example.com`,
        firstName: 'Grantee',
        lastName: String(userCount),
        status: UserStatus.ACTIVE,
      });
      grants.forEach(([companyId, key], index) =>
        em.create(UserAccess, { user, company: companyId, access: accessIds[key], primary: index === 0 }),
      );
      await em.flush();
      return user.id;
    },

    async rowsOf(userId: number): Promise<GrantRow[]> {
      const rows: { id: number; company_id: number; key: AccessKey; primary: boolean }[] = await connection.execute(
        'select ua.id, ua.company_id, a.key, ua.primary from user_accesses ua join accesses a on a.id = ua.access_id where ua.user_id = ? order by ua.id',
        [userId],
      );
      return rows.map((row) => ({ id: row.id, companyId: row.company_id, access: row.key, primary: row.primary }));
    },

    /** Every user holding a grant has exactly one primary one. */
    async expectOnePrimaryPerUser(): Promise<void> {
      const offenders = await connection.execute(
        'select user_id from user_accesses group by user_id having count(*) filter (where "primary") <> 1',
      );
      expect(offenders).toEqual([]);
    },
  };
}
