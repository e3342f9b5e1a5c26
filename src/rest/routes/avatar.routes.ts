import { z } from 'zod';
import { badInput } from '../../shared/errors';
import { COMPANY_FIELDS, USER_FIELDS } from '../fragments';
import { CompanyJson, UserJson } from '../legacy-objects';
import { presentCompany, presentUser } from '../presenters';
import { defineRoute } from '../rest-route';

const positiveId = z.coerce.number().int().positive();

/** `{avatar_base64, name, type}` as the graph's Base64FileInput; the bytes decide the real type. */
const avatarUpload = {
  avatar_base64: z
    .string()
    .min(1)
    .describe('the file in base64; a data:image/...;base64, prefix is tolerated; at most 5 MiB decoded'),
  name: z.string().max(255).default('avatar').describe('the original file name (informative)'),
  type: z.string().max(255).default('application/octet-stream').describe('the MIME type the client claims (informative)'),
};
const toBase64Input = (body: { avatar_base64: string; name: string; type: string }) => ({
  name: body.name,
  type: body.type,
  data: body.avatar_base64,
});

/** Legacy clients send the id of the avatar to remove in the body or in the query string. */
function idFromBodyOrQuery(field: string, body: Record<string, number | undefined>, query: Record<string, number | undefined>) {
  const id = body[field] ?? query[field];
  if (id === undefined)
    throw badInput(`${field} is required (in the body or the query string)`, [{ field, message: 'is required' }]);
  return String(id);
}

const idInBodyOrQuery = (owner: string) =>
  positiveId.optional().describe(`the ${owner}: in the JSON body or in the query string, one of them is required`);

const FILE_ERRORS = [401, 403, 404, 413, 415];

export const avatarRoutes = [
  defineRoute({
    name: 'Upload a user avatar',
    method: 'PUT',
    path: '/users/avatar',
    auth: 'token',
    resourceKey: 'user',
    fieldNames: { 'base64.data': 'avatar_base64', base64: 'avatar_base64' },
    largeBody: true,
    body: z.object({ user_id: positiveId, ...avatarUpload }),
    document: `mutation UploadUserAvatar($userId: ID!, $base64: Base64FileInput!) {
      uploadUserAvatar(userId: $userId, base64: $base64) { ...LegacyUser }
    } ${USER_FIELDS}`,
    variables: ({ body }) => ({ userId: String(body.user_id), base64: toBase64Input(body) }),
    present: ({ uploadUserAvatar }) => ({ user: presentUser(uploadUserAvatar) }),
    status: 200,
    response: z.object({ user: UserJson }),
    errors: FILE_ERRORS,
  }),
  defineRoute({
    name: 'Remove a user avatar',
    method: 'DELETE',
    path: '/users/avatar',
    auth: 'token',
    body: z.object({ user_id: idInBodyOrQuery('user') }),
    query: z.object({ user_id: idInBodyOrQuery('user') }),
    document: `mutation RemoveUserAvatar($userId: ID!) { removeUserAvatar(userId: $userId) { ...LegacyUser } } ${USER_FIELDS}`,
    variables: ({ body, query }) => ({ userId: idFromBodyOrQuery('user_id', body, query) }),
    present: ({ removeUserAvatar }) => ({ user: presentUser(removeUserAvatar) }),
    status: 200,
    response: z.object({ user: UserJson }),
    errors: [401, 403, 404],
  }),
  defineRoute({
    name: 'Upload a company avatar',
    method: 'PUT',
    path: '/companies/avatar',
    auth: 'token',
    resourceKey: 'company',
    fieldNames: { 'base64.data': 'avatar_base64', base64: 'avatar_base64' },
    largeBody: true,
    body: z.object({ company_id: positiveId, ...avatarUpload }),
    document: `mutation UploadCompanyAvatar($companyId: ID!, $base64: Base64FileInput!) {
      uploadCompanyAvatar(companyId: $companyId, base64: $base64) { ...LegacyCompany }
    } ${COMPANY_FIELDS}`,
    variables: ({ body }) => ({ companyId: String(body.company_id), base64: toBase64Input(body) }),
    present: ({ uploadCompanyAvatar }) => ({ company: presentCompany(uploadCompanyAvatar) }),
    status: 200,
    response: z.object({ company: CompanyJson }),
    errors: FILE_ERRORS,
  }),
  defineRoute({
    name: 'Remove a company avatar',
    method: 'DELETE',
    path: '/companies/avatar',
    auth: 'token',
    body: z.object({ company_id: idInBodyOrQuery('company') }),
    query: z.object({ company_id: idInBodyOrQuery('company') }),
    document: `mutation RemoveCompanyAvatar($companyId: ID!) { removeCompanyAvatar(companyId: $companyId) { ...LegacyCompany } } ${COMPANY_FIELDS}`,
    variables: ({ body, query }) => ({ companyId: idFromBodyOrQuery('company_id', body, query) }),
    present: ({ removeCompanyAvatar }) => ({ company: presentCompany(removeCompanyAvatar) }),
    status: 200,
    response: z.object({ company: CompanyJson }),
    errors: [401, 403, 404],
  }),
];
