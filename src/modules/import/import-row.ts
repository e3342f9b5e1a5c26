import { ACCESS_KEYS, type AccessKey } from '../access/access.entity';
import { IMPORTABLE_ACCESS_KEYS, type ImportableAccessKey } from '../auth/policy';
import { checkEmail, checkPersonName, trimSpaces } from '../../shared/field-rules';
import type { ImportColumn } from './import-csv';
import type { ImportRecord } from './import-csv-records';

const DEFAULT_ACCESS: ImportableAccessKey = 'member';
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
 * Checks one record on its own (the database checks come later, per batch), by the same field rules
 * as createUser (`shared/field-rules.ts`). Cells are taken as plain text: one starting with `=`, `+`, `-`,
 * `@`, a tab or a carriage return is stored as written and never interpreted, so names keep
 * everything but surrounding spaces (`trimSpaces`, where createUser trims all white space).
 */
export function checkImportRow(row: number, record: ImportRecord, columnCount: number): CheckedRow {
  const fail = (field: ImportColumn | null, message: string): CheckedRow => ({ error: { row, field, message } });
  if (record.problem !== undefined) return fail(null, record.problem);
  const { cells } = record;
  if (cells.length !== columnCount) return fail(null, `has ${cells.length} columns, the header has ${columnCount}`);
  const [rawEmail, rawFirstName, rawLastName, rawAccess = ''] = cells;

  const email = checkEmail(rawEmail);
  if (email.problem !== undefined) return fail('email', email.problem);
  const firstName = checkPersonName(rawFirstName, trimSpaces);
  if (firstName.problem !== undefined) return fail('first_name', firstName.problem);
  const lastName = checkPersonName(rawLastName, trimSpaces);
  if (lastName.problem !== undefined) return fail('last_name', lastName.problem);

  const accessKey = rawAccess.trim().toLowerCase() || DEFAULT_ACCESS;
  if (!isImportableAccess(accessKey)) {
    if (isAccessKey(accessKey)) return fail('access', `${accessKey} cannot be granted by an import`);
    return fail('access', `unknown access ${quote(rawAccess)}; use ${IMPORTABLE_ACCESS_KEYS.join(', ')}`);
  }
  return {
    user: { row, email: email.value, firstName: firstName.value, lastName: lastName.value, access: accessKey },
  };
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
