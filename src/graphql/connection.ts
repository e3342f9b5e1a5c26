import type { GraphQLResolveInfo } from 'graphql';
import { type ClassType, Field, Int, ObjectType } from 'type-graphql';
import { invalidField } from '../shared/errors';
import { ID_ORDER, type ListOrder } from '../db/list-order';
import type { Page, PageRequest } from '../db/page';
import { decodeCursor, encodeCursor } from './cursor';
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

/** The arguments of a connection field: `first`/`after` forward, `last`/`before` backward. */
export interface PageArguments {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/**
 * The page a connection field asks for in `order` (`info` is that field's: it tells whether
 * `totalCount` is selected). `first` and `last` exclude each other; either is at most MAX_PAGE_SIZE.
 */
export function pageRequest(args: PageArguments, info: GraphQLResolveInfo, order: ListOrder = ID_ORDER): PageRequest {
  const { first, last } = args;
  const backward = last !== undefined && last !== null;
  if (backward && first !== undefined && first !== null) {
    throw invalidField(
      'last',
      'cannot be combined with first: page forward with first and after, or backward with last and before',
    );
  }
  const limit = (backward ? last : first) ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_PAGE_SIZE) {
    throw invalidField(backward ? 'last' : 'first', `must be between 0 and ${MAX_PAGE_SIZE}`);
  }
  const request: PageRequest = {
    limit,
    order,
    after: null,
    before: null,
    offset: 0,
    backward,
    withTotal: selectsField(info, 'totalCount'),
  };
  if (args.after) {
    const after = decodeCursor(args.after, order, 'after');
    if ('offset' in after) {
      // Numbered pages count rows from the start: they only page forward.
      if (backward) throw invalidField('after', 'is a page number cursor, which pages forward only (with first)');
      request.offset = after.offset;
    } else {
      request.after = after.position;
    }
  }
  if (args.before) {
    const before = decodeCursor(args.before, order, 'before');
    if ('offset' in before) throw invalidField('before', 'must be the cursor of an edge');
    request.before = before.position;
  }
  return request;
}

/** The cursor of a page's `index`-th node: its position in the order the page was read in. */
function cursorAt<T extends { id: number }>(page: Page<T>, index: number): string {
  return encodeCursor(page.order, { keys: page.sortKeys[index], id: page.nodes[index].id });
}

/**
 * A Relay connection without a count: `edges { cursor node }` and `pageInfo`, for lists too long to
 * count on every page (the audit trail). Usage: `@ObjectType() class AuditEventConnection extends CursorConnection(AuditEvent) {}`.
 */
export function CursorConnection<T extends { id: number }>(NodeType: ClassType<T>) {
  @ObjectType(`${NodeType.name}Edge`)
  class Edge {
    constructor(
      node: T,
      private readonly page: Page<T>,
      private readonly index: number,
    ) {
      this.node = node;
    }

    @Field(() => NodeType)
    node: T;

    /** Encoded only when selected: most pages are read for their nodes. */
    @Field()
    get cursor(): string {
      return cursorAt(this.page, this.index);
    }
  }

  // Only the concrete subclass (`UserConnection`, ...) is named in the schema.
  @ObjectType()
  abstract class CursorConnectionType {
    constructor(protected readonly page: Page<T>) {}

    @Field(() => [Edge])
    get edges(): Edge[] {
      return this.page.nodes.map((node, index) => new Edge(node, this.page, index));
    }

    @Field(() => PageInfo)
    get pageInfo(): PageInfo {
      const { nodes } = this.page;
      return {
        hasNextPage: this.page.hasNextPage,
        hasPreviousPage: this.page.hasPreviousPage,
        startCursor: nodes.length ? cursorAt(this.page, 0) : null,
        endCursor: nodes.length ? cursorAt(this.page, nodes.length - 1) : null,
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
