import type { ApolloServerPlugin } from '@apollo/server';

/**
 * An operation refused as a whole for too many attempts answers like the REST routes do: HTTP 429
 * with `Retry-After` (the longest wait any of its errors asks for). An operation where something
 * else failed too, or that has data, keeps its status.
 */
export function rateLimitedStatus(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (!errors?.length || !errors.every((error) => error.extensions?.code === 'RATE_LIMITED')) return;
          if (data && Object.values(data).some((value) => value !== null)) return;
          const retryAfter = Math.max(...errors.map((error) => Number(error.extensions?.retryAfter) || 1));
          response.http.status = 429;
          response.http.headers.set('retry-after', String(retryAfter));
        },
      };
    },
  };
}
