import type { ApolloServerPlugin } from '@apollo/server';
import { requestRefusal } from './errors';
import type { TrustedDocuments } from './trusted-documents';

/**
 * With a manifest, refuses an operation whose text is not a trusted document (OPERATION_NOT_TRUSTED,
 * 403) before it runs, whichever way it came: its text, an APQ hash, a `documentId` (documentsById
 * put the text in), or a REST route (its documents are trusted). The first hook Apollo answers a
 * refusal from is didResolveOperation; nothing has executed yet.
 */
export function trustedOperationsOnly(trusted: TrustedDocuments): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ source }) {
          const refusal = trusted.refusal(source);
          if (refusal) throw requestRefusal(refusal);
        },
      };
    },
  };
}
