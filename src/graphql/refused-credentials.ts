import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import { PUBLIC_OPERATIONS } from '../modules/auth/policy';
import type { RequestContext } from '../modules/request-context';
import { requestRefusal } from './errors';

/**
 * A request whose token was refused (expired, revoked, garbage) answers 401 before anything runs,
 * unless every field it asks for is public: a stale header left behind by a client must not block
 * signing in again, resetting a password, accepting an invitation or reading the legal terms.
 */
export function refusedCredentials(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          const refused = contextValue.refusedCredentials;
          if (!refused || (operation && asksOnlyForPublicFields(operation))) return;
          throw requestRefusal(refused);
        },
      };
    },
  };
}

/** Fragments at the root count as not public: nobody needs them to sign in. */
function asksOnlyForPublicFields(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.every(
    (selection) =>
      selection.kind === Kind.FIELD && (PUBLIC_OPERATIONS.has(selection.name.value) || selection.name.value === '__typename'),
  );
}
