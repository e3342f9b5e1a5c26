import { DomainError } from '../../shared/errors';
import { ACCESS_KEYS, type AccessKey } from '../access/access.entity';
import { IMPORTABLE_ACCESS_KEYS, type ImportableAccessKey } from '../auth/policy';
import { normalizeEmail } from '../user/user-fields';
import type { ImportColumn } from './import-csv';
import type { ImportRecord } from './import-csv-records';

const DEFAULT_ACCESS: ImportableAccessKey = 'member';
const MAX_NAME_LENGTH = 100;
const MAX_QUOTED_VALUE = 50;

/**
 * Row numbers are 1-based data rows: row 1 is the first record after the header, a malformed record
 * is a row too, and blank lines are not rows (a quoted cell may span lines, so line numbers would
 * not identify a row).
 */
export interface RowProblem {
  row: number;
  field: ImportColumn | null;
  message: string;
}

export interface ImportedUser {
  row: number;
  email: string;
  firstName: string;
  lastName: string;
  access: ImportableAccessKey;
}

export type CheckedRow = { user: ImportedUser; error?: undefined } | { user?: undefined; error: RowProblem };

/**
 * Checks one record on its own (the database checks come later, per batch). Cells are taken as
 * plain text: one starting with `=`, `+`, `-`, `@`, a tab or a carriage return is stored as written
 * and never interpreted, so names keep everything but surrounding spaces.
 */
export function checkImportRow(row: number, record: ImportRecord, columnCount: number): CheckedRow {
  const fail = (field: ImportColumn | null, message: string): CheckedRow => ({ error: { row, field, message } });
  if (record.problem !== undefined) return fail(null, record.problem);
  const { cells } = record;
  if (cells.length !== columnCount) return fail(null, `has ${cells.length} columns, the header has ${columnCount}`);
  const [rawEmail, rawFirstName, rawLastName, rawAccess = ''] = cells;

  const email = emailOf(rawEmail);
  if (email === null) return fail('email', 'must be an email');
  const firstName = nameOf(rawFirstName);
  if (typeof firstName !== 'string') return fail('first_name', firstName.problem);
  const lastName = nameOf(rawLastName);
  if (typeof lastName !== 'string') return fail('last_name', lastName.problem);

  const accessKey = rawAccess.trim().toLowerCase() || DEFAULT_ACCESS;
  if (!isImportableAccess(accessKey)) {
    if (isAccessKey(accessKey)) return fail('access', `${accessKey} cannot be granted by an import`);
    return fail('access', `unknown access ${quote(rawAccess)}; use ${IMPORTABLE_ACCESS_KEYS.join(', ')}`);
  }
  return { user: { row, email, firstName, lastName, access: accessKey } };
}

/** The same rule as createUser: trimmed, lower-cased, a valid email of at most 254 characters. */
function emailOf(value: string): string | null {
  try {
    return normalizeEmail(value);
  } catch (error) {
    if (error instanceof DomainError) return null;
    throw error;
  }
}

function nameOf(value: string): string | { problem: string } {
  const name = value.replace(/^ +| +$/g, '');
  if (!name.trim()) return { problem: 'must not be empty' };
  if (name.length > MAX_NAME_LENGTH) return { problem: `must have at most ${MAX_NAME_LENGTH} characters` };
  return name;
}

function isImportableAccess(key: string): key is ImportableAccessKey {
  return (IMPORTABLE_ACCESS_KEYS as readonly string[]).includes(key);
}

function isAccessKey(key: string): key is AccessKey {
  return (ACCESS_KEYS as readonly string[]).includes(key);
}

function quote(value: string): string {
  const clipped = value.length > MAX_QUOTED_VALUE ? `${value.slice(0, MAX_QUOTED_VALUE)}…` : value;
  return JSON.stringify(clipped);
}
