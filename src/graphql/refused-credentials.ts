import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import { PERSON_ONLY_OPERATIONS, PUBLIC_OPERATIONS } from '../modules/auth/policy';
import { forbidden } from '../shared/errors';
import type { RequestContext } from '../modules/request-context';
import { requestRefusal } from './errors';

/**
 * A request whose token was refused (expired, revoked, garbage) answers 401 before anything runs,
 * unless every field it asks for is public: a stale header left behind by a client must not block
 * signing in again, resetting a password, accepting an invitation or reading the legal terms.
 * A request with an API key asking for what only a person may do answers 403 before anything runs.
 */
export function refusedCredentials(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          const refused = contextValue.refusedCredentials;
          if (refused && !(operation && asksOnlyFor(operation, PUBLIC_OPERATIONS))) throw requestRefusal(refused);
          if (contextValue.credential?.kind === 'api-key' && operation && asksForAnyOf(operation, PERSON_ONLY_OPERATIONS)) {
            throw requestRefusal(forbidden('not with an API key: sessions, passwords and keys belong to people'));
          }
        },
      };
    },
  };
}

/** Fragments at the root count as outside `fields`: nobody needs them to sign in. */
function asksOnlyFor(operation: OperationDefinitionNode, fields: ReadonlySet<string>): boolean {
  return operation.selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && (fields.has(selection.name.value) || selection.name.value === '__typename'),
  );
}

function asksForAnyOf(operation: OperationDefinitionNode, fields: ReadonlySet<string>): boolean {
  return operation.selectionSet.selections.some((selection) => selection.kind !== Kind.FIELD || fields.has(selection.name.value));
}
