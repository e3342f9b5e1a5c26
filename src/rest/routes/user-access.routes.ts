import { z } from 'zod';
import { USER_ACCESS_FIELDS } from '../fragments';
import { UserAccessJson } from '../legacy-objects';
import { presentUserAccess } from '../presenters';
import { defineRoute, idParam } from '../rest-route';

const grants = z.object({
  user_accesses: z
    .array(
      z.object({
        company_id: z.coerce.number().int().positive(),
        access_id: z.coerce.number().int().positive(),
        primary: z.boolean().optional(),
      }),
    )
    .min(1)
    .max(50),
});
const toGrantInputs = ({ user_accesses }: z.infer<typeof grants>) =>
  user_accesses.map((grant) => ({
    companyId: String(grant.company_id),
    accessId: String(grant.access_id),
    primary: grant.primary,
  }));
const grantList = z.object({ user_accesses: z.array(UserAccessJson) });

export const userAccessRoutes = [
  defineRoute({
    name: 'Create user_accesses for a user',
    method: 'POST',
    path: '/users/:user_id/user_accesses',
    auth: 'token',
    params: idParam('user_id'),
    body: grants,
    fieldNames: { accesses: 'user_accesses' },
    document: `mutation AddUserAccesses($userId: ID!, $accesses: [UserAccessInput!]!) {
      addUserAccesses(userId: $userId, accesses: $accesses) { ...LegacyUserAccess }
    } ${USER_ACCESS_FIELDS}`,
    variables: ({ params, body }) => ({ userId: String(params.user_id), accesses: toGrantInputs(body) }),
    present: ({ addUserAccesses }) => ({ user_accesses: addUserAccesses.map(presentUserAccess) }),
    status: 201,
    response: grantList,
    errors: [401, 403, 404, 409],
  }),
  defineRoute({
    name: 'Show user_accesses for a user',
    method: 'GET',
    path: '/users/:user_id/user_accesses',
    auth: 'token',
    params: idParam('user_id'),
    document: `query ShowUserAccesses($userId: ID!) { user(id: $userId) { accesses { ...LegacyUserAccess } } } ${USER_ACCESS_FIELDS}`,
    variables: ({ params }) => ({ userId: String(params.user_id) }),
    present: ({ user }) => ({ user_accesses: user.accesses.map(presentUserAccess) }),
    status: 200,
    response: grantList,
    errors: [401, 404],
  }),
  defineRoute({
    name: 'Update user_accesses for a user',
    method: 'PUT',
    path: '/users/:user_id/user_accesses',
    auth: 'token',
    params: idParam('user_id'),
    body: grants,
    fieldNames: { accesses: 'user_accesses' },
    document: `mutation SetUserAccesses($userId: ID!, $accesses: [UserAccessInput!]!) {
      setUserAccesses(userId: $userId, accesses: $accesses) { ...LegacyUserAccess }
    } ${USER_ACCESS_FIELDS}`,
    variables: ({ params, body }) => ({ userId: String(params.user_id), accesses: toGrantInputs(body) }),
    present: ({ setUserAccesses }) => ({ user_accesses: setUserAccesses.map(presentUserAccess) }),
    status: 200,
    response: grantList,
    errors: [401, 403, 404, 409],
  }),
  defineRoute({
    name: 'Remove an specific user_access',
    method: 'DELETE',
    path: '/user_accesses/:id',
    auth: 'token',
    params: idParam(),
    document: `mutation RemoveUserAccess($id: ID!) { removeUserAccess(id: $id) { ...LegacyUserAccess } } ${USER_ACCESS_FIELDS}`,
    variables: ({ params }) => ({ id: String(params.id) }),
    present: ({ removeUserAccess }) => ({ user_access: presentUserAccess(removeUserAccess) }),
    status: 200,
    response: z.object({ user_access: UserAccessJson }),
    errors: [401, 403, 404, 409],
  }),
];
