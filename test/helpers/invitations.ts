import { Access, type AccessKey } from '../../src/modules/access/access.entity';
import { Invitation } from '../../src/modules/invitation/invitation.entity';
import type { World } from './fixtures';
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

export type Viewer = keyof World['users'] | 'anonymous';

/**
 * Calls the invitation operations as a fixture user and remembers every response body, so a test
 * can check that no mailed token ever comes back through the API.
 */
export async function invitationHelpers(app: TestApp, world: World) {
  const accesses = await app.orm.em.fork().find(Access, {});
  const accessIds = Object.fromEntries(accesses.map((access) => [access.key, String(access.id)])) as Record<AccessKey, string>;
  const responses: string[] = [];
  let serial = 0;

  const call = async (query: string, variables: Record<string, unknown>, viewer: Viewer): Promise<HttpResult> => {
    const result = await app.graphql(query, variables, viewer === 'anonymous' ? undefined : world.token(viewer));
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
          accessId: accessIds.member,
          ...input,
        },
      },
      viewer,
    );

  return {
    accessIds,
    responses,
    create,
    /** Creates an invitation that must succeed; returns it with the token of the link mailed for it. */
    async invite(viewer: Viewer, input: Record<string, unknown> = {}) {
      const { body } = await create(viewer, input);
      expect(body.errors).toBeUndefined();
      const invitation = body.data.createInvitation;
      const mails = mailsTo(app.dataDir, invitation.email);
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

export function expectRefused(result: HttpResult, code: string, message?: string): void {
  expect(result.body.data ?? null).toBeNull();
  expect(result.body.errors[0].extensions.code).toBe(code);
  if (message !== undefined) expect(result.body.errors[0].message).toBe(message);
}
