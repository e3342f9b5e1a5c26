import type { SqlConditions } from './sql-conditions';

/** At most this many words of a free-text query count: each is one condition of the statement. */
const MAX_WORDS = 5;

/**
 * Adds a free-text query to `conditions`: every word must appear (case-insensitively) in at least
 * one of `columns` (qualified SQL column names). LIKE wildcards in the words are matched literally.
 */
export function matchEveryWord(conditions: SqlConditions, q: string | undefined | null, columns: string[]): void {
  const words = (q ?? '').trim().split(/\s+/).filter(Boolean).slice(0, MAX_WORDS);
  for (const word of words) {
    const pattern = `%${word.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    conditions.add(columns.map((column) => `${column} ilike ?`).join(' or '), ...columns.map(() => pattern));
  }
}
