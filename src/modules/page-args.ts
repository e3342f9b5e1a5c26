import { ArgsType, Field, InputType, Int, registerEnumType } from 'type-graphql';
import { ID_ORDER, type ListOrder, type SortKey } from '../db/list-order';

/** The arguments of every connection field: how many nodes, and the cursor to start after. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true })
  first?: number;

  @Field(() => String, { nullable: true })
  after?: string;
}

/** A connection that also pages backward: the last nodes, or those before a cursor. */
@ArgsType()
export class TwoWayPageArgs extends PageArgs {
  @Field(() => Int, { nullable: true, description: 'The last nodes (before `before`, or of the list); not with `first`.' })
  last?: number;

  @Field(() => String, { nullable: true })
  before?: string;
}

export enum OrderDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(OrderDirection, {
  name: 'OrderDirection',
  description: 'Ties are broken by id, in the same direction.',
});

/** What every `orderBy` input holds: a field of its list, and a direction (ascending when left out). */
export interface OrderBy<Field extends string> {
  field: Field;
  direction?: OrderDirection | null;
}

/**
 * The `orderBy` input type of a list, `name`: a field among `fields` (a registered enum) and a
 * direction. A class per list, since each input type has its own name and fields.
 */
export function orderByInput<F extends string>(fields: Record<string, F>, name: string, description: string) {
  @InputType(name, { description })
  class ListOrderBy implements OrderBy<F> {
    @Field(() => fields)
    field!: F;

    // Nullable: graphql-jit leaves a non-null input field's default out of a variable's value.
    @Field(() => OrderDirection, { nullable: true, defaultValue: OrderDirection.ASC })
    direction?: OrderDirection | null;
  }
  return ListOrderBy;
}

/**
 * The order an `orderBy` names in list `list` (`user`, ...): the field's sort keys, then the id, in
 * its direction. None, or the id ascending, is the default order, whose cursors are plain ids.
 */
export function listOrder<Field extends string>(
  list: string,
  keysByField: Record<Field, SortKey[]>,
  orderBy: OrderBy<Field> | null | undefined,
): ListOrder {
  if (!orderBy) return ID_ORDER;
  const keys = keysByField[orderBy.field];
  const descending = orderBy.direction === OrderDirection.DESC;
  if (!keys.length && !descending) return ID_ORDER;
  return { name: `${list}.${orderBy.field.toLowerCase()}.${descending ? 'desc' : 'asc'}`, keys, descending };
}

/** A sort key compared as text (in the database's collation). */
export const textKey = (sql: SortKey['sql']): SortKey => ({ sql, type: 'text' });
/** A sort key over a timestamp column, exact to the microsecond. */
export const timestampKey = (sql: SortKey['sql']): SortKey => ({ sql, type: 'timestamptz' });
