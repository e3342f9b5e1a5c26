/** A GraphQL answer refused with `code`: no data, the code on its first error and, when given, its message or the field of its detail. */
export function expectRefused(
  result: { body: any },
  code: string,
  { message, field }: { message?: string; field?: string } = {},
): void {
  expect(result.body.data ?? null).toBeNull();
  expect(result.body.errors[0].extensions.code).toBe(code);
  if (message !== undefined) expect(result.body.errors[0].message).toBe(message);
  if (field !== undefined) expectFieldError(result, field, code);
}

/** The first GraphQL error has `code` (BAD_USER_INPUT unless said) and one detail, naming `field`. */
export function expectFieldError(result: { body: any }, field: string, code = 'BAD_USER_INPUT'): void {
  expect(result.body.errors[0].extensions.code).toBe(code);
  expect(result.body.errors[0].extensions.details).toEqual([expect.objectContaining({ field })]);
}
