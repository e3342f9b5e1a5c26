/**
 * Turns a free-text query into MikroORM conditions: every word must appear (case-insensitively)
 * in at least one of `fields`. LIKE wildcards in the words are matched literally.
 */
export function matchEveryWord(q: string | undefined | null, fields: string[]): Record<string, unknown>[] {
  const words = (q ?? '').trim().split(/\s+/).filter(Boolean).slice(0, 5);
  return words.map((word) => {
    const pattern = `%${word.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    return { $or: fields.map((field) => ({ [field]: { $ilike: pattern } })) };
  });
}
