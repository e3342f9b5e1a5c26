import { z } from 'zod';
import { rowId } from '../field-rule-schemas';
import { USER_ACCESS_FIELDS } from '../fragments';
import { UserAccessJson } from '../legacy-objects';
import { presentUserAccess } from '../presenters';
import { byIdRoute, type RouteParts } from '../route-factories';
import { defineRoute, idParam, type RestRoute, type SuccessStatus } from '../rest-route';

const userAccesses = z.object({
  user_accesses: z
    .array(
      z.object({
        company_id: rowId(),
        access_id: rowId(),
        primary: z.boolean().optional(),
      }),
    )
    .min(1)
    .max(50),
});
const toUserAccessInputs = ({ user_accesses }: z.infer<typeof userAccesses>) =>
  user_accesses.map((userAccess) => ({
    companyId: String(userAccess.company_id),
    accessId: String(userAccess.access_id),
    primary: userAccess.primary,
  }));
const userAccessList = z.object({ user_accesses: z.array(UserAccessJson) });

/** `POST` (add) or `PUT` (set) of a user's accesses: the body's list runs a mutation taking `$userId` and `$accesses`. */
function changeUserAccessesRoute(
  name: string,
  method: 'POST' | 'PUT',
  parts: Omit<RouteParts, 'auth' | 'response'> & { status: SuccessStatus },
): RestRoute {
  return defineRoute({
    name,
    method,
    path: '/users/:user_id/user_accesses',
    auth: 'token',
    params: idParam('user_id'),
    body: userAccesses,
    fieldNames: { accesses: 'user_accesses' },
    ...parts,
    variables: ({ params, body }) => ({ userId: String(params.user_id), accesses: toUserAccessInputs(body) }),
    response: userAccessList,
  });
}

export const userAccessRoutes = [
  changeUserAccessesRoute('Create user_accesses for a user', 'POST', {
    document: `mutation AddUserAccesses($userId: ID!, $accesses: [UserAccessInput!]!) {
      addUserAccesses(userId: $userId, accesses: $accesses) { ...LegacyUserAccess }
    } ${USER_ACCESS_FIELDS}`,
    present: ({ addUserAccesses }) => ({ user_accesses: addUserAccesses.map(presentUserAccess) }),
    status: 201,
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
    response: userAccessList,
    errors: [401, 404],
  }),
  changeUserAccessesRoute('Update user_accesses for a user', 'PUT', {
    document: `mutation SetUserAccesses($userId: ID!, $accesses: [UserAccessInput!]!) {
      setUserAccesses(userId: $userId, accesses: $accesses) { ...LegacyUserAccess }
    } ${USER_ACCESS_FIELDS}`,
    present: ({ setUserAccesses }) => ({ user_accesses: setUserAccesses.map(presentUserAccess) }),
    status: 200,
    errors: [401, 403, 404, 409],
  }),
  byIdRoute('Remove an specific user_access', 'DELETE', '/user_accesses/:id', {
    document: `mutation RemoveUserAccess($id: ID!) { removeUserAccess(id: $id) { ...LegacyUserAccess } } ${USER_ACCESS_FIELDS}`,
    present: ({ removeUserAccess }) => ({ user_access: presentUserAccess(removeUserAccess) }),
    response: z.object({ user_access: UserAccessJson }),
    errors: [401, 403, 404, 409],
  }),
];
