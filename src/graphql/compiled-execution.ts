import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import { type DocumentNode, type ExecutionResult, execute, GraphQLError, type GraphQLSchema, printSchema } from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import { type Config, performanceTrickOn } from '../config';
import { ConcurrencyLimit } from '../shared/concurrency-limit';
import { type DomainError, serviceUnavailable } from '../shared/errors';
import type { GatewayMetrics } from '../shared/metrics/gateway-metrics';
import type { RequestContext } from '../modules/request-context';

type ExecutorHost = ApolloServerOptionsWithGateway<RequestContext>['gateway'];

/**
 * What this process's executors did: documents compiled by graphql-jit, and operations run by the
 * compiled functions or by graphql-js. The guard test reads it (docs/performance.md).
 */
const counts = { compilations: 0, compiledRuns: 0, graphqlJsRuns: 0 };

export function executionCounts(): Readonly<typeof counts> {
  return { ...counts };
}

/**
 * Executes operations with graphql-jit instead of graphql-js's interpreter. graphql-js walks the
 * document for every field of every row, allocating argument maps, resolve infos and result
 * objects as it goes (measured: most of the gateway's garbage in a 100-user list); graphql-jit
 * turns each operation into a function once and runs that. Apollo keeps doing everything else:
 * parsing with its document cache, validation with the operation limits, plugins, errors.
 *
 * Apollo takes a custom executor only through its gateway interface; the schema never changes, so
 * it is announced once. Compiled operations hang off Apollo's cached documents and go when those do.
 *
 * Queries take turns (`admission`): at most `concurrent` execute at once and the others wait in
 * arrival order, parsed and validated but holding no rows, so a burst of connections costs the
 * memory of the queries executing, not of every connection. Past `queued` waiting, a query is
 * refused with 503 and Retry-After; one whose client left while it waited is not executed.
 * Mutations go straight through: an upload streams from the client while its mutation executes,
 * and a login waits for its own hashing slot.
 *
 * `metrics` reads the admission's load (running, waiting, refused) when Prometheus scrapes.
 *
 * With `PERFORMANCE_TRICKS_OFF=compiled-execution`, graphql-js's `execute` runs each operation as
 * Apollo runs it without a gateway; the admission of queries stays.
 */
export function compiledExecution(
  schema: GraphQLSchema,
  admission: Config['queryAdmission'],
  metrics?: GatewayMetrics,
): ExecutorHost {
  const compiledOn = performanceTrickOn('compiled-execution');
  const queries = new ConcurrencyLimit(admission.concurrent, admission.queued);
  metrics?.scraped.watchGate('queries', () => queries.load);
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery>>();
  const compiledFor = (document: DocumentNode, operationName: string | null) => {
    let byOperation = compiled.get(document);
    if (!byOperation) compiled.set(document, (byOperation = new Map()));
    const key = operationName ?? '';
    let query = byOperation.get(key);
    if (!query) {
      const result = compileQuery(schema, document, operationName ?? undefined);
      // Not compilable (an operation name that is not in the document...): graphql-js's errors.
      if (!isCompiledQuery(result)) return result;
      counts.compilations += 1;
      query = result;
      byOperation.set(key, query);
    }
    return query;
  };
  return {
    async load() {
      return {
        async executor({ document, operationName, operation, context, request }) {
          let run: () => Promise<ExecutionResult>;
          if (compiledOn) {
            const query = compiledFor(document, operationName);
            if (!isCompiledQuery(query)) return query;
            run = async () => {
              counts.compiledRuns += 1;
              return withStandardErrors(await query.query(undefined, context, request.variables ?? {}));
            };
          } else {
            run = async () => {
              counts.graphqlJsRuns += 1;
              return execute({ schema, document, contextValue: context, variableValues: request.variables, operationName });
            };
          }
          if (operation.operation !== 'query') return run();
          return queries.runUnlessFull(
            () => (context.request.clientGone() ? refused(serviceUnavailable('the client left')) : run()),
            () => refused(serviceUnavailable('the gateway is busy, retry shortly', 1)),
          );
        },
      };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => {};
    },
    async stop() {},
  };
}

function refused(error: DomainError): ExecutionResult {
  return { errors: [new GraphQLError(error.message, { originalError: error })] };
}

/**
 * graphql-jit's errors are GraphQLErrors with read-only fields and no `extensions` object, which
 * Apollo and its plugins expect to read and amend: each becomes a graphql-js GraphQLError (the
 * original error, and so its code, kept), with graphql-jit's locations.
 */
function withStandardErrors(result: ExecutionResult): ExecutionResult {
  if (!result.errors) return result;
  // No data at all: the variables were refused before execution began (graphql-js's errors say so
  // with their variable's node, which Apollo reads; graphql-jit's carry no node).
  const refusedVariables = result.data === undefined;
  const errors = result.errors.map((error) => {
    const standard = new GraphQLError(error.message, {
      path: error.path,
      originalError: error.originalError,
      extensions: refusedVariables ? { ...error.extensions, code: 'BAD_USER_INPUT' } : error.extensions,
    });
    return Object.assign(standard, { locations: error.locations });
  });
  return { ...result, errors };
}
