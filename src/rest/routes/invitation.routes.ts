import { z } from 'zod';
import { INVITATION_FIELDS, USER_FIELDS } from '../fragments';
import { InvitationJson, UserJson } from '../legacy-objects';
import { presentInvitation, presentUser } from '../presenters';
import { defineRoute, idParam } from '../rest-route';

const invitationBody = z.object({ invitation: InvitationJson });
const optionalName = z.string().max(100).optional();

export const invitationRoutes = [
  defineRoute({
    name: 'Creates user invitation',
    method: 'POST',
    path: '/invitations',
    auth: 'token',
    resourceKey: 'invitation',
    body: z.object({
      email: z.string().max(254),
      company_id: z.coerce.number().int().positive(),
      access_id: z.coerce.number().int().positive(),
      first_name: optionalName,
      last_name: optionalName,
    }),
    document: `mutation CreateInvitation($input: CreateInvitationInput!) { createInvitation(input: $input) { ...LegacyInvitation } } ${INVITATION_FIELDS}`,
    variables: ({ body }) => ({
      input: {
        email: body.email,
        companyId: String(body.company_id),
        accessId: String(body.access_id),
        firstName: body.first_name,
        lastName: body.last_name,
      },
    }),
    present: ({ createInvitation }) => ({ invitation: presentInvitation(createInvitation) }),
    status: 201,
    response: invitationBody,
    errors: [401, 403, 404, 409, 429],
  }),
  defineRoute({
    name: 'Get pending invitations by email',
    method: 'GET',
    path: '/invitations/pending',
    auth: 'token',
    query: z.object({ email: z.string().min(1).max(254) }),
    document: `query PendingInvitations($email: String!) { pendingInvitations(email: $email) { ...LegacyInvitation } } ${INVITATION_FIELDS}`,
    variables: ({ query }) => ({ email: query.email }),
    present: ({ pendingInvitations }) => ({ invitations: pendingInvitations.map(presentInvitation) }),
    status: 200,
    response: z.object({ invitations: z.array(InvitationJson) }),
    errors: [401],
  }),
  defineRoute({
    name: 'Accept an invitation',
    method: 'POST',
    path: '/invitations/accept',
    auth: 'public',
    body: z.object({
      token: z.string().max(200),
      first_name: z.string().max(100),
      last_name: z.string().max(100),
      password: z.string().max(1024),
    }),
    document: `mutation AcceptInvitation($input: AcceptInvitationInput!) {
      acceptInvitation(input: $input) { token expiresAt user { ...LegacyUser } }
    } ${USER_FIELDS}`,
    variables: ({ body }) => ({
      input: { token: body.token, firstName: body.first_name, lastName: body.last_name, password: body.password },
    }),
    present: ({ acceptInvitation }) => ({
      token: acceptInvitation.token,
      expires_at: acceptInvitation.expiresAt,
      user: presentUser(acceptInvitation.user),
    }),
    status: 200,
    response: z.object({ token: z.string(), expires_at: z.iso.datetime(), user: UserJson }),
    errors: [401, 409, 429],
  }),
  defineRoute({
    name: 'Revoke an invitation',
    method: 'DELETE',
    path: '/invitations/:id',
    auth: 'token',
    params: idParam(),
    document: `mutation RevokeInvitation($id: ID!) { revokeInvitation(id: $id) { ...LegacyInvitation } } ${INVITATION_FIELDS}`,
    variables: ({ params }) => ({ id: String(params.id) }),
    present: ({ revokeInvitation }) => ({ invitation: presentInvitation(revokeInvitation) }),
    status: 200,
    response: invitationBody,
    errors: [401, 403, 404, 409],
  }),
];
