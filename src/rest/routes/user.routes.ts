import { z } from 'zod';
import {
  MAX_EMAIL_LENGTH,
  MAX_PASSWORD_INPUT_LENGTH,
  MAX_REST_TOKEN_LENGTH,
  MAX_SEARCH_TEXT_LENGTH,
} from '../../shared/field-rules';
import { emailAddress, newPassword, personName, rowId } from '../field-rule-schemas';
import { connectionOf, USER_FIELDS } from '../fragments';
import { AuthJson, UserJson } from '../legacy-objects';
import { presentAuthPayload, presentUser } from '../presenters';
import { byIdRoute, pagedListRoute, plainGetRoute } from '../route-factories';
import { defineRoute, idParam } from '../rest-route';

const userBody = z.object({ user: UserJson });
const STATUS = z.enum(['pending', 'active', 'inactive']);
/** An email or password to look up or verify (login, current_password): only a bound on the size. */
const email = z.string().max(MAX_EMAIL_LENGTH);
const password = z.string().max(MAX_PASSWORD_INPUT_LENGTH);
const RESET_STARTED = 'If the email belongs to an account, a link to reset its password is on its way.';

export const userRoutes = [
  plainGetRoute('Validate JWT', '/users/validate_jwt', {
    document: `query ValidateJwt { validateToken { valid expiresAt user { ...LegacyUser } } } ${USER_FIELDS}`,
    present: ({ validateToken }) => ({
      valid: validateToken.valid,
      expires_at: validateToken.expiresAt,
      user: presentUser(validateToken.user),
    }),
    response: z.object({ valid: z.literal(true), expires_at: z.iso.datetime(), user: UserJson }),
    // 403: sent with an API key, which is no person's session.
    errors: [401, 403],
  }),
  defineRoute({
    name: 'Find a user by email',
    method: 'GET',
    path: '/users/find_by_email',
    auth: 'token',
    query: z.object({ email: z.string().min(1).max(MAX_EMAIL_LENGTH) }),
    document: `query FindUserByEmail($email: String!) { userByEmail(email: $email) { ...LegacyUser } } ${USER_FIELDS}`,
    variables: ({ query }) => ({ email: query.email }),
    present: ({ userByEmail }) => ({ user: presentUser(userByEmail) }),
    status: 200,
    response: userBody,
    errors: [401, 404],
  }),
  defineRoute({
    name: 'Login into the application',
    method: 'POST',
    path: '/users/login',
    auth: 'public',
    body: z.object({ email, password }),
    document: `mutation Login($email: String!, $password: String!) {
      login(email: $email, password: $password) { token expiresAt refreshToken user { ...LegacyUser } }
    } ${USER_FIELDS}`,
    variables: ({ body }) => ({ email: body.email, password: body.password }),
    present: ({ login }) => presentAuthPayload(login),
    status: 200,
    response: AuthJson,
    // 403: sent with an API key (a key cannot sign in).
    errors: [401, 403, 429],
  }),
  pagedListRoute('Show all users', '/users', {
    filters: {
      company_id: z.coerce.number().int().positive().optional(),
      status: STATUS.optional(),
      q: z.string().max(MAX_SEARCH_TEXT_LENGTH).optional(),
    },
    document: `query ListUsers($first: Int, $after: String, $filter: UserFilter) {
      users(first: $first, after: $after, filter: $filter) { ${connectionOf('LegacyUser')} }
    } ${USER_FIELDS}`,
    filterVariables: (query) => ({
      filter: { companyId: query.company_id?.toString(), status: query.status?.toUpperCase(), q: query.q },
    }),
    items: { connection: 'users', key: 'users', present: presentUser, schema: UserJson },
    // 404: company_id names a company the caller cannot see (or none).
    errors: [401, 404],
  }),
  byIdRoute('Show a user', 'GET', '/users/:id', {
    document: `query ShowUser($id: ID!) { user(id: $id) { ...LegacyUser } } ${USER_FIELDS}`,
    present: ({ user }) => ({ user: presentUser(user) }),
    response: userBody,
    errors: [401, 404],
  }),
  defineRoute({
    name: 'Create a user',
    method: 'POST',
    path: '/users',
    auth: 'token',
    resourceKey: 'user',
    body: z.object({
      first_name: personName(),
      last_name: personName(),
      email: emailAddress(),
      password: newPassword().optional().describe('without one the user is pending and gets a mail to choose it'),
      company_id: rowId(),
      access_id: rowId(),
      status: STATUS.optional(),
    }),
    document: `mutation CreateUser($input: CreateUserInput!) { createUser(input: $input) { ...LegacyUser } } ${USER_FIELDS}`,
    variables: ({ body }) => ({
      input: {
        firstName: body.first_name,
        lastName: body.last_name,
        email: body.email,
        password: body.password,
        companyId: String(body.company_id),
        accessId: String(body.access_id),
        status: body.status?.toUpperCase(),
      },
    }),
    present: ({ createUser }) => ({ user: presentUser(createUser) }),
    status: 201,
    response: userBody,
    errors: [401, 403, 404, 409],
  }),
  defineRoute({
    name: 'Update a user',
    method: 'PUT',
    path: '/users/:id',
    auth: 'token',
    resourceKey: 'user',
    params: idParam(),
    body: z.object({
      first_name: personName().optional(),
      last_name: personName().optional(),
      email: emailAddress().optional(),
      status: STATUS.optional(),
      password: newPassword().optional(),
      current_password: password.optional(),
    }),
    document: `mutation UpdateUser($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { ...LegacyUser } } ${USER_FIELDS}`,
    variables: ({ params, body }) => ({
      id: String(params.id),
      input: {
        firstName: body.first_name,
        lastName: body.last_name,
        email: body.email,
        status: body.status?.toUpperCase(),
        password: body.password,
        currentPassword: body.current_password,
      },
    }),
    present: ({ updateUser }) => ({ user: presentUser(updateUser) }),
    status: 200,
    response: userBody,
    errors: [401, 403, 404, 409, 429],
  }),
  defineRoute({
    name: 'Reset user password',
    method: 'POST',
    path: '/users/reset_password',
    auth: 'public',
    body: z
      .object({
        email: email.optional().describe('starts a reset: a link is mailed'),
        token: z.string().max(MAX_REST_TOKEN_LENGTH).optional().describe('with password: finishes a reset'),
        password: newPassword().optional(),
      })
      .refine((body) => (body.email !== undefined) !== (body.token !== undefined && body.password !== undefined), {
        message: 'send either {email} to start a reset or {token, password} to finish one',
      }),
    document: `mutation StartPasswordReset($email: String!) { requestPasswordReset(email: $email) }
      mutation FinishPasswordReset($token: String!, $password: String!) {
        resetPassword(token: $token, password: $password) { ...LegacyUser }
      } ${USER_FIELDS}`,
    operationName: ({ body }) => (body.email !== undefined ? 'StartPasswordReset' : 'FinishPasswordReset'),
    variables: ({ body }) => (body.email !== undefined ? { email: body.email } : { token: body.token, password: body.password }),
    present: (data) => ('resetPassword' in data ? { user: presentUser(data.resetPassword) } : { message: RESET_STARTED }),
    status: ({ body }) => (body.email !== undefined ? 202 : 200),
    successStatuses: [200, 202],
    response: z.union([z.object({ message: z.string() }), userBody]),
    // 403: sent with an API key (a key changes no password).
    errors: [403, 429],
  }),
];
