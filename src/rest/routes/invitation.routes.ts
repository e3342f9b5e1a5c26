import { z } from 'zod';
import { MAX_EMAIL_LENGTH, MAX_PASSWORD_INPUT_LENGTH, MAX_REST_TOKEN_LENGTH } from '../../shared/field-rules';
import { emailAddress, personName, rowId } from '../field-rule-schemas';
import { INVITATION_FIELDS, USER_FIELDS } from '../fragments';
import { AuthJson, InvitationJson } from '../legacy-objects';
import { presentAuthPayload, presentInvitation } from '../presenters';
import { byIdRoute } from '../route-factories';
import { defineRoute } from '../rest-route';

const invitationBody = z.object({ invitation: InvitationJson });

export const invitationRoutes = [
  defineRoute({
    name: 'Creates user invitation',
    method: 'POST',
    path: '/invitations',
    auth: 'token',
    resourceKey: 'invitation',
    body: z.object({
      email: emailAddress(),
      company_id: rowId(),
      access_id: rowId(),
      first_name: personName().optional(),
      last_name: personName().optional(),
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
    query: z.object({ email: z.string().min(1).max(MAX_EMAIL_LENGTH) }),
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
      token: z.string().max(MAX_REST_TOKEN_LENGTH),
      first_name: personName(),
      last_name: personName(),
      // Only the size: an existing account's own password may predate the rule for new ones.
      password: z.string().max(MAX_PASSWORD_INPUT_LENGTH),
    }),
    document: `mutation AcceptInvitation($input: AcceptInvitationInput!) {
      acceptInvitation(input: $input) { token expiresAt refreshToken user { ...LegacyUser } }
    } ${USER_FIELDS}`,
    variables: ({ body }) => ({
      input: { token: body.token, firstName: body.first_name, lastName: body.last_name, password: body.password },
    }),
    present: ({ acceptInvitation }) => presentAuthPayload(acceptInvitation),
    status: 200,
    response: AuthJson,
    // 403: sent with an API key (only a person accepts an invitation).
    errors: [401, 403, 409, 429],
  }),
  byIdRoute('Revoke an invitation', 'DELETE', '/invitations/:id', {
    document: `mutation RevokeInvitation($id: ID!) { revokeInvitation(id: $id) { ...LegacyInvitation } } ${INVITATION_FIELDS}`,
    present: ({ revokeInvitation }) => ({ invitation: presentInvitation(revokeInvitation) }),
    response: invitationBody,
    errors: [401, 403, 404, 409],
  }),
];
