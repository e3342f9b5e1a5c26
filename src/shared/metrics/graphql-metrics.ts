import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST } from 'graphql';
import { ERROR_CODES } from '../errors';
import type { GatewayMetrics } from './gateway-metrics';
import type { OperationNameLabels } from './operation-names';

const KNOWN_CODES = new Set<string>(ERROR_CODES);

/**
 * Counts every operation Apollo runs (the REST routes' too) once its response is ready: its name
 * (bounded, see operation-names.ts), its type (`unknown` when the document did not even parse),
 * and its outcome, `success` or the code of its first error as the client receives it; with the
 * time since Apollo received it.
 */
export function graphqlMetrics(metrics: GatewayMetrics, names: OperationNameLabels): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ request, document, operation, response }) {
          // An operation that failed validation was never resolved, but its document names it.
          const resolved = operation ?? (document && getOperationAST(document, request.operationName));
          const name = resolved ? resolved.name?.value : request.operationName;
          const result = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
          const code = result.errors?.[0]?.extensions?.code;
          const outcome = code === undefined ? 'success' : KNOWN_CODES.has(String(code)) ? String(code) : 'other';
          metrics.operationEnded(
            names.labelOf(name),
            resolved?.operation ?? 'unknown',
            outcome,
            (performance.now() - started) / 1000,
          );
        },
      };
    },
  };
}
