import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../modules/request-context';

/**
 * Sends the reads of query operations (REST GET routes run queries too) to a read replica. Only
 * once the operation is resolved is it known to be a query: the request context, built before,
 * authenticated the viewer on the primary. Mutations and subscriptions never leave the primary.
 */
export function replicaReads(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (operation?.operation === 'query') contextValue.readFromReplica();
        },
      };
    },
  };
}
