import { pipeline, type Readable } from 'node:stream';
import { type CsvError, type InfoField, parse, type Parser } from 'csv-parse';

/** One CSV record of an import file: its cells, or in plain words what makes it unreadable. */
export type ImportRecord = { cells: string[]; problem?: undefined } | { cells?: undefined; problem: string };

type ParsedItem = Uint8Array[] | { problem: string };

/** Throws on an invalid byte sequence; keeps a leading U+FEFF, so a cell is taken as written. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The records of an import file in order, blank lines left out. A malformed record (a stray quote,
 * an invalid UTF-8 byte sequence) comes as its problem, in its place, so every record after it keeps
 * its number and is read as usual. An error of the file stream fails the iteration.
 */
export async function* readImportRecords(file: Readable): AsyncGenerator<ImportRecord> {
  const parser = createParser();
  pipeline(file, parser, () => undefined);
  for await (const item of parser as AsyncIterable<ParsedItem>) {
    yield Array.isArray(item) ? decodeCells(item) : item;
  }
}

function createParser(): Parser {
  // csv-parse drops a malformed record and calls on_skip for each bad quote in it, the first one
  // possibly before the record's first cell is complete. So that a record is reported once,
  // records are counted as their first cell (index 0) is cast: an error with no cell of its record
  // complete yet (index 0) belongs to the record about to be counted, any other to the last one.
  let startedRecords = 0;
  let reportedRecord = 0;
  const parser = parse({
    // Bytes, not text, so that an invalid byte sequence is its record's problem (decodeCells).
    // `bom` stays off: on a BOM csv-parse switches to decoding text itself. The BOM remains at the
    // start of the header's first name, which headerProblem trims like any white space.
    encoding: null,
    skip_empty_lines: true,
    // A wrong number of cells is the row's error, against the header (checkImportRow).
    relax_column_count: true,
    skip_records_with_error: true,
    cast: (cell: unknown, { index }: InfoField) => {
      if (index === 0) startedRecords += 1;
      return cell;
    },
    on_skip: (error) => {
      const record = startedRecords + (error?.index === 0 ? 1 : 0);
      if (record === reportedRecord) return;
      reportedRecord = record;
      // In the skipped record's place among the records, so that the rows after it keep their numbers.
      parser.push({ problem: quoteProblem(error) } satisfies ParsedItem);
    },
  });
  return parser;
}

function decodeCells(cells: Uint8Array[]): ImportRecord {
  try {
    return { cells: cells.map((cell) => STRICT_UTF8.decode(cell)) };
  } catch {
    return { problem: 'is not valid UTF-8 text' };
  }
}

/** With these options csv-parse skips a record only for a misplaced quote; the last case is for any other error. */
function quoteProblem(error: CsvError | undefined): string {
  switch (error?.code) {
    case 'INVALID_OPENING_QUOTE':
      return 'has a quote inside an unquoted field';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'has a quote inside a quoted field that is not doubled';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'has a quote that is never closed, so the rest of the file is part of this row';
    default:
      return `cannot be read as CSV: ${error?.message ?? 'unknown error'}`;
  }
}
