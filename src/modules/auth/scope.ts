import type { EntityManager } from '@mikro-orm/postgresql';
import { queryPrepared, queryPreparedArrays } from '../../db/prepared-statements';
import { columnCount, readColumns, toReadModel } from '../../db/read-models';
import { User } from '../user/user.entity';
import { ACCESS_RANK } from './roles';

/**
 * What a viewer may reach: for every company it can see, the highest rank it holds there. A grant
 * in a company applies to that company and all its descendants; a super_admin sees everything.
 */
export class Scope {
  static readonly anonymous = new Scope(false, new Map());

  constructor(
    readonly isSuperAdmin: boolean,
    private readonly rankByCompany: ReadonlyMap<number, number>,
  ) {}

  /** Every company, and so every user, even one without any grant. */
  get seesEverything(): boolean {
    return this.isSuperAdmin;
  }

  canSeeCompany(companyId: number): boolean {
    return this.isSuperAdmin || this.rankByCompany.has(companyId);
  }

  /** The viewer's rank in a company (0 when it has none there). */
  rankIn(companyId: number): number {
    return this.isSuperAdmin ? ACCESS_RANK.super_admin : (this.rankByCompany.get(companyId) ?? 0);
  }

  /** The visible companies; undefined means "all of them" (super_admin), so callers skip the filter. */
  visibleCompanyIds(): number[] | undefined {
    return this.isSuperAdmin ? undefined : [...this.rankByCompany.keys()];
  }

  /** The companies where the viewer holds at least `rank`. */
  companyIdsWithRank(rank: number): number[] | undefined {
    if (this.isSuperAdmin) return undefined;
    return [...this.rankByCompany].filter(([, held]) => held >= rank).map(([companyId]) => companyId);
  }
}

/**
 * The viewer's grants, spread down the company tree (as `reach`). A super_admin grant covers every
 * company already, so it is not spread. Parameters: the user id, the super_admin rank.
 */
const REACH = `with recursive reach (company_id, rank) as (
    select ua.company_id, a.rank from user_accesses ua join accesses a on a.id = ua.access_id where ua.user_id = ?
    union
    select c.id, reach.rank from companies c join reach on c.parent_id = reach.company_id where reach.rank < ?
  )`;
const HIGHEST_RANK_PER_COMPANY = 'select company_id, max(rank)::int as rank from reach group by company_id';

function toScope(rows: { company_id: number; rank: number }[]): Scope {
  const isSuperAdmin = rows.some((row) => row.rank >= ACCESS_RANK.super_admin);
  return new Scope(isSuperAdmin, isSuperAdmin ? new Map() : new Map(rows.map((row) => [row.company_id, row.rank])));
}

/** One statement: the highest rank per company the user reaches. */
export async function loadScope(em: EntityManager, userId: number): Promise<Scope> {
  return toScope(await queryPrepared(em, `${REACH} ${HIGHEST_RANK_PER_COMPANY}`, [userId, ACCESS_RANK.super_admin]));
}

/**
 * How long ago (ms, by the database's clock) the viewer's latest audit event was written, null when
 * it never wrote or when nobody asks (`wanted` is false: no read replicas, so no index probe on
 * every request): the read-after-write window of read replicas (RequestContext.readFromReplica).
 * Every change a request makes appends an audit event naming its actor in the change's own
 * transaction, so this needs no write of its own, and one probe of the (actor, id) index, inside
 * the viewer's statement, adds no statement. That statement runs on the primary, so the answer
 * holds whichever gateway process took the write.
 */
const lastWriteAgeMs = (wanted: boolean, actorColumn: string, actorId: string) =>
  wanted
    ? `(select extract(epoch from now() - e.occurred_at)::float8 * 1000 from audit_events e
         where e.${actorColumn} = ${actorId} order by e.id desc limit 1) as last_write_age_ms`
    : 'null::float8 as last_write_age_ms';

/** A timestamp column as the driver hands it over in these statements (MikroORM keeps them as text). */
type Stamp = string | null;
const instant = (stamp: Stamp): Date | null => (stamp === null ? null : new Date(stamp));

/** The state of the session an access token names, as the viewer statement reads it. */
export interface SessionState {
  revokedAt?: Date | null;
  expiresAt: Date;
  lastUsedAt: Date;
}

/**
 * One statement for what every request with an access token starts with: the user, its scope and
 * the token's session (undefined when the session is not the user's or does not exist).
 */
export async function loadViewer(
  em: EntityManager,
  userId: number,
  sessionId: string,
  withLastWrite: boolean,
): Promise<{ user: User; scope: Scope; session: SessionState | undefined; lastWriteAgeMs: number | null } | undefined> {
  const [row] = await queryPreparedArrays(
    em,
    `${REACH}
     select ${readColumns(em, User, 'u')},
            (select coalesce(json_agg(json_build_array(company_id, rank)), '[]'::json) from (${HIGHEST_RANK_PER_COMPANY}) ranks) as reached,
            s.id, s.revoked_at, s.expires_at, s.last_used_at, ${lastWriteAgeMs(withLastWrite, 'actor_user_id', 'u.id')}
       from users u left join sessions s on s.id = ? and s.user_id = u.id
      where u.id = ?`,
    [userId, ACCESS_RANK.super_admin, sessionId, userId],
  );
  if (!row) return undefined;
  const columns = columnCount(em, User);
  const reached = row[columns] as [number, number][];
  const scope = toScope(reached.map(([company_id, rank]) => ({ company_id, rank })));
  const [id, revokedAt, expiresAt, lastUsedAt, lastWriteAge] = row.slice(columns + 1) as [
    string | null,
    Stamp,
    string,
    string,
    number | null,
  ];
  const session =
    id === null ? undefined : { revokedAt: instant(revokedAt), expiresAt: new Date(expiresAt), lastUsedAt: new Date(lastUsedAt) };
  return { user: toReadModel(em, User, row), scope, session, lastWriteAgeMs: lastWriteAge };
}

/** The state of an API key, as its viewer statement reads it. */
export interface ApiKeyState {
  id: number;
  companyId: number;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  /** The key's access rank, capped by its creator's current rank in the key's company (0: none). */
  rank: number;
}

/**
 * One statement for a request with an API key: the key (by the hash of its secret), its creator
 * (the user it acts for) and its scope. The key reaches its company and every descendant with its
 * access's rank, never more than its creator holds in its company today.
 */
export async function loadApiKeyViewer(
  em: EntityManager,
  secretHash: string,
  withLastWrite: boolean,
): Promise<{ user: User; scope: Scope; key: ApiKeyState; secretHash: string; lastWriteAgeMs: number | null } | undefined> {
  const [row] = await queryPreparedArrays(
    em,
    `with recursive api_key as (
         select k.id, k.company_id, k.created_by_id, k.expires_at, k.revoked_at, k.last_used_at, k.secret_hash, a.rank
           from api_keys k join accesses a on a.id = k.access_id where k.secret_hash = ?
       ), reach (company_id, rank) as (
         select ua.company_id, a.rank from user_accesses ua join accesses a on a.id = ua.access_id
          where ua.user_id = (select created_by_id from api_key)
         union
         select c.id, reach.rank from companies c join reach on c.parent_id = reach.company_id where reach.rank < ?
       ), subtree (company_id) as (
         select company_id from api_key
         union all
         select c.id from companies c join subtree on c.parent_id = subtree.company_id
       )
     select ${readColumns(em, User, 'u')},
            k.id, k.company_id, k.expires_at, k.revoked_at, k.last_used_at, k.secret_hash,
            least(k.rank, coalesce((select max(rank) from reach where reach.company_id = k.company_id or reach.rank >= ?), 0)) as rank,
            (select json_agg(company_id) from subtree) as companies, ${lastWriteAgeMs(withLastWrite, 'actor_api_key_id', 'k.id')}
       from api_key k join users u on u.id = k.created_by_id`,
    [secretHash, ACCESS_RANK.super_admin, ACCESS_RANK.super_admin],
  );
  if (!row) return undefined;
  const columns = columnCount(em, User);
  const [id, companyId, expiresAt, revokedAt, lastUsedAt, storedHash, rank, companies, lastWriteAge] = row.slice(columns) as [
    number,
    number,
    Stamp,
    Stamp,
    Stamp,
    string,
    number,
    number[],
    number | null,
  ];
  const scope =
    rank >= ACCESS_RANK.super_admin
      ? new Scope(true, new Map())
      : new Scope(false, new Map(rank > 0 ? companies.map((company) => [company, rank]) : []));
  return {
    user: toReadModel(em, User, row),
    scope,
    key: { id, companyId, expiresAt: instant(expiresAt), revokedAt: instant(revokedAt), lastUsedAt: instant(lastUsedAt), rank },
    secretHash: storedHash,
    lastWriteAgeMs: lastWriteAge,
  };
}
