import { ID_ORDER, type ListOrder, type Position } from '../db/list-order';
import { invalidField } from '../shared/errors';

/**
 * Edge cursors, opaque to clients (base64url): `id:<id>` in the default order (what every cursor
 * was before lists had orders, so those keep working), `<order>:[<sort key values>..., <id>]` in
 * any other, and `offset:<n>`, which the REST layer makes for numbered pages.
 */
const ID_CURSOR = /^id:(\d{1,15})$/;
const OFFSET_CURSOR = /^offset:(\d{1,15})$/;
const KEYED_CURSOR = /^([a-z_]+(?:\.[a-z_]+)+):(\[.*\])$/s;
/** Longer than any cursor this API makes (three keys of at most 254 characters, escaped): no parsing of megabytes. */
const MAX_CURSOR_LENGTH = 4096;
const MAX_KEY_LENGTH = 1000;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.(\d{3})\d{3}Z$/;

export type DecodedCursor = { position: Position } | { offset: number };

export function encodeCursor(order: ListOrder, position: Position): string {
  const text =
    order.name === ID_ORDER.name ? `id:${position.id}` : `${order.name}:${JSON.stringify([...position.keys, position.id])}`;
  return Buffer.from(text).toString('base64url');
}

/** A cursor that starts a page after `offset` rows: how the REST layer turns `page` into `after`. */
export function encodeOffsetCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

/** The position (or offset) a cursor argument (`field`) carries, refused unless this API made it for `order`. */
export function decodeCursor(cursor: string, order: ListOrder, field: string): DecodedCursor {
  const notOurs = () => invalidField(field, 'is not a cursor this API issued');
  if (cursor.length > MAX_CURSOR_LENGTH) throw notOurs();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const offset = OFFSET_CURSOR.exec(text);
  if (offset) return { offset: Number(offset[1]) };
  const id = ID_CURSOR.exec(text);
  const keyed = KEYED_CURSOR.exec(text);
  if (!id && !keyed) throw notOurs();
  if ((id ? ID_ORDER.name : keyed![1]) !== order.name) {
    throw invalidField(field, 'was made for another order: pass the orderBy of the page it came from');
  }
  if (id) return { position: { keys: [], id: Number(id[1]) } };
  const position = positionOf(keyed![2], order);
  if (!position) throw notOurs();
  return { position };
}

/** The sort key values and id of a keyed cursor, or null when they are not what `order` takes. */
function positionOf(json: string, order: ListOrder): Position | null {
  let values: unknown;
  try {
    values = JSON.parse(json);
  } catch {
    return null;
  }
  if (!Array.isArray(values) || values.length !== order.keys.length + 1) return null;
  const id = values[values.length - 1];
  if (!Number.isSafeInteger(id) || id < 0) return null;
  const keys = values.slice(0, -1);
  const valid = order.keys.every((key, index) => {
    const value = keys[index];
    if (typeof value !== 'string' || value.length > MAX_KEY_LENGTH || value.includes('\u0000')) return false;
    return key.type === 'text' || isTimestamp(value);
  });
  return valid ? { keys: keys as string[], id: id as number } : null;
}

/** ISO-8601 UTC with microseconds, of a real instant (PostgreSQL refuses February 30th and the year 0). */
function isTimestamp(value: string): boolean {
  const match = TIMESTAMP.exec(value);
  if (!match || value.startsWith('0000')) return false;
  const instant = new Date(`${value.slice(0, 20)}${match[1]}Z`);
  return !Number.isNaN(instant.getTime()) && instant.toISOString() === `${value.slice(0, 20)}${match[1]}Z`;
}
