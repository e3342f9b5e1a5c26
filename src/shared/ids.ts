import { invalidField } from './errors';

const ID_PROBLEM = 'must be a positive integer id';

const idValue = (value: string | number): number =>
  typeof value === 'number' ? value : /^\d{1,15}$/.test(value) ? Number(value) : NaN;

const isRowId = (id: number): boolean => Number.isSafeInteger(id) && id > 0;

/** GraphQL IDs arrive as strings; the database's ids are positive integers. */
export function parseId(value: string | number, field: string): number {
  const id = idValue(value);
  if (!isRowId(id)) throw invalidField(field, ID_PROBLEM);
  return id;
}

/** What is wrong with an id a client sent, as `parseId` would report it; undefined when nothing is. */
export const idProblem = (value: string | number): string | undefined => (isRowId(idValue(value)) ? undefined : ID_PROBLEM);

export function parseOptionalId(value: string | number | undefined | null, field: string): number | undefined {
  return value === undefined || value === null ? undefined : parseId(value, field);
}
