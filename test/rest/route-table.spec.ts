import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { defineRoute } from '../../src/rest/rest-route';
import { assertRoutesValid } from '../../src/rest/rest-router';
import { REST_ROUTES, REST_STREAM_ROUTES } from '../../src/rest/route-table';
import { useContractApp } from './contract-app';
import { DESCRIBE_ROUTE_CALL } from './describe-route';

const key = (method: string, path: string) => `${method} ${path}`;

describe('the REST route table', () => {
  const app = useContractApp();

  it('has a contract test for every route', () => {
    const tested = new Set<string>();
    for (const file of readdirSync(__dirname).filter((name) => name.endsWith('.spec.ts'))) {
      for (const [, method, path] of readFileSync(join(__dirname, file), 'utf8').matchAll(DESCRIBE_ROUTE_CALL))
        tested.add(key(method, path));
    }
    const untested = [...REST_ROUTES, ...REST_STREAM_ROUTES]
      .map((route) => key(route.method, route.path))
      .filter((route) => !tested.has(route));
    expect(untested).toEqual([]);
  });

  it('starts the app of every REST test through startContractApp, so that each answer is checked against the document', () => {
    // test-app starts an unchecked app, and setup's useTestApp/useTestWorld do by default (contract-app wraps them).
    const unchecked = readdirSync(__dirname)
      .filter((name) => name.endsWith('.spec.ts'))
      .filter((name) => /from '\.\.\/helpers\/(test-app|setup)'/.test(readFileSync(join(__dirname, name), 'utf8')));
    expect(unchecked).toEqual([]);
  });

  it('answers PATCH wherever PUT updates, with the same route', () => {
    const puts = REST_ROUTES.filter((route) => route.method === 'PUT');
    const patches = REST_ROUTES.filter((route) => route.method === 'PATCH');
    expect(patches).toEqual(puts.map((route) => ({ ...route, method: 'PATCH' })));
  });

  it('takes the body of every create and update route wrapped in the key Rails would wrap it in', () => {
    const keys = REST_ROUTES.filter((route) => route.resourceKey).map((route) => [
      key(route.method, route.path),
      route.resourceKey,
    ]);
    expect(Object.fromEntries(keys)).toEqual({
      'POST /users': 'user',
      'PUT /users/:id': 'user',
      'PATCH /users/:id': 'user',
      'PUT /users/avatar': 'user',
      'PATCH /users/avatar': 'user',
      'PUT /companies/avatar': 'company',
      'PATCH /companies/avatar': 'company',
      'PUT /onboarding/approve_terms': 'onboarding',
      'PATCH /onboarding/approve_terms': 'onboarding',
      'POST /companies': 'company',
      'POST /invitations': 'invitation',
      'POST /imports': 'import_file',
      'POST /api_keys': 'api_key',
      'POST /webhooks': 'webhook',
      'PUT /webhooks/:id': 'webhook',
      'PATCH /webhooks/:id': 'webhook',
    });
  });

  it('publishes every route, its parameters and its statuses in the OpenAPI document', async () => {
    const { status, body } = await app.request('GET', '/api/v1/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const route of REST_ROUTES) {
      const operation = body.paths[`/api/v1${route.path.replace(/:(\w+)/g, '{$1}')}`]?.[route.method.toLowerCase()];
      expect(operation).toBeDefined();
      const success = typeof route.status === 'function' ? route.successStatuses! : [route.status];
      expect(Object.keys(operation.responses)).toEqual(
        expect.arrayContaining([...success, 400, 500, 503, ...route.errors].map(String)),
      );
      for (const name of route.path.match(/:(\w+)/g) ?? []) {
        expect(operation.parameters).toContainEqual(expect.objectContaining({ name: name.slice(1), in: 'path', required: true }));
      }
      expect(operation.security).toEqual(route.auth === 'token' ? [{ bearerAuth: [] }] : []);
    }
  });

  it('refuses to start with a route whose document does not validate against the schema', async () => {
    const broken = defineRoute({
      name: 'Broken',
      method: 'GET',
      path: '/broken',
      auth: 'token',
      document: 'query Broken { users { nonexistentField } }',
      variables: () => ({}),
      present: (data) => data,
      status: 200,
      response: REST_ROUTES[0].response,
      errors: [],
    });
    const schema = await buildGatewaySchema();
    expect(() => assertRoutesValid([...REST_ROUTES, broken], schema)).toThrow(/GET \/broken .*nonexistentField/);
    expect(() => assertRoutesValid([...REST_ROUTES, ...REST_STREAM_ROUTES], schema)).not.toThrow();
  });

  it('answers unknown routes with 404 and wrong methods with 405, in the error shape', async () => {
    const unknown = await app.request('GET', '/api/v1/nothing/here');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    const outsideApi = await app.request('GET', '/nothing/here');
    expect(outsideApi.status).toBe(404);
    expect(outsideApi.body).toEqual({ error: { code: 'NOT_FOUND', message: 'no route GET /nothing/here' } });
    const wrongMethod = await app.request('DELETE', '/api/v1/stages');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(wrongMethod.body.error.code).toBe('BAD_USER_INPUT');
  });
});
