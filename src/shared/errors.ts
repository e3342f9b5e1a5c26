/** The fixed set of error codes of `contract/graphql.md`; the REST layer maps each to a status. */
export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'INTERNAL_SERVER_ERROR',
  'SERVICE_UNAVAILABLE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldProblem {
  field: string;
  message: string;
}

export class DomainError extends Error {
  override name = 'DomainError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldProblem[],
    /** Seconds a client should wait before retrying (RATE_LIMITED, SERVICE_UNAVAILABLE). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export function isDomainError(error: unknown, code: ErrorCode): error is DomainError {
  return error instanceof DomainError && error.code === code;
}

export const badInput = (message: string, details?: FieldProblem[]) => new DomainError('BAD_USER_INPUT', message, details);
export const invalidField = (field: string, message: string) => badInput(`${field} ${message}`, [{ field, message }]);
export const unauthenticated = (message = 'authentication required') => new DomainError('UNAUTHENTICATED', message);
export const forbidden = (message = 'not allowed') => new DomainError('FORBIDDEN', message);
export const notFound = (kind: string, id?: number | string) =>
  new DomainError('NOT_FOUND', id === undefined ? `${kind} not found` : `${kind} ${id} not found`);
export const conflict = (message: string) => new DomainError('CONFLICT', message);
export const serviceUnavailable = (message = 'the database is not answering, retry shortly', retryAfter = 5) =>
  new DomainError('SERVICE_UNAVAILABLE', message, undefined, retryAfter);
