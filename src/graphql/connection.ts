import type { GraphQLResolveInfo } from 'graphql';
import { type ClassType, Field, Int, ObjectType } from 'type-graphql';
import { invalidField } from '../shared/errors';
import type { Page, PageRequest } from '../db/page';
import type { MaybePromise } from '../shared/maybe-promise';
import { selectsField } from './selection';

export const DEFAULT_PAGE_SIZE = 25;
/** A cap on `first`: a page of 1,000 nested rows is still one bounded answer. */
export const MAX_PAGE_SIZE = 1000;

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field()
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

const CURSOR = /^(id|offset):(\d{1,15})$/;

export function encodeCursor(id: number): string {
  return Buffer.from(`id:${id}`).toString('base64url');
}

/** A cursor that starts a page after `offset` rows: how the REST layer turns `page` into `after`. */
export function encodeOffsetCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

/** The page a connection field asks for (`info` is that field's: it tells whether `totalCount` is selected). */
export function pageRequest(
  first: number | undefined | null,
  after: string | undefined | null,
  info: GraphQLResolveInfo,
): PageRequest {
  const limit = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_PAGE_SIZE) {
    throw invalidField('first', `must be between 0 and ${MAX_PAGE_SIZE}`);
  }
  const withTotal = selectsField(info, 'totalCount');
  if (!after) return { limit, afterId: 0, offset: 0, withTotal };
  const match = CURSOR.exec(Buffer.from(after, 'base64url').toString('utf8'));
  if (!match) throw invalidField('after', 'is not a cursor this API issued');
  const value = Number(match[2]);
  return match[1] === 'id' ? { limit, afterId: value, offset: 0, withTotal } : { limit, afterId: 0, offset: value, withTotal };
}

/**
 * A Relay connection without a count: `edges { cursor node }` and `pageInfo`, for lists too long to
 * count on every page (the audit trail). Usage: `@ObjectType() class AuditEventConnection extends CursorConnection(AuditEvent) {}`.
 */
export function CursorConnection<T extends { id: number }>(NodeType: ClassType<T>) {
  @ObjectType(`${NodeType.name}Edge`)
  class Edge {
    constructor(node: T) {
      this.node = node;
    }

    @Field(() => NodeType)
    node: T;

    /** Encoded only when selected: most pages are read for their nodes. */
    @Field()
    get cursor(): string {
      return encodeCursor(this.node.id);
    }
  }

  // Only the concrete subclass (`UserConnection`, ...) is named in the schema.
  @ObjectType()
  abstract class CursorConnectionType {
    constructor(protected readonly page: Page<T>) {}

    @Field(() => [Edge])
    get edges(): Edge[] {
      return this.page.nodes.map((node) => new Edge(node));
    }

    @Field(() => PageInfo)
    get pageInfo(): PageInfo {
      const { nodes } = this.page;
      return {
        hasNextPage: this.page.hasNextPage,
        hasPreviousPage: this.page.hasPreviousPage,
        startCursor: nodes.length ? encodeCursor(nodes[0].id) : null,
        endCursor: nodes.length ? encodeCursor(nodes[nodes.length - 1].id) : null,
      };
    }
  }
  return CursorConnectionType;
}

/**
 * The Relay connection of a node type: `edges { cursor node }`, `pageInfo`, `totalCount`.
 * Usage: `@ObjectType() class UserConnection extends Connection(User) {}`.
 */
export function Connection<T extends { id: number }>(NodeType: ClassType<T>) {
  @ObjectType()
  abstract class ConnectionType extends CursorConnection(NodeType) {
    @Field(() => Int)
    totalCount(): MaybePromise<number> {
      return this.page.countTotal();
    }
  }
  return ConnectionType;
}
