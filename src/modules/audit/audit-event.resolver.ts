import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Query, Resolver, Root } from 'type-graphql';
import { pageRequest } from '../../graphql/connection';
import { JSONScalar } from '../../graphql/scalars';
import type { MaybePromise } from '../../shared/maybe-promise';
import { Company } from '../company/company.entity';
import { PageArgs } from '../page-args';
import type { RequestContext } from '../request-context';
import { User } from '../user/user.entity';
import { AuditEvent } from './audit-event.entity';
import { AuditEventFilter, AuditEventOrder } from './audit-event.inputs';
import { AuditEventConnection } from './audit-event.types';

/** The audit trail is read-only in the graph: there is no mutation of events, by design. */
@Resolver(() => AuditEvent)
export class AuditEventResolver {
  @Query(() => AuditEventConnection, {
    description:
      'The audit trail, newest first by default: every event for a super_admin; for an admin, the events of the companies ' +
      'of its tree (events without a company are for super_admins). FORBIDDEN for a viewer who is admin nowhere. Keyset ' +
      'pages: pass `pageInfo.endCursor` as `after`.',
  })
  async auditEvents(
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Arg('filter', () => AuditEventFilter, { nullable: true }) filter?: AuditEventFilter,
    @Arg('order', () => AuditEventOrder, { defaultValue: AuditEventOrder.NEWEST_FIRST }) order?: AuditEventOrder,
  ): Promise<AuditEventConnection> {
    const page = await ctx.services.auditEvents.list(
      filter,
      order ?? AuditEventOrder.NEWEST_FIRST,
      pageRequest({ first, after }, info),
    );
    return new AuditEventConnection(page);
  }

  @FieldResolver(() => Company, { nullable: true, description: 'The company the event happened in; null when none.' })
  company(@Root() event: AuditEvent, @Ctx() ctx: RequestContext): MaybePromise<Company | null> {
    return ctx.services.auditEvents.companyOf(event);
  }

  @FieldResolver(() => User, {
    nullable: true,
    description:
      'The person who acted; null for a change made with an API key (see actorApiKeyId), when nobody was signed in, ' +
      'when the user no longer exists, or when the viewer may not see them.',
  })
  actorUser(@Root() event: AuditEvent, @Ctx() ctx: RequestContext): Promise<User | null> {
    return ctx.services.auditEvents.actorOf(event);
  }

  @FieldResolver(() => JSONScalar, {
    nullable: true,
    description: 'The fields the change touched, `{"<field>": {"old": …, "new": …}}`; never a secret. Null when none.',
  })
  changes(@Root() event: AuditEvent): unknown {
    return event.changes ?? null;
  }
}
