import { z } from 'zod';
import { MAX_REST_TOKEN_LENGTH } from '../../shared/field-rules';
import { USER_FIELDS } from '../fragments';
import { AuthJson, SessionJson } from '../legacy-objects';
import { presentAuthPayload, presentSession } from '../presenters';
import { defineRoute } from '../rest-route';

const SESSION_FIELDS = 'id createdAt lastUsedAt expiresAt clientIp userAgent current';
const ofUser = z.object({
  user_id: z.coerce.number().int().positive().optional().describe("another user's sessions, for whoever may manage that account"),
});

/** Sessions: refreshing and ending them, and the list of a person's devices. */
export const sessionRoutes = [
  defineRoute({
    name: 'Refresh a session',
    method: 'POST',
    path: '/users/refresh',
    auth: 'public',
    body: z.object({ refresh_token: z.string().min(1).max(MAX_REST_TOKEN_LENGTH) }),
    document: `mutation RefreshSession($refreshToken: String!) {
      refreshSession(refreshToken: $refreshToken) { token expiresAt refreshToken user { ...LegacyUser } }
    } ${USER_FIELDS}`,
    variables: ({ body }) => ({ refreshToken: body.refresh_token }),
    present: ({ refreshSession }) => presentAuthPayload(refreshSession),
    status: 200,
    response: AuthJson,
    errors: [401, 403],
  }),
  defineRoute({
    name: 'Log out',
    method: 'POST',
    path: '/users/logout',
    auth: 'token',
    document: 'mutation Logout { logout }',
    variables: () => ({}),
    present: () => ({ success: true }),
    status: 200,
    response: z.object({ success: z.literal(true) }),
    errors: [401, 403],
  }),
  defineRoute({
    name: 'List sessions',
    method: 'GET',
    path: '/sessions',
    auth: 'token',
    query: ofUser,
    document: `query ListSessions($userId: ID) { sessions(userId: $userId) { ${SESSION_FIELDS} } }`,
    variables: ({ query }) => ({ userId: query.user_id?.toString() }),
    present: ({ sessions }) => ({ sessions: (sessions as Record<string, unknown>[]).map(presentSession) }),
    status: 200,
    response: z.object({ sessions: z.array(SessionJson) }),
    errors: [401, 403, 404],
  }),
  defineRoute({
    name: 'End a session',
    method: 'DELETE',
    path: '/sessions/:id',
    auth: 'token',
    params: z.object({ id: z.uuid() }),
    document: 'mutation RevokeSession($id: ID!) { revokeSession(id: $id) }',
    variables: ({ params }) => ({ id: params.id }),
    present: () => ({ success: true }),
    status: 200,
    response: z.object({ success: z.literal(true) }),
    errors: [401, 403, 404],
  }),
  defineRoute({
    name: 'End every session',
    method: 'DELETE',
    path: '/sessions',
    auth: 'token',
    query: ofUser,
    document: 'mutation RevokeAllSessions($userId: ID) { revokeAllSessions(userId: $userId) }',
    variables: ({ query }) => ({ userId: query.user_id?.toString() }),
    present: ({ revokeAllSessions }) => ({ ended: revokeAllSessions as number }),
    status: 200,
    response: z.object({ ended: z.number().int().min(0).describe('how many sessions ended') }),
    errors: [401, 403, 404],
  }),
];
