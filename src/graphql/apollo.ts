import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config';
import type { Logger } from '../shared/logger';
import { compiledExecution } from './compiled-execution';
import type { RequestContext } from '../modules/request-context';
import { classifyGraphQLError, errorStatus, formatError } from './errors';
import { operationLimits } from './operation-limits';
import { persistedQueries } from './persisted-queries';
import { refusedCredentials } from './refused-credentials';
import { refusedAuthorizations } from './refused-authorizations';
import { replicaReads } from './replica-reads';
import type { Tracing } from '../shared/tracing/tracing';
import type { GatewayMetrics } from '../shared/metrics/gateway-metrics';
import { graphqlMetrics } from '../shared/metrics/graphql-metrics';
import { OperationNameLabels } from '../shared/metrics/operation-names';
import { tracedExecution } from './traced-execution';
import type { TrustedDocuments } from './trusted-documents';
import { trustedOperationsOnly } from './trusted-operations';
import { refuseSubgraphSdl } from './federation/subgraph-sdl';

/**
 * Logs every error a client will only see masked, with the request id the client receives in
 * `extensions.requestId`, so support can find the full error from a client's report.
 */
function maskedErrorLogging(logger: Logger): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            if (classifyGraphQLError(error).code !== 'INTERNAL_SERVER_ERROR') continue;
            logger.error(
              { requestId: contextValue?.request?.requestId, err: error.originalError ?? error, path: error.path },
              'unexpected error',
            );
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          for (const error of response.body.singleResult.errors ?? []) {
            if (error.extensions?.code === 'INTERNAL_SERVER_ERROR' && contextValue?.request) {
              (error.extensions as Record<string, unknown>).requestId = contextValue.request.requestId;
            }
          }
        },
      };
    },
  };
}

export async function startApollo(
  schema: GraphQLSchema,
  config: Config,
  logger: Logger,
  trustedDocuments: TrustedDocuments,
  metrics: GatewayMetrics,
  tracing?: Tracing,
): Promise<ApolloServer<RequestContext>> {
  const development = config.env !== 'production';
  const limits = operationLimits(schema, config.graphqlLimits, { introspection: development });
  const server = new ApolloServer<RequestContext>({
    // Traced, each operation runs in a span of its own (traced-execution.ts); otherwise nothing wraps it.
    gateway: tracing
      ? tracedExecution(compiledExecution(schema, config.queryAdmission, metrics), tracing)
      : compiledExecution(schema, config.queryAdmission, metrics),
    formatError,
    introspection: development,
    // Outside development an error never names a field or type the client did not write ("did you mean").
    hideSchemaDetailsFromClientErrors: !development,
    validationRules: [...limits.validationRules, ...(config.serveSubgraphSdl ? [] : [refuseSubgraphSdl])],
    parseOptions: limits.parseOptions,
    // One operation per HTTP request: a batch would multiply every limit above (and the rate limits).
    allowBatchedHttpRequests: false,
    persistedQueries: persistedQueries(config.apqCacheMebibytes),
    includeStacktraceInErrorResponses: false,
    // Off: credentials travel only in the Authorization header, so a cross-site request that needs
    // no preflight runs as an anonymous caller, a GET runs no mutation, and the one such request
    // that could, an anonymous multipart POST, is refused by graphqlMultipartUploads. Apollo's
    // check would also refuse what frontends send by default (urql's GET queries, uploads).
    csrfPrevention: false,
    // main.ts owns SIGTERM/SIGINT and stops Apollo as one step of an orderly shutdown.
    stopOnTerminationSignals: false,
    plugins: [
      // First: an operation outside the trusted documents is refused before any other check.
      ...(trustedDocuments.enforced ? [trustedOperationsOnly(trustedDocuments)] : []),
      development ? ApolloServerPluginLandingPageLocalDefault({ embed: true }) : ApolloServerPluginLandingPageDisabled(),
      // Operation names label series: beyond the known documents' names they are bounded.
      graphqlMetrics(
        metrics,
        new OperationNameLabels({
          known: trustedDocuments.operationNames(),
          onlyKnown: trustedDocuments.enforced,
          max: config.metrics.maxOperationNames,
        }),
      ),
      maskedErrorLogging(logger),
      refusedCredentials(),
      refusedAuthorizations(),
      // Only with replicas: a hook less on every request otherwise.
      ...(config.readReplicas.urls.length > 0 ? [replicaReads()] : []),
      errorStatus(),
      ...limits.plugins,
      // Both wrap every field resolver (cache hints, federated traces) and the gateway uses neither.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
    ],
  });
  await server.start();
  return server;
}
