import { readFileSync } from 'node:fs';
import { type GraphQLSchema, Kind, parse, specifiedRules, validate } from 'graphql';
import { ConfigError } from '../config';
import { type DocumentManifest, TrustedDocuments } from './trusted-documents';

/**
 * The trusted documents of the gateway: the REST layer's, and those of the manifest file
 * GRAPHQL_TRUSTED_DOCUMENTS names (none: every operation runs). A manifest that cannot be read, is
 * not client-preset's format, or holds a document that does not parse or is invalid against the
 * schema stops the start, naming the file and the document: otherwise its operations would only
 * fail once clients send them.
 */
export function loadTrustedDocuments(
  file: string | undefined,
  schema: GraphQLSchema,
  restDocuments: readonly string[],
): TrustedDocuments {
  return new TrustedDocuments(file === undefined ? undefined : readManifest(file, schema), restDocuments);
}

function readManifest(file: string, schema: GraphQLSchema): DocumentManifest {
  const invalid = (problem: string) => new ConfigError(`Invalid configuration: GRAPHQL_TRUSTED_DOCUMENTS ${file}: ${problem}`);
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw invalid(code ? `cannot be read (${code})` : 'is not JSON');
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    throw invalid('must be a JSON object of document ids to document texts, as client-preset writes persisted-documents.json');
  }
  for (const [id, text] of Object.entries(manifest)) {
    if (id === '') throw invalid('a document has an empty id');
    if (typeof text !== 'string') throw invalid(`document ${id} is not a string of GraphQL`);
    const problem = documentProblem(text, schema);
    if (problem) throw invalid(`document ${id} ${problem}`);
  }
  return manifest as DocumentManifest;
}

function documentProblem(text: string, schema: GraphQLSchema): string | undefined {
  let document;
  try {
    document = parse(text, { noLocation: true });
  } catch (error) {
    return `does not parse: ${(error as Error).message}`;
  }
  if (!document.definitions.some((definition) => definition.kind === Kind.OPERATION_DEFINITION)) return 'holds no operation';
  const errors = validate(schema, document, specifiedRules);
  return errors.length ? `is invalid against the schema: ${errors.map((error) => error.message).join('; ')}` : undefined;
}
