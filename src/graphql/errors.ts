import type { ApolloServerPlugin } from '@apollo/server';
import type { ValidationError } from 'class-validator';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import {
  type ClassifiedError,
  classifyError,
  type ErrorCode,
  type FieldProblem,
  MASKED_MESSAGE,
  STATUS_BY_CODE,
} from '../shared/errors';

/** Apollo's and type-graphql's own codes, folded into the contract's fixed set. */
const CLIENT_FAULT_CODES: Record<string, ErrorCode> = {
  GRAPHQL_PARSE_FAILED: 'BAD_USER_INPUT',
  GRAPHQL_VALIDATION_FAILED: 'BAD_USER_INPUT',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_USER_INPUT',
  OPERATION_RESOLUTION_FAILURE: 'BAD_USER_INPUT',
  // Kept: APQ clients recognise it by this code (or the message) and send the text again.
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_NOT_SUPPORTED: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  UNAUTHORIZED: 'FORBIDDEN',
  FORBIDDEN: 'FORBIDDEN',
};

/**
 * Decides what a client may learn about an error of a GraphQL operation. Argument validation
 * failures become BAD_USER_INPUT with their fields; the error a GraphQLError wraps is classified
 * like any other (domain, database); GraphQL's and Apollo's own request errors become
 * BAD_USER_INPUT (or their auth codes); everything else is masked.
 */
export function classifyGraphQLError(error: unknown): ClassifiedError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof ArgumentValidationError) {
    const details = flattenValidationErrors(original.extensions.validationErrors);
    return {
      code: 'BAD_USER_INPUT',
      message: details.map((d) => `${d.field} ${d.message}`).join('; ') || 'invalid input',
      details,
    };
  }
  const classified = classifyError(original);
  if (classified.code !== 'INTERNAL_SERVER_ERROR') return classified;
  // Apollo wraps request errors (bad variables, parse and validation failures) with its own code.
  for (const candidate of [error, original]) {
    if (!(candidate instanceof GraphQLError)) continue;
    const code = CLIENT_FAULT_CODES[String(candidate.extensions?.code ?? '')];
    if (code) return { code, message: candidate.message };
    // Apollo's APQ refusals (a hash that is not the text's, an unknown protocol version) carry a 400 and no code.
    if (
      candidate.extensions?.code === undefined &&
      (candidate.extensions?.http as { status?: number } | undefined)?.status === 400
    ) {
      return { code: 'BAD_USER_INPUT', message: candidate.message };
    }
  }
  return { code: 'INTERNAL_SERVER_ERROR', message: MASKED_MESSAGE };
}

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const classified = classifyGraphQLError(error);
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

/**
 * An error that refuses a request before its operation runs (while its context is created, or by
 * a plugin), answered with its code's HTTP status and Retry-After, as REST answers it; Apollo reads
 * them from `extensions.http`. An error the client may not learn about is returned as it is, for
 * Apollo to mask. The original is kept: formatError classifies it again, and without it the code
 * would be masked as INTERNAL_SERVER_ERROR.
 */
export function requestRefusal(error: unknown): unknown {
  const { code, message, retryAfter } = classifyError(error);
  if (code === 'INTERNAL_SERVER_ERROR') return error;
  return new GraphQLError(message, {
    originalError: error as Error,
    extensions: {
      code,
      http: { status: STATUS_BY_CODE[code], headers: new Map(retryAfter ? [['retry-after', String(retryAfter)]] : []) },
    },
  });
}

/**
 * Gives a GraphQL response the HTTP status (and Retry-After) REST would answer when its errors say
 * the request as a whole failed; it runs after formatError, so it reads the codes clients receive.
 * Any other error keeps Apollo's status: a field's failure is no reason to refuse its siblings' data.
 */
export function errorStatus(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          const failure = requestFailure(errors ?? [], data);
          if (!failure) return;
          response.http.status = STATUS_BY_CODE[failure.code];
          if (failure.retryAfter !== undefined) response.http.headers.set('retry-after', String(failure.retryAfter));
        },
      };
    },
  };
}

/**
 * SERVICE_UNAVAILABLE anywhere (the database could not be reached, the gateway is busy): a
 * retryable outage for clients, proxies and load balancers, not a 200, with the Retry-After of the
 * first such error. RATE_LIMITED only when the operation was refused as a whole (every error is,
 * and no field has data), with the longest wait any of its errors asks for.
 */
function requestFailure(
  errors: readonly GraphQLFormattedError[],
  data: Record<string, unknown> | null | undefined,
): { code: ErrorCode; retryAfter?: number } | undefined {
  const unavailable = errors.find((error) => error.extensions?.code === 'SERVICE_UNAVAILABLE');
  if (unavailable) {
    const retryAfter = unavailable.extensions?.retryAfter;
    return { code: 'SERVICE_UNAVAILABLE', retryAfter: typeof retryAfter === 'number' ? retryAfter : undefined };
  }
  if (!errors.length || !errors.every((error) => error.extensions?.code === 'RATE_LIMITED')) return undefined;
  if (data && Object.values(data).some((value) => value !== null)) return undefined;
  return { code: 'RATE_LIMITED', retryAfter: Math.max(...errors.map((error) => Number(error.extensions?.retryAfter) || 1)) };
}
