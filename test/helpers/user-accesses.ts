import type { AccessKey } from '../../src/modules/access/access.entity';
import { UserAccess } from '../../src/modules/access/user-access.entity';
import { User, UserStatus } from '../../src/modules/user/user.entity';
import type { Actor, World } from './fixtures';
import { expectRefused } from './expect';
import type { TestApp } from './test-app';

const GRANT = 'id primary company { id } access { key } user { id }';
export const ADD = `mutation Add($userId: ID!, $accesses: [UserAccessInput!]!) {
  addUserAccesses(userId: $userId, accesses: $accesses) { ${GRANT} } }`;
export const SET = `mutation Set($userId: ID!, $accesses: [UserAccessInput!]!) {
  setUserAccesses(userId: $userId, accesses: $accesses) { ${GRANT} } }`;
export const REMOVE = `mutation Remove($id: ID!) { removeUserAccess(id: $id) { ${GRANT} } }`;

export type Viewer = Actor;

export interface GrantRow {
  id: number;
  companyId: number;
  access: AccessKey;
  primary: boolean;
}

/** The rows of a grant list without their ids, for comparing sets built by different requests. */
export const shape = (rows: GrantRow[]) => rows.map(({ companyId, access, primary }) => ({ companyId, access, primary }));

/** Who may change the grants of an Acme East member: 'ok', or the code the caller is refused with. */
export const GRANT_CHANGES_BY_VIEWER: [Viewer, string][] = [
  ['superAdmin', 'ok'],
  ['acmeAdmin', 'ok'],
  ['globexAdmin', 'NOT_FOUND'],
  ['eastManager', 'FORBIDDEN'],
  ['eastMember', 'FORBIDDEN'],
  ['anonymous', 'UNAUTHENTICATED'],
];

/** Builds grant inputs, creates grantees and reads `user_accesses` straight from the database (use it inside tests and hooks). */
export function userAccessHelpers(app: TestApp, world: World) {
  let userCount = 0;
  const connection = () => app.orm.em.getConnection();

  const rowsOf = async (userId: number): Promise<GrantRow[]> => {
    const rows: { id: number; company_id: number; key: AccessKey; primary: boolean }[] = await connection().execute(
      'select ua.id, ua.company_id, a.key, ua.primary from user_accesses ua join accesses a on a.id = ua.access_id where ua.user_id = ? order by ua.id',
      [userId],
    );
    return rows.map((row) => ({ id: row.id, companyId: row.company_id, access: row.key, primary: row.primary }));
  };

  return {
    get accessIds() {
      return world.accessIds;
    },

    grant: (companyId: number, key: AccessKey, primary?: boolean) => ({
      companyId: String(companyId),
      accessId: String(world.accessIds[key]),
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
        em.create(UserAccess, { user, company: companyId, access: world.accessIds[key], primary: index === 0 }),
      );
      await em.flush();
      return user.id;
    },

    rowsOf,

    /** Sends `change` and checks it ends as `code` says (refused, no row changed; or 'ok', no error); gives the rows before and after. */
    async changeGrants(userId: number, code: string, change: (before: GrantRow[]) => Promise<{ body: any }>) {
      const before = await rowsOf(userId);
      const result = await change(before);
      if (code === 'ok') expect(result.body.errors).toBeUndefined();
      else expectRefused(result, code);
      const after = await rowsOf(userId);
      if (code !== 'ok') expect(after).toEqual(before);
      return { before, after };
    },

    /** Every user holding a grant has exactly one primary one. */
    async expectOnePrimaryPerUser(): Promise<void> {
      const offenders = await connection().execute(
        'select user_id from user_accesses group by user_id having count(*) filter (where "primary") <> 1',
      );
      expect(offenders).toEqual([]);
    },
  };
}
