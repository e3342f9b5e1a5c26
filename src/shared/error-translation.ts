import {
  ConnectionException,
  DeadlockException,
  ForeignKeyConstraintViolationException,
  LockWaitTimeoutException,
  NotFoundError,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { badInput, conflict, DomainError, notFound, serviceUnavailable } from './errors';

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
 * Turns what the database layer throws into the contract's errors; anything it does not
 * recognise stays undefined, and the caller masks it as INTERNAL_SERVER_ERROR.
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
