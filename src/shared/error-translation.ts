import {
  ConnectionException,
  DeadlockException,
  ForeignKeyConstraintViolationException,
  LockWaitTimeoutException,
  NotFoundError,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { badInput, conflict, DomainError, notFound, serviceUnavailable } from './errors';

const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '08006', '08001']);

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
  if (error instanceof Error && /Knex: Timeout acquiring a connection|Connection terminated/i.test(error.message)) {
    return serviceUnavailable();
  }
  return undefined;
}
