import { z } from 'zod';
import { apiKeyName, rowId } from '../field-rule-schemas';
import { API_KEY_FIELDS } from '../fragments';
import { ApiKeyJson } from '../legacy-objects';
import { presentApiKey } from '../presenters';
import { byIdRoute } from '../route-factories';
import { defineRoute } from '../rest-route';

const companyId = z.coerce.number().int().positive();

/** API keys: for admins of the company, signed in as a person (a key answers 403 here). */
export const apiKeyRoutes = [
  defineRoute({
    name: 'Create an API key',
    method: 'POST',
    path: '/api_keys',
    auth: 'token',
    resourceKey: 'api_key',
    body: z.object({
      company_id: rowId(),
      access_id: rowId().describe('at most your own rank in the company'),
      name: apiKeyName(),
      expires_at: z.iso.datetime({ offset: true }).nullable().optional().describe('in the future; omitted: until revoked'),
    }),
    document: `mutation CreateApiKey($input: CreateApiKeyInput!) {
      createApiKey(input: $input) { secret apiKey { ...LegacyApiKey } }
    } ${API_KEY_FIELDS}`,
    variables: ({ body }) => ({
      input: {
        companyId: String(body.company_id),
        accessId: String(body.access_id),
        name: body.name,
        expiresAt: body.expires_at,
      },
    }),
    present: ({ createApiKey }) => ({ api_key: presentApiKey(createApiKey.apiKey), secret: createApiKey.secret }),
    status: 201,
    response: z.object({
      api_key: ApiKeyJson,
      secret: z.string().describe('`lsk_…`, shown only in this answer: send it as `Authorization: Bearer <secret>`'),
    }),
    errors: [401, 403, 404],
  }),
  defineRoute({
    name: "List a company's API keys",
    method: 'GET',
    path: '/api_keys',
    auth: 'token',
    query: z.object({ company_id: companyId }),
    document: `query ListApiKeys($companyId: ID!) { apiKeys(companyId: $companyId) { ...LegacyApiKey } } ${API_KEY_FIELDS}`,
    variables: ({ query }) => ({ companyId: String(query.company_id) }),
    present: ({ apiKeys }) => ({ api_keys: apiKeys.map(presentApiKey) }),
    status: 200,
    response: z.object({ api_keys: z.array(ApiKeyJson).describe('newest first, revoked ones included') }),
    errors: [401, 403, 404],
  }),
  byIdRoute('Revoke an API key', 'DELETE', '/api_keys/:id', {
    document: `mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) { ...LegacyApiKey } } ${API_KEY_FIELDS}`,
    present: ({ revokeApiKey }) => ({ api_key: presentApiKey(revokeApiKey) }),
    response: z.object({ api_key: ApiKeyJson }),
    errors: [401, 403, 404],
  }),
];
