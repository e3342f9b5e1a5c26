import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import type { ValidationError } from 'class-validator';
import { type ErrorCode, type FieldProblem } from '../shared/errors';
import { translateError } from '../shared/error-translation';

export const MASKED_MESSAGE = 'Internal server error';

/** Apollo's and type-graphql's own codes, folded into the contract's fixed set. */
const CLIENT_FAULT_CODES: Record<string, ErrorCode> = {
  GRAPHQL_PARSE_FAILED: 'BAD_USER_INPUT',
  GRAPHQL_VALIDATION_FAILED: 'BAD_USER_INPUT',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_USER_INPUT',
  OPERATION_RESOLUTION_FAILURE: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_FOUND: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_SUPPORTED: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  UNAUTHORIZED: 'FORBIDDEN',
  FORBIDDEN: 'FORBIDDEN',
};

export interface ClassifiedError {
  code: ErrorCode;
  message: string;
  details?: FieldProblem[];
  retryAfter?: number;
}

/**
 * Decides what a client may learn about an error. Domain and database errors keep their code
 * and message; GraphQL's own request errors become BAD_USER_INPUT; everything else is masked.
 */
export function classifyError(error: unknown): ClassifiedError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof ArgumentValidationError) {
    const details = flattenValidationErrors(original.extensions.validationErrors);
    return {
      code: 'BAD_USER_INPUT',
      message: details.map((d) => `${d.field} ${d.message}`).join('; ') || 'invalid input',
      details,
    };
  }
  const domainError = translateError(original);
  if (domainError) {
    return {
      code: domainError.code,
      message: domainError.message,
      details: domainError.details,
      retryAfter: domainError.retryAfter,
    };
  }
  // Apollo wraps request errors (bad variables, parse and validation failures) with its own code.
  for (const candidate of [error, original]) {
    if (!(candidate instanceof GraphQLError)) continue;
    const code = CLIENT_FAULT_CODES[String(candidate.extensions?.code ?? '')];
    if (code) return { code, message: candidate.message };
  }
  return { code: 'INTERNAL_SERVER_ERROR', message: MASKED_MESSAGE };
}

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const classified = classifyError(error);
  const masked = classified.code === 'INTERNAL_SERVER_ERROR';
  return {
    message: classified.message,
    ...(masked ? {} : { locations: formatted.locations, path: formatted.path }),
    extensions: {
      code: classified.code,
      ...(classified.details ? { details: classified.details } : {}),
      ...(classified.retryAfter ? { retryAfter: classified.retryAfter } : {}),
    },
  };
}

function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(`${error.property} `, ''),
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}
