import type { ApolloServerPlugin } from '@apollo/server';
import { type FieldNode, type GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import type { RequestContext } from '../modules/request-context';
import { classifyGraphQLError } from './errors';

/**
 * Records an operation refused with FORBIDDEN as one `authorization.refused` event naming the root
 * field refused: here, once for every service and both transports (REST runs its documents through
 * Apollo). Written on its own, since the refused work wrote nothing (its transaction rolled back);
 * a failure to write it is logged, and the client still gets its answer.
 */
export function refusedAuthorizations(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, operation, contextValue }) {
          const refusal = errors.find((error) => classifyGraphQLError(error).code === 'FORBIDDEN');
          if (!refusal || !contextValue?.services) return;
          try {
            await contextValue.services.audit.recordAlone({
              action: 'authorization.refused',
              targetType: 'operation',
              targetId: refusedField(refusal, operation),
            });
          } catch (error) {
            contextValue.deps.logger.error(
              { requestId: contextValue.request.requestId, err: error },
              'could not record a refused authorization',
            );
          }
        },
      };
    },
  };
}

/**
 * The name of the root field the error is about (its path starts with the field's alias), or of
 * the operation's first root field for a refusal before execution (an API key asking for what only
 * a person may do).
 */
function refusedField(error: GraphQLError, operation: OperationDefinitionNode | undefined): string | null {
  const rootFields = (operation?.selectionSet.selections ?? []).filter(
    (selection): selection is FieldNode => selection.kind === Kind.FIELD,
  );
  const responseKey = error.path?.[0];
  const field = rootFields.find((root) => (root.alias ?? root.name).value === responseKey) ?? rootFields[0];
  return field?.name.value ?? null;
}
