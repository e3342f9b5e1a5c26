import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import { type DocumentNode, type ExecutionResult, GraphQLError, type GraphQLSchema, printSchema } from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Config } from '../config';
import { ConcurrencyLimit } from '../shared/concurrency-limit';
import { type DomainError, serviceUnavailable } from '../shared/errors';
import type { RequestContext } from './context';

type ExecutorHost = ApolloServerOptionsWithGateway<RequestContext>['gateway'];

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
 */
export function compiledExecution(schema: GraphQLSchema, admission: Config['queryAdmission']): ExecutorHost {
  const queries = new ConcurrencyLimit(admission.concurrent, admission.queued);
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
      query = result;
      byOperation.set(key, query);
    }
    return query;
  };
  return {
    async load() {
      return {
        async executor({ document, operationName, operation, context, request }) {
          const query = compiledFor(document, operationName);
          if (!isCompiledQuery(query)) return query;
          const execute = async () => withStandardErrors(await query.query(undefined, context, request.variables ?? {}));
          if (operation.operation !== 'query') return execute();
          if (queries.full) return refused(serviceUnavailable('the gateway is busy, retry shortly', 1));
          return queries.run(() => (context.request.clientGone() ? refused(serviceUnavailable('the client left')) : execute()));
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
