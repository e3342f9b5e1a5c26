import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import type { ExecutionResult } from 'graphql';
import type { RequestContext } from '../modules/request-context';
import type { Tracing } from '../shared/tracing/tracing';
import { classifyGraphQLError } from './errors';

type ExecutorHost = ApolloServerOptionsWithGateway<RequestContext>['gateway'];

/**
 * Runs every operation Apollo executes (REST routes' included) in a span named as OpenTelemetry's
 * GraphQL conventions name it (`query Users`), with the operation's type and name and, when it
 * failed, its first error's code: never the document, whose literals may be input, nor variables.
 * graphql-jit executes without graphql-js's `execute`, which the GraphQL instrumentation watches,
 * so this is the operation's span; the SQL of its resolvers nests there. Its time includes the
 * wait for a query's turn (`GRAPHQL_CONCURRENT_QUERIES`).
 */
export function tracedExecution(host: ExecutorHost, tracing: Tracing): ExecutorHost {
  return {
    ...host,
    async load(options) {
      const loaded = await host.load(options);
      const { executor } = loaded;
      if (!executor) return loaded;
      return {
        ...loaded,
        executor: (request) =>
          tracing.operation(
            { type: request.operation.operation, name: request.operationName ?? undefined },
            () => Promise.resolve(executor(request)),
            firstErrorCode,
          ),
      };
    },
  };
}

function firstErrorCode(result: ExecutionResult | AsyncIterable<unknown>): string | undefined {
  const [first] = ('errors' in result && result.errors) || [];
  return first && classifyGraphQLError(first).code;
}
