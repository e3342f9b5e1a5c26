import { Invitation, InvitationStatus } from '../src/modules/invitation/invitation.entity';
import { invitationHelpers, type Viewer } from './helpers/invitations';
import { mailsTo } from './helpers/outbox';
import { useTestWorld } from './helpers/setup';
import { expectRefused } from './helpers/expect';

describe('invitations: who may invite and revoke, and with what', () => {
  const { app, world } = useTestWorld();
  const h = invitationHelpers(app, world);
  let serial = 0;

  const email = () => `matrix${++serial}@example.com`;
  const rowsFor = (address: string) => app.orm.em.fork().find(Invitation, { email: address }, { orderBy: { id: 'asc' } });

  describe('createInvitation', () => {
    it.each<[Viewer, 'acmeEast' | 'acmeEastLab' | 'acme', 'member' | 'manager' | 'admin' | 'super_admin', string]>([
      ['superAdmin', 'acmeEast', 'super_admin', 'OK'],
      ['acmeAdmin', 'acmeEast', 'admin', 'OK'],
      ['acmeAdmin', 'acmeEast', 'super_admin', 'FORBIDDEN'],
      ['globexAdmin', 'acmeEast', 'member', 'NOT_FOUND'],
      ['eastManager', 'acmeEast', 'member', 'OK'],
      ['eastManager', 'acmeEastLab', 'manager', 'OK'],
      ['eastManager', 'acmeEast', 'admin', 'FORBIDDEN'],
      ['eastManager', 'acme', 'member', 'NOT_FOUND'],
      ['eastMember', 'acmeEast', 'member', 'FORBIDDEN'],
      ['labMember', 'acmeEastLab', 'member', 'FORBIDDEN'],
      ['anonymous', 'acmeEast', 'member', 'UNAUTHENTICATED'],
    ])('by %s into %s as %s: %s', async (viewer, company, access, code) => {
      const address = email();
      const result = await h.create(viewer, {
        email: address,
        companyId: String(world.companies[company]),
        accessId: String(world.accessIds[access]),
      });
      if (code === 'OK') {
        expect(result.body.errors).toBeUndefined();
        expect(result.body.data.createInvitation).toMatchObject({ email: address, status: 'PENDING', access: { key: access } });
        expect(await rowsFor(address)).toHaveLength(1);
        expect(await mailsTo(app, address)).toHaveLength(1);
      } else {
        expectRefused(result, code);
        expect(await rowsFor(address)).toHaveLength(0);
        expect(await mailsTo(app, address)).toHaveLength(0);
      }
    });

    it.each([
      ['an invalid email', { email: 'not-an-email' }, 'email'],
      ['an unknown access', { accessId: '999999' }, 'accessId'],
      ['a company id that is not an id', { companyId: 'acme' }, 'companyId'],
      ['a blank first name', { firstName: '   ' }, 'firstName'],
      ['a last name that is too long', { lastName: 'x'.repeat(101) }, 'lastName'],
    ])('refuses %s with BAD_USER_INPUT naming the field', async (_case, input, field) => {
      const before = await app.orm.em.fork().count(Invitation, {});
      expectRefused(await h.create('acmeAdmin', input), 'BAD_USER_INPUT', { field });
      expect(await app.orm.em.fork().count(Invitation, {})).toBe(before);
    });

    it('answers NOT_FOUND for a company that does not exist', async () => {
      expectRefused(await h.create('superAdmin', { companyId: '999999' }), 'NOT_FOUND');
    });

    it('refuses a second pending invitation for the same email and company, whatever the case', async () => {
      const address = email();
      await h.invite('acmeAdmin', { email: address });
      const again = await h.create('eastManager', { email: ` ${address.toUpperCase()} ` });
      expectRefused(again, 'CONFLICT', { message: 'Acme East already has a pending invitation for this email' });
      expect(await rowsFor(address)).toHaveLength(1);
      expect(await mailsTo(app, address)).toHaveLength(1);
      const elsewhere = await h.create('acmeAdmin', { email: address, companyId: String(world.companies.acmeEastLab) });
      expect(elsewhere.body.errors).toBeUndefined();
    });

    it('lets an expired invitation be replaced, recording the old one as expired', async () => {
      const address = email();
      const { invitation } = await h.invite('acmeAdmin', { email: address });
      await h.expire(invitation.id);
      const { body } = await h.create('acmeAdmin', { email: address });
      expect(body.errors).toBeUndefined();
      const rows = await rowsFor(address);
      expect(rows.map((row) => row.status)).toEqual([InvitationStatus.EXPIRED, InvitationStatus.PENDING]);
      expect(rows[0].tokenHash).not.toBe(rows[1].tokenHash);
    });

    it('refuses to invite someone who already holds an access in the company', async () => {
      const result = await h.create('acmeAdmin', { email: 'EastMember@example.com' });
      expectRefused(result, 'CONFLICT', { message: 'the user with this email already holds an access in Acme East' });
      expect(await rowsFor('eastmember@example.com')).toHaveLength(0);
    });
  });

  describe('revokeInvitation', () => {
    it.each<[Viewer, string]>([
      ['superAdmin', 'OK'],
      ['acmeAdmin', 'OK'],
      ['eastManager', 'OK'],
      ['globexAdmin', 'NOT_FOUND'],
      ['westMember', 'NOT_FOUND'],
      ['eastMember', 'FORBIDDEN'],
      ['anonymous', 'UNAUTHENTICATED'],
    ])('of an Acme East invitation by %s: %s', async (viewer, code) => {
      const { invitation } = await h.invite('acmeAdmin');
      const result = await h.revoke(viewer, invitation.id);
      const row = await h.row(invitation.id);
      if (code === 'OK') {
        expect(result.body.errors).toBeUndefined();
        expect(result.body.data.revokeInvitation).toMatchObject({ id: invitation.id, status: 'REVOKED' });
        expect(row.status).toBe(InvitationStatus.REVOKED);
      } else {
        expectRefused(result, code);
        expect(row.status).toBe(InvitationStatus.PENDING);
      }
    });

    it('keeps a manager from revoking an invitation it could not have sent', async () => {
      const { invitation } = await h.invite('acmeAdmin', { accessId: String(world.accessIds.admin) });
      expectRefused(await h.revoke('eastManager', invitation.id), 'FORBIDDEN');
      expect((await h.row(invitation.id)).status).toBe(InvitationStatus.PENDING);
    });

    it('revokes only a pending invitation', async () => {
      const revoked = await h.invite('acmeAdmin');
      await h.revoke('acmeAdmin', revoked.invitation.id);
      expectRefused(await h.revoke('acmeAdmin', revoked.invitation.id), 'CONFLICT');

      const accepted = await h.invite('acmeAdmin');
      expect((await h.accept(accepted.token)).body.errors).toBeUndefined();
      expectRefused(await h.revoke('acmeAdmin', accepted.invitation.id), 'CONFLICT');
      expect((await h.row(accepted.invitation.id)).status).toBe(InvitationStatus.ACCEPTED);

      const expired = await h.invite('acmeAdmin');
      await h.expire(expired.invitation.id);
      expectRefused(await h.revoke('acmeAdmin', expired.invitation.id), 'CONFLICT', {
        message: 'only a pending invitation can be revoked; this one is expired',
      });
      expect((await h.row(expired.invitation.id)).status).toBe(InvitationStatus.EXPIRED);

      expectRefused(await h.revoke('superAdmin', '999999'), 'NOT_FOUND');
    });
  });
});
