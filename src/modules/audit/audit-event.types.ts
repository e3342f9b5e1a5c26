import { ObjectType } from 'type-graphql';
import { CursorConnection } from '../../graphql/connection';
import { AuditEvent } from './audit-event.entity';

/**
 * A page of the audit trail. Unlike the other connections it has no `totalCount`: the trail grows
 * to millions of events, and counting the ones a filter matches reads every one of them (the
 * indexes serve pages, not counts). Follow `pageInfo.endCursor` while `hasNextPage`.
 */
@ObjectType({ description: 'A page of audit events; no totalCount (counting a trail of millions of events reads them all).' })
export class AuditEventConnection extends CursorConnection(AuditEvent) {}
