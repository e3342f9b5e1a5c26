import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from './context';

/**
 * A GraphQL operation that failed because the database could not be reached answers like the REST
 * layer: HTTP 503 with `Retry-After`, so clients, proxies and load balancers see a retryable outage
 * instead of a 200. The error itself (`extensions.code = SERVICE_UNAVAILABLE`) is unchanged.
 * It runs after `formatError`, so it reads the codes clients receive.
 */
export function serviceUnavailableStatus(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const unavailable = response.body.singleResult.errors?.find(
            (error) => error.extensions?.code === 'SERVICE_UNAVAILABLE',
          );
          if (!unavailable) return;
          response.http.status = 503;
          const retryAfter = unavailable.extensions?.retryAfter;
          if (typeof retryAfter === 'number') response.http.headers.set('retry-after', String(retryAfter));
        },
      };
    },
  };
}
