/**
 * What may be logged of an error raised around mails and tokens: its kind, never its message, which
 * can quote an address, a link or an SQL parameter.
 */
export function errorKind(error: unknown): { name?: string; code?: string } {
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  return { name, code };
}
