import type { Response } from 'express';
import type { ErrorCode, FieldProblem } from './errors';

/** The HTTP status of each error code (`contract/rest-v1.md`, "statuses"). */
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
};

export interface HttpError {
  code: ErrorCode;
  message: string;
  details?: FieldProblem[];
  retryAfter?: number;
}

/** Every non-GraphQL failure leaves through here: the contract's status and `{"error": {...}}` body. */
export function sendError(res: Response, error: HttpError, status = STATUS_BY_CODE[error.code]): void {
  if (error.retryAfter) res.setHeader('Retry-After', String(error.retryAfter));
  res.status(status).json({
    error: { code: error.code, message: error.message, ...(error.details?.length ? { details: error.details } : {}) },
  });
}
