import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../src/modules/auth/passwords';
import { withClient } from './database';

export const DATASET = { users: 10_000, rootCompanies: 100, childrenPerRoot: 9, loginUsers: 200 } as const;
export const SUPER_ADMIN_EMAIL = 'admin@leadsy-bench.test';

export interface SeededData {
  superAdmin: { email: string; password: string };
  login: { emails: string[]; password: string };
  /** The 10,000 benchmark users' ids, for the write workload. */
  userIds: number[];
  /** A root company on an unlimited plan, for the import. */
  importCompanyId: number;
}

/**
 * Fills a migrated database with set-based statements (generate_series, no row-by-row inserts):
 * 1,000 companies (100 roots with 9 children each) on the unlimited plan, 10,000 users with 1–3
 * accesses each in different companies (exactly one primary), the first `loginUsers` of them
 * active with one known password, and a super admin. Only two Argon2id hashes are computed: the
 * same hash serves every login user.
 */
export async function seedBenchData(url: string): Promise<SeededData> {
  const superAdminPassword = randomBytes(18).toString('base64url');
  const loginPassword = randomBytes(18).toString('base64url');
  const [superAdminHash, loginHash] = await Promise.all([hashPassword(superAdminPassword), hashPassword(loginPassword)]);

  return withClient(url, async (client) => {
    await client.query('begin');
    await client.query(
      `insert into companies (name, membership_id)
       select 'Bench Root ' || g, (select id from memberships where max_users is null order by id limit 1)
       from generate_series(1, $1::int) g`,
      [DATASET.rootCompanies],
    );
    await client.query(
      `insert into companies (name, parent_id, membership_id)
       select root.name || ' / Child ' || k, root.id, root.membership_id
       from companies root cross join generate_series(1, $1::int) k
       where root.name like 'Bench Root %' and root.parent_id is null`,
      [DATASET.childrenPerRoot],
    );
    await client.query(
      `insert into users (first_name, last_name, email, status, password_hash)
       select 'First' || g, 'Last' || g, 'user' || g || '@bench.test',
              case when g <= $2 then 'active' when g % 20 = 0 then 'inactive' when g % 10 = 0 then 'pending' else 'active' end,
              case when g <= $2 then $3 end
       from generate_series(1, $1::int) g`,
      [DATASET.users, DATASET.loginUsers, loginHash],
    );
    // 1 + n % 3 grants per user; consecutive users land far apart (roots and children mixed from the
    // first page on, so every page has parent companies to load); offsets 0, 7, 14 never collide.
    await client.query(
      `with bench_companies as (select array_agg(id order by id) as ids from companies where name like 'Bench Root %'),
            grantable as (select array_agg(id order by rank desc) as ids from accesses where key <> 'super_admin'),
            bench_users as (select id, row_number() over (order by id) as n from users where email like '%@bench.test')
       insert into user_accesses (user_id, company_id, access_id, "primary")
       select u.id,
              c.ids[1 + (u.n * 337 + k * 7) % array_length(c.ids, 1)],
              a.ids[1 + (u.n + k) % array_length(a.ids, 1)],
              k = 0
       from bench_users u cross join bench_companies c cross join grantable a
       cross join lateral generate_series(0, (u.n % 3)::int) k`,
    );
    const {
      rows: [admin],
    } = await client.query(
      `insert into users (first_name, last_name, email, status, password_hash)
       values ('Bench', 'Admin', $1, 'active', $2) returning id`,
      [SUPER_ADMIN_EMAIL, superAdminHash],
    );
    await client.query(
      `insert into user_accesses (user_id, company_id, access_id, "primary")
       values ($1, (select id from companies where is_default), (select id from accesses where key = 'super_admin'), true)`,
      [admin.id],
    );
    await client.query('commit');
    await client.query('analyze');

    const users = await client.query<{ id: number; email: string }>(
      `select id, email from users where email like '%@bench.test' order by id`,
    );
    const root = await client.query<{ id: number }>(
      `select id from companies where name like 'Bench Root %' and parent_id is null order by id limit 1`,
    );
    return {
      superAdmin: { email: SUPER_ADMIN_EMAIL, password: superAdminPassword },
      login: { emails: users.rows.slice(0, DATASET.loginUsers).map((row) => row.email), password: loginPassword },
      userIds: users.rows.map((row) => row.id),
      importCompanyId: root.rows[0].id,
    };
  });
}
