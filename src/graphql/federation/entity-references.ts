import { Access } from '../../modules/access/access.entity';
import { Company } from '../../modules/company/company.entity';
import { Membership } from '../../modules/membership/membership.entity';
import type { RequestContext } from '../../modules/request-context';
import { User } from '../../modules/user/user.entity';
import { andThen, type MaybePromise } from '../../shared/maybe-promise';

type EntityClass = typeof User | typeof Company | typeof Access | typeof Membership;

export interface EntityReference {
  type: EntityClass;
  /**
   * The entity of `id` as the viewer may see it, or null, whether it does not exist or is hidden: a
   * router asking for a hidden one learns no more than from an id that was never used. Through the
   * request's loaders, so every reference of one type in a request is one statement.
   */
  resolve(ctx: RequestContext, id: number): MaybePromise<object | null>;
}

const orNull = <T>(row: MaybePromise<T | undefined>): MaybePromise<T | null> => andThen(row, (found) => found ?? null);

/**
 * The entities of the subgraph, each keyed by `id`: other subgraphs may reference them and extend
 * them with fields, and the router resolves them here through `_entities`. Each answers what the
 * query of its own type answers: `user(id)` and `company(id)` ask the viewer's scope; the roles and
 * the plans are reference data every viewer reads.
 */
export const ENTITY_REFERENCES: Readonly<Record<string, EntityReference>> = {
  User: { type: User, resolve: (ctx, id) => ctx.services.users.visibleOrNull(id) },
  Company: { type: Company, resolve: (ctx, id) => ctx.services.companies.visibleOrNull(id) },
  Access: { type: Access, resolve: (ctx, id) => orNull(ctx.loaders.accessById.load(id)) },
  Membership: { type: Membership, resolve: (ctx, id) => orNull(ctx.loaders.membershipById.load(id)) },
};

/** The key every entity is referenced by. */
export const ENTITY_KEY_FIELDS = 'id';
