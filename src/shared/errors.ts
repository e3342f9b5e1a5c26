import {
  ConnectionException,
  DeadlockException,
  ForeignKeyConstraintViolationException,
  LockWaitTimeoutException,
  NotFoundError,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import type { Response } from 'express';

/** The fixed set of error codes (docs/api/errors.md). */
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
  // GraphQL only (REST runs its own documents, always trusted): an id no document is known by, and
  // an operation outside GRAPHQL_TRUSTED_DOCUMENTS (src/graphql/trusted-documents.ts).
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_NOT_TRUSTED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The HTTP status of each error code, on every transport (docs/api/errors.md). */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
  // Apollo's APQ protocol answers its own PERSISTED_QUERY_NOT_FOUND with 200, for clients to retry with the text.
  PERSISTED_QUERY_NOT_FOUND: 404,
  OPERATION_NOT_TRUSTED: 403,
};

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

/** What a client may learn about an error, on either transport. */
export interface ClassifiedError {
  code: ErrorCode;
  message: string;
  details?: FieldProblem[];
  retryAfter?: number;
}

export const MASKED_MESSAGE = 'Internal server error';

/**
 * Decides what a client may learn about an error raised outside GraphQL's own machinery: domain
 * and database errors keep their code and message, body-parser failures get the contract's code,
 * everything else is masked as INTERNAL_SERVER_ERROR.
 */
export function classifyError(error: unknown): ClassifiedError {
  // First: a body the client sent wrong is its fault, whatever the parser's message (which quotes the body) says.
  const bodyProblem = bodyParserError(error);
  if (bodyProblem) return bodyProblem;
  const domainError = translateError(error);
  if (!domainError) return { code: 'INTERNAL_SERVER_ERROR', message: MASKED_MESSAGE };
  const { code, message, details, retryAfter } = domainError;
  return { code, message, details, retryAfter };
}

/**
 * The database cannot be reached or is going away: the network's errors, PostgreSQL's connection
 * exceptions (08…), its shutdown and start-up states (57P01–57P03) and too many connections (53300).
 */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
]);
/** `statement_timeout` (DB_STATEMENT_TIMEOUT_MS) cancelled the statement. */
const QUERY_CANCELED = '57014';
/**
 * What the pool and the driver throw when no connection can be had or a connection died. A
 * transaction whose connection died is ended by knex, and its next statement meets "Transaction
 * query already complete" instead of the connection's error.
 */
const LOST_CONNECTION_MESSAGE =
  /Knex: Timeout acquiring a connection|Unable to acquire a connection|Connection terminated|Connection ended unexpectedly|Query read timeout|is not queryable|Transaction query already complete/i;

/**
 * A domain error as it is, or what the database layer throws in the contract's terms; anything
 * else stays undefined.
 */
export function translateError(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  if (error instanceof UniqueConstraintViolationException) return conflict('a record with these values already exists');
  if (error instanceof ForeignKeyConstraintViolationException) return badInput('a referenced record does not exist');
  if (error instanceof NotFoundError) return notFound('record');
  if (error instanceof ConnectionException || error instanceof DeadlockException || error instanceof LockWaitTimeoutException) {
    return serviceUnavailable();
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return serviceUnavailable();
  // A statement that outlived the timeout means an overloaded or locked database: worth a retry later.
  if (code === QUERY_CANCELED) return serviceUnavailable('the database took too long to answer, retry shortly');
  if (error instanceof Error && LOST_CONNECTION_MESSAGE.test(error.message)) return serviceUnavailable();
  return undefined;
}

/** Body-parser failures (they carry `type` and `status`) in the contract's terms. */
function bodyParserError(error: unknown): ClassifiedError | undefined {
  switch ((error as { type?: unknown } | null)?.type) {
    case 'entity.too.large':
      return { code: 'PAYLOAD_TOO_LARGE', message: 'the request body is too large' };
    case 'entity.parse.failed':
      return { code: 'BAD_USER_INPUT', message: 'the request body is not valid JSON' };
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'the request body must be UTF-8 JSON' };
    default:
      return undefined;
  }
}

/** The contract's `{"error": {...}}` body of a non-GraphQL failure. */
export function restErrorBody(error: ClassifiedError): object {
  return {
    error: { code: error.code, message: error.message, ...(error.details?.length ? { details: error.details } : {}) },
  };
}

/** A GraphQL response carrying `error` alone: its code (and Retry-After) in its extensions. */
export function graphqlErrorBody(error: ClassifiedError): object {
  const retryAfter = error.retryAfter ? { retryAfter: error.retryAfter } : {};
  return { errors: [{ message: error.message, extensions: { code: error.code, ...retryAfter } }] };
}

/** How a failure's body reads on a transport: `restErrorBody` or `graphqlErrorBody`. */
export type ErrorBody = (error: ClassifiedError) => object;

/** Every non-GraphQL failure leaves through here: the contract's status and `{"error": {...}}` body. */
export function sendError(res: Response, error: ClassifiedError, status = STATUS_BY_CODE[error.code]): void {
  if (error.retryAfter) res.setHeader('Retry-After', String(error.retryAfter));
  res.status(status).json(restErrorBody(error));
}

/** A failure answered before Apollo runs (refused at the door, a body Apollo never sees) as a GraphQL response. */
export function sendGraphQLError(res: Response, error: ClassifiedError): void {
  if (error.retryAfter) res.setHeader('Retry-After', String(error.retryAfter));
  res.status(STATUS_BY_CODE[error.code]).json(graphqlErrorBody(error));
}

/**
 * What may be logged of an error raised around mails and tokens: its kind, never its message, which
 * can quote an address, a link or an SQL parameter.
 */
export function errorKind(error: unknown): { name?: string; code?: string } {
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  return { name, code };
}
