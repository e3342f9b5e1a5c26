import { isUtf8 } from 'node:buffer';
import { parse as parseSync } from 'csv-parse/sync';
import { badInput, DomainError } from '../../shared/errors';

/** The columns of an import file, in this order; `access` may be left out (everyone is a `member`). */
export const IMPORT_COLUMNS = ['email', 'first_name', 'last_name', 'access'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

const EXPECTED_HEADER = IMPORT_COLUMNS.join(',');
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const BINARY_BYTE = /[\x00-\x08\x0e-\x1f]/;

/**
 * Refuses, before anything is stored, a file that is not a text CSV with the import header in UTF-8:
 * UNSUPPORTED_MEDIA_TYPE for binary content, BAD_USER_INPUT for anything else. The lines after the
 * header are not checked here: a malformed one is that row's error when the import runs.
 */
export function assertImportableCsv(bytes: Buffer): void {
  if (!bytes.length) throw badInput('the file is empty');
  if (looksBinary(bytes)) {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'the file is not a text CSV (it contains binary data)');
  }
  const headerLine = headerLineOf(bytes);
  if (!isUtf8(headerLine)) throw badInput('the header is not valid UTF-8 text; save the CSV as UTF-8');
  const problem = headerProblem(parseHeaderLine(headerLine.toString('utf8')));
  if (problem) throw badInput(problem);
}

/**
 * What is wrong with a header record, or null when it is the import header. Names are compared
 * trimmed (a BOM before the first one goes too) and case-insensitively; the last column, `access`,
 * may be left out.
 */
export function headerProblem(header: string[]): string | null {
  const names = header.map((name) => name.trim().toLowerCase());
  const matches = (count: number) => names.length === count && names.every((name, index) => name === IMPORT_COLUMNS[index]);
  if (matches(IMPORT_COLUMNS.length) || matches(IMPORT_COLUMNS.length - 1)) return null;
  const found = header.join(',').slice(0, 200);
  return `the first row must be the header ${EXPECTED_HEADER} (comma-separated; access may be left out), found ${JSON.stringify(found)}`;
}

/**
 * Text a spreadsheet exports never holds NUL or the C0 control characters other than tab, line
 * feed, vertical tab, form feed and carriage return; images, archives and office files do.
 */
function looksBinary(bytes: Buffer): boolean {
  return BINARY_BYTE.test(bytes.toString('latin1'));
}

/** The bytes up to the first line break, without a BOM. */
function headerLineOf(bytes: Buffer): Buffer {
  const start = bytes.subarray(0, 3).equals(UTF8_BOM) ? 3 : 0;
  const newline = bytes.indexOf(0x0a, start);
  return bytes.subarray(start, newline === -1 ? bytes.length : newline);
}

/** The header record, parsed as CSV (its names may be quoted). */
function parseHeaderLine(text: string): string[] {
  const line = text.replace(/\r$/, '');
  try {
    const [record] = parseSync(line, { relax_column_count: true, relax_quotes: true }) as string[][];
    return record ?? [];
  } catch {
    return [line];
  }
}
