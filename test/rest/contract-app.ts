import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Actor, World } from '../helpers/fixtures';
import { type SetupOptions, useTestApp, useTestWorld } from '../helpers/setup';
import { type HttpResult, startTestApp, type TestApp, type TestAppOptions } from '../helpers/test-app';

export type { TestApp };

/** `useTestApp` for the REST tests: the app is started through `startContractApp`. */
export function useContractApp(env: Record<string, string> = {}, options: SetupOptions = {}): TestApp {
  return useTestApp(env, { ...options, start: startContractApp });
}

/** `useTestWorld` for the REST tests: the app is started through `startContractApp`, then the fixture world is built. */
export function useContractWorld(env: Record<string, string> = {}, options: SetupOptions = {}): { app: TestApp; world: World } {
  return useTestWorld(env, { ...options, start: startContractApp });
}

/** A REST client of the app: sends `method /api/v1<path>` as a fixture user (no token for 'anonymous'), with a JSON body if given. */
export function restClient(app: TestApp, world: World) {
  return (method: string, path: string, caller: Actor, body?: unknown) =>
    app.request(method, `/api/v1${path}`, { body, headers: world.headers(caller) });
}

/** Who is refused a write that needs an admin of Acme East, with the REST status and code each one gets. */
export const REFUSED_ADMIN_WRITES_IN_ACME_EAST: [Actor, number, string][] = [
  ['eastManager', 403, 'FORBIDDEN'],
  ['eastMember', 403, 'FORBIDDEN'],
  ['globexAdmin', 404, 'NOT_FOUND'],
  ['anonymous', 401, 'UNAUTHENTICATED'],
];

/**
 * The REST contract tests start the app through here: every answer of `/api/v1` they receive is checked
 * against the OpenAPI document the gateway serves (its status must be one the operation documents, with
 * the documented headers and a body valid against the documented schema), so a test that sees the
 * gateway do something its document does not say fails, whatever the test itself asserts.
 */
export async function startContractApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const app = await startTestApp(env, options);
  const problemsOf = responseChecker((await app.request('GET', '/api/v1/openapi.json')).body);
  return {
    ...app,
    async request(method, path, requestOptions) {
      const result = await app.request(method, path, requestOptions);
      const problems = problemsOf(method, path, result);
      if (problems.length) {
        throw new Error(
          `${method} ${path} answered ${result.status}, unlike the OpenAPI document:\n  ${problems.join('\n  ')}\n` +
            `body: ${JSON.stringify(result.body).slice(0, 500)}`,
        );
      }
      return result;
    },
  };
}

interface OpenApiResponse {
  headers?: Record<string, { required?: boolean }>;
  content?: Record<string, unknown>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, OpenApiResponse> }>>;
}

const DOCUMENT_ID = 'https://leadsy.test/api/v1/openapi.json';
/** Served under /api/v1 but not operations of the document: the document itself and its reference page. */
const SELF_DESCRIPTION = /^\/api\/v1\/(openapi\.json|docs(\/.*)?)$/;

function responseChecker(document: OpenApiDocument) {
  const ajv = new Ajv2020({ allErrors: true });
  addFormats(ajv);
  // The document is added whole, so that its `#/components/...` references resolve; its own top-level
  // fields are not JSON Schema keywords.
  ajv.addVocabulary(Object.keys(document));
  ajv.addSchema(document, DOCUMENT_ID);
  const problemsAt = (pointer: string[], value: unknown): string[] => {
    const validate = ajv.getSchema(`${DOCUMENT_ID}#/${pointer.map(pointerSegment).join('/')}`)!;
    return validate(value) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || 'the value'} ${error.message}`);
  };
  // Literal segments win over parameters (`/users/avatar` before `/users/{id}`), as in the router.
  const templates = Object.keys(document.paths)
    .map((template) => ({ template, pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`) }))
    .sort((a, b) => a.template.split('{').length - b.template.split('{').length);

  return (method: string, url: string, result: HttpResult): string[] => {
    const path = url.split('?')[0];
    if (!path.startsWith('/api/v1') || SELF_DESCRIPTION.test(path)) return [];
    const template = templates.find(({ pattern }) => pattern.test(path))?.template;
    const operation = template ? document.paths[template][method.toLowerCase()] : undefined;
    if (!template || !operation) {
      // Outside the document the gateway may only say that there is no such route or method.
      if (![404, 405].includes(result.status)) return [`${method} ${path} is not in the document`];
      return problemsAt(['components', 'schemas', 'Error'], result.body);
    }
    const response = operation.responses[String(result.status)];
    if (!response) return [`status ${result.status} is not documented for ${method} ${template}`];
    const at = ['paths', template, method.toLowerCase(), 'responses', String(result.status)];
    const headerProblems = Object.entries(response.headers ?? {}).flatMap(([name, header]) => {
      const value = result.headers.get(name);
      if (value === null) return header.required ? [`header ${name} is missing`] : [];
      return problemsAt([...at, 'headers', name, 'schema'], /^\d+$/.test(value) ? Number(value) : value).map(
        (problem) => `header ${name}: ${problem}`,
      );
    });
    const mediaType = result.headers.get('content-type')?.split(';')[0] ?? '';
    if (!response.content?.[mediaType]) return [...headerProblems, `content type "${mediaType}" is not documented`];
    const schemaAt = [...at, 'content', mediaType, 'schema'];
    if (mediaType === NDJSON) return [...headerProblems, ...ndjsonProblems(result.body, (line) => problemsAt(schemaAt, line))];
    return [...headerProblems, ...problemsAt(schemaAt, result.body)];
  };
}

const NDJSON = 'application/x-ndjson';

/**
 * A stream of JSON objects, one per line: the document's schema is that of one line (OpenAPI 3.1 has
 * no item schema), so each line is checked against it. The test app hands over the text, or the
 * parsed object when the body is a single line.
 */
function ndjsonProblems(body: unknown, problemsOf: (line: unknown) => string[]): string[] {
  const text = typeof body === 'string' ? body : `${JSON.stringify(body)}\n`;
  if (text !== '' && !text.endsWith('\n')) return ['an NDJSON body must end with a line break'];
  return text
    .split('\n')
    .slice(0, -1)
    .flatMap((line, index) => {
      try {
        return problemsOf(JSON.parse(line)).map((problem) => `line ${index + 1}: ${problem}`);
      } catch {
        return [`line ${index + 1} is not JSON`];
      }
    });
}

/** A JSON pointer segment (RFC 6901) in a URI fragment. */
const pointerSegment = (segment: string) => encodeURIComponent(segment.replaceAll('~', '~0').replaceAll('/', '~1'));
