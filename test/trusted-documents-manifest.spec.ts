import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { GraphQLSchema } from 'graphql';
import { ConfigError } from '../src/config';
import { buildGatewaySchema } from '../src/graphql/schema';
import { documentId } from '../src/graphql/trusted-documents';
import { loadTrustedDocuments } from '../src/graphql/trusted-documents-file';
import { printRestDocuments, REST_DOCUMENTS_FILE } from '../src/rest/emit-documents';
import { REST_DOCUMENTS } from '../src/rest/rest-documents';
import { startTestApp, testConfig } from './helpers/test-app';

/** GRAPHQL_TRUSTED_DOCUMENTS' file: checked at start-up, and the REST layer's own manifest. */
const directory = mkdtempSync(join(tmpdir(), 'trusted-manifest-'));
const fileWith = (name: string, content: string) => {
  const file = join(directory, name);
  writeFileSync(file, content);
  return file;
};
const ME = 'query Me { me { id } }';

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildGatewaySchema();
});

describe('a manifest that cannot be trusted stops the start, naming the file and the document', () => {
  it.each([
    ['missing', join(directory, 'absent.json'), /absent\.json: cannot be read \(ENOENT\)/],
    ['not JSON', fileWith('garbled.json', '{"a": '), /garbled\.json: is not JSON/],
    ['an array', fileWith('array.json', JSON.stringify([ME])), /must be a JSON object of document ids to document texts/],
    ['a value that is not a string', fileWith('number.json', JSON.stringify({ a: ME, b: 42 })), /document b is not a string/],
    ['a document that does not parse', fileWith('syntax.json', JSON.stringify({ a: 'query {' })), /document a does not parse/],
    [
      'a document invalid against the schema',
      fileWith('field.json', JSON.stringify({ a: '{ nope }' })),
      /document a is invalid against the schema: Cannot query field "nope"/,
    ],
    [
      'a document without an operation',
      fileWith('fragment.json', JSON.stringify({ a: 'fragment F on User { id }' })),
      /document a holds no operation/,
    ],
    ['an empty id', fileWith('empty-id.json', JSON.stringify({ '': ME })), /a document has an empty id/],
  ])('%s', (_case, file, message) => {
    const load = () => loadTrustedDocuments(file, schema, REST_DOCUMENTS);
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^Invalid configuration: GRAPHQL_TRUSTED_DOCUMENTS /);
    expect(load).toThrow(message);
  });

  it('is refused by the app itself before it serves', async () => {
    await expect(startTestApp({ GRAPHQL_TRUSTED_DOCUMENTS: join(directory, 'absent.json') })).rejects.toThrow(ConfigError);
  }, 60_000);
});

describe('the trusted documents', () => {
  it('are enforced only when a manifest is configured; the REST documents resolve by id either way', () => {
    const none = loadTrustedDocuments(undefined, schema, REST_DOCUMENTS);
    expect(none.enforced).toBe(false);
    expect(none.refusal('{ me { id } }')).toBeUndefined();
    expect(none.textOf(documentId(REST_DOCUMENTS[0]))).toBe(REST_DOCUMENTS[0]);

    const some = loadTrustedDocuments(fileWith('one.json', JSON.stringify({ [documentId(ME)]: ME })), schema, REST_DOCUMENTS);
    expect(some.enforced).toBe(true);
    expect(some.refusal(ME)).toBeUndefined();
    expect(some.refusal(REST_DOCUMENTS[0])).toBeUndefined();
    expect(some.refusal('{ me { id } }')?.code).toBe('OPERATION_NOT_TRUSTED');
  });

  it('name their operations, the manifest’s and the REST layer’s, for the metrics', () => {
    const trusted = loadTrustedDocuments(
      fileWith('named.json', JSON.stringify({ [documentId(ME)]: ME })),
      schema,
      REST_DOCUMENTS,
    );
    expect([...trusted.operationNames()]).toEqual(expect.arrayContaining(['Me', 'ShowAccess', 'RevokeSession']));
    expect(trusted.operationNames().has('Unknown')).toBe(false);
  });
});

describe(`${REST_DOCUMENTS_FILE} (npm run documents)`, () => {
  it('matches the REST routes’ documents (run `npm run documents` after changing them)', () => {
    expect(readFileSync(REST_DOCUMENTS_FILE, 'utf8')).toBe(printRestDocuments());
  });

  it('is a manifest the gateway loads: merged into a team’s own, it trusts every REST document', () => {
    const merged = { ...JSON.parse(readFileSync(REST_DOCUMENTS_FILE, 'utf8')), [documentId(ME)]: ME };
    const trusted = loadTrustedDocuments(fileWith('merged.json', JSON.stringify(merged)), schema, []);
    for (const document of REST_DOCUMENTS) expect(trusted.refusal(document)).toBeUndefined();
    expect(trusted.refusal(ME)).toBeUndefined();
  });
});

describe('GRAPHQL_TRUSTED_DOCUMENTS', () => {
  it('is unset by default and resolved against the working directory when set', () => {
    expect(testConfig(directory, undefined).trustedDocumentsFile).toBeUndefined();
    expect(testConfig(directory, undefined, { GRAPHQL_TRUSTED_DOCUMENTS: 'persisted-documents.json' }).trustedDocumentsFile).toBe(
      resolve('persisted-documents.json'),
    );
  });
});
