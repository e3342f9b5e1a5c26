import { writeFileSync } from 'node:fs';
import { manifestOf } from '../graphql/trusted-documents';
import { REST_DOCUMENTS } from './rest-documents';

export const REST_DOCUMENTS_FILE = 'schema/rest-documents.json';

/** The REST layer's documents as a manifest in client-preset's persisted-documents.json format. */
export function printRestDocuments(): string {
  return `${JSON.stringify(manifestOf(REST_DOCUMENTS), null, 2)}\n`;
}

/** `npm run documents -- [file]`: writes it (by default to the committed schema/rest-documents.json). */
if (require.main === module) {
  writeFileSync(process.argv[2] ?? REST_DOCUMENTS_FILE, printRestDocuments());
}
