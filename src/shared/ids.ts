import { invalidField } from './errors';

/** GraphQL IDs arrive as strings; the database's ids are positive integers. */
export function parseId(value: string | number, field: string): number {
  const id = typeof value === 'number' ? value : /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id) || id <= 0) throw invalidField(field, 'must be a positive integer id');
  return id;
}

export function parseOptionalId(value: string | number | undefined | null, field: string): number | undefined {
  return value === undefined || value === null ? undefined : parseId(value, field);
}
