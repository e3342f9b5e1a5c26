import { z } from 'zod';
import { badInput } from '../../shared/errors';
import { MAX_FILE_NAME_LENGTH, MAX_MEDIA_TYPE_LENGTH } from '../../shared/field-rules';
import { COMPANY_FIELDS, USER_FIELDS } from '../fragments';
import { CompanyJson, UserJson } from '../legacy-objects';
import { presentCompany, presentUser } from '../presenters';
import type { RouteParts } from '../route-factories';
import { defineRoute, type RestRoute } from '../rest-route';

const positiveId = z.coerce.number().int().positive();

/** `{avatar_base64, name, type}` as the graph's Base64FileInput; the bytes decide the real type. */
const avatarUpload = {
  avatar_base64: z
    .string()
    .min(1)
    .describe('the file in base64; a data:image/...;base64, prefix is tolerated; at most 5 MiB decoded'),
  name: z.string().max(MAX_FILE_NAME_LENGTH).default('avatar').describe('the original file name (informative)'),
  type: z
    .string()
    .max(MAX_MEDIA_TYPE_LENGTH)
    .default('application/octet-stream')
    .describe('the MIME type the client claims (informative)'),
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

type Owner = 'user' | 'company';
type AvatarRouteParts = Omit<RouteParts, 'auth'>;

/**
 * `PUT` of the owner's avatar: `{<owner>_id, avatar_base64, name, type}` (or wrapped in `{"<owner>": ...}`)
 * runs a mutation taking `$<owner>Id` and `$base64`.
 */
function avatarUploadRoute(owner: Owner, name: string, path: string, parts: AvatarRouteParts): RestRoute {
  const idField = `${owner}_id`;
  return defineRoute({
    name,
    method: 'PUT',
    path,
    auth: 'token',
    resourceKey: owner,
    fieldNames: { 'base64.data': 'avatar_base64', base64: 'avatar_base64' },
    largeBody: true,
    body: z.object({ [idField]: positiveId, ...avatarUpload }),
    ...parts,
    variables: ({ body }) => ({
      [`${owner}Id`]: String((body as Record<string, unknown>)[idField]),
      base64: toBase64Input(body),
    }),
    status: 200,
  });
}

/** `DELETE` of the owner's avatar: `<owner>_id` in the body or the query runs a mutation taking `$<owner>Id`. */
function avatarRemoveRoute(owner: Owner, name: string, path: string, parts: AvatarRouteParts): RestRoute {
  const idField = `${owner}_id`;
  return defineRoute({
    name,
    method: 'DELETE',
    path,
    auth: 'token',
    body: z.object({ [idField]: idInBodyOrQuery(owner) }),
    query: z.object({ [idField]: idInBodyOrQuery(owner) }),
    ...parts,
    variables: ({ body, query }) => ({ [`${owner}Id`]: idFromBodyOrQuery(idField, body, query) }),
    status: 200,
  });
}

export const avatarRoutes = [
  avatarUploadRoute('user', 'Upload a user avatar', '/users/avatar', {
    document: `mutation UploadUserAvatar($userId: ID!, $base64: Base64FileInput!) {
      uploadUserAvatar(userId: $userId, base64: $base64) { ...LegacyUser }
    } ${USER_FIELDS}`,
    present: ({ uploadUserAvatar }) => ({ user: presentUser(uploadUserAvatar) }),
    response: z.object({ user: UserJson }),
    errors: FILE_ERRORS,
  }),
  avatarRemoveRoute('user', 'Remove a user avatar', '/users/avatar', {
    document: `mutation RemoveUserAvatar($userId: ID!) { removeUserAvatar(userId: $userId) { ...LegacyUser } } ${USER_FIELDS}`,
    present: ({ removeUserAvatar }) => ({ user: presentUser(removeUserAvatar) }),
    response: z.object({ user: UserJson }),
    errors: [401, 403, 404],
  }),
  avatarUploadRoute('company', 'Upload a company avatar', '/companies/avatar', {
    document: `mutation UploadCompanyAvatar($companyId: ID!, $base64: Base64FileInput!) {
      uploadCompanyAvatar(companyId: $companyId, base64: $base64) { ...LegacyCompany }
    } ${COMPANY_FIELDS}`,
    present: ({ uploadCompanyAvatar }) => ({ company: presentCompany(uploadCompanyAvatar) }),
    response: z.object({ company: CompanyJson }),
    errors: FILE_ERRORS,
  }),
  avatarRemoveRoute('company', 'Remove a company avatar', '/companies/avatar', {
    document: `mutation RemoveCompanyAvatar($companyId: ID!) { removeCompanyAvatar(companyId: $companyId) { ...LegacyCompany } } ${COMPANY_FIELDS}`,
    present: ({ removeCompanyAvatar }) => ({ company: presentCompany(removeCompanyAvatar) }),
    response: z.object({ company: CompanyJson }),
    errors: [401, 403, 404],
  }),
];
