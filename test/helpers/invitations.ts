import { Invitation } from '../../src/modules/invitation/invitation.entity';
import type { Actor, World } from './fixtures';
import { mailsTo, tokenFromMail } from './outbox';
import type { HttpResult, TestApp } from './test-app';

const FIELDS = 'id email status expiresAt createdAt company { id name } access { key } invitedBy { id }';
export const CREATE_INVITATION = `mutation($input: CreateInvitationInput!) { createInvitation(input: $input) { ${FIELDS} } }`;
export const REVOKE_INVITATION = `mutation($id: ID!) { revokeInvitation(id: $id) { ${FIELDS} } }`;
export const PENDING_INVITATIONS = `query($email: String!) { pendingInvitations(email: $email) { ${FIELDS} } }`;
export const ACCEPT_INVITATION = `mutation($input: AcceptInvitationInput!) {
  acceptInvitation(input: $input) { token expiresAt user { id email firstName lastName status } }
}`;
export const NEW_PASSWORD = 'a fresh invitee passphrase 8';

export type Viewer = Actor;

/**
 * Calls the invitation operations as a fixture user and remembers every response body, so a test
 * can check that no mailed token ever comes back through the API (use it inside tests and hooks).
 */
export function invitationHelpers(app: TestApp, world: World) {
  const responses: string[] = [];
  let serial = 0;

  const call = async (query: string, variables: Record<string, unknown>, viewer: Viewer): Promise<HttpResult> => {
    const result = await app.graphql(query, variables, world.tokenOf(viewer));
    responses.push(JSON.stringify(result.body));
    return result;
  };
  const create = (viewer: Viewer, input: Record<string, unknown> = {}) =>
    call(
      CREATE_INVITATION,
      {
        input: {
          email: `invitee${++serial}@example.com`,
          companyId: String(world.companies.acmeEast),
          accessId: String(world.accessIds.member),
          ...input,
        },
      },
      viewer,
    );

  return {
    responses,
    create,
    /** Creates an invitation that must succeed; returns it with the token of the link mailed for it. */
    async invite(viewer: Viewer, input: Record<string, unknown> = {}) {
      const { body } = await create(viewer, input);
      expect(body.errors).toBeUndefined();
      const invitation = body.data.createInvitation;
      const mails = await mailsTo(app, invitation.email);
      return { invitation, token: tokenFromMail(mails[mails.length - 1]), mailCount: mails.length };
    },
    accept: (token: string, input: Record<string, unknown> = {}) =>
      call(
        ACCEPT_INVITATION,
        { input: { token, firstName: 'Ivy', lastName: 'Invitee', password: NEW_PASSWORD, ...input } },
        'anonymous',
      ),
    revoke: (viewer: Viewer, id: string) => call(REVOKE_INVITATION, { id }, viewer),
    pending: (viewer: Viewer, email: string) => call(PENDING_INVITATIONS, { email }, viewer),
    row: (id: string | number) => app.orm.em.fork().findOneOrFail(Invitation, Number(id)),
    /** Moves the expiry into the past, as time would. */
    expire: (id: string | number) =>
      app.orm.em
        .getConnection()
        .execute(`update invitations set expires_at = now() - interval '1 minute' where id = ?`, [Number(id)]),
  };
}
