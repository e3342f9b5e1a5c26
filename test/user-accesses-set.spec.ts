import { UserAccess } from '../src/modules/access/user-access.entity';
import { Company } from '../src/modules/company/company.entity';
import { Membership } from '../src/modules/membership/membership.entity';
import { ADD, GRANT_CHANGES_BY_VIEWER, REMOVE, SET, shape, userAccessHelpers } from './helpers/user-accesses';
import { standIn, useTestWorld } from './helpers/setup';
import { expectRefused } from './helpers/expect';

describe('user accesses: replace and membership capacity', () => {
  const { app, world } = useTestWorld();
  const h = userAccessHelpers(app, world);
  const c = standIn(() => world.companies);

  describe('setUserAccesses', () => {
    it('keeps, changes, adds and removes grants in one go', async () => {
      const userId = await h.makeUser([
        [c.acmeEast, 'member'],
        [c.acmeEastLab, 'member'],
      ]);
      const [east] = await h.rowsOf(userId);
      const accesses = [h.grant(c.acmeEast, 'manager'), h.grant(c.acme, 'member', true)];
      const { body } = await app.graphql(SET, { userId, accesses }, world.token('acmeAdmin'));
      expect(body.errors).toBeUndefined();
      const rows = await h.rowsOf(userId);
      expect(rows).toEqual([
        { id: east.id, companyId: c.acmeEast, access: 'manager', primary: false },
        { id: expect.any(Number), companyId: c.acme, access: 'member', primary: true },
      ]);
      expect(body.data.setUserAccesses.map((g: { id: string }) => Number(g.id))).toEqual(rows.map((row) => row.id));
      await h.expectOnePrimaryPerUser();
    });

    it('promotes the oldest remaining grant when the primary is dropped', async () => {
      const userId = await h.makeUser([
        [c.acmeEast, 'member'],
        [c.acmeEastLab, 'member'],
      ]);
      const accesses = [h.grant(c.acme, 'member'), h.grant(c.acmeEastLab, 'manager')];
      expect((await app.graphql(SET, { userId, accesses }, world.token('acmeAdmin'))).body.errors).toBeUndefined();
      expect(shape(await h.rowsOf(userId))).toEqual([
        { companyId: c.acmeEastLab, access: 'manager', primary: true },
        { companyId: c.acme, access: 'member', primary: false },
      ]);
      await h.expectOnePrimaryPerUser();
    });

    it('leaves grants in companies the viewer does not manage untouched, and hides them', async () => {
      const userId = await h.makeUser([
        [c.globexWest, 'member'],
        [c.acmeEast, 'member'],
      ]);
      const [west] = await h.rowsOf(userId);
      const { body } = await app.graphql(
        SET,
        { userId, accesses: [h.grant(c.acmeEastLab, 'manager')] },
        world.token('acmeAdmin'),
      );
      expect(body.errors).toBeUndefined();
      expect(body.data.setUserAccesses).toEqual([
        expect.objectContaining({ company: { id: String(c.acmeEastLab) }, primary: false }),
      ]);
      expect(await h.rowsOf(userId)).toEqual([
        west,
        { id: expect.any(Number), companyId: c.acmeEastLab, access: 'manager', primary: false },
      ]);

      // Moving the primary would change the Globex grant: refused, nothing written.
      const before = await h.rowsOf(userId);
      const moved = await app.graphql(
        SET,
        { userId, accesses: [h.grant(c.acmeEastLab, 'manager', true)] },
        world.token('acmeAdmin'),
      );
      expectRefused(moved, 'FORBIDDEN');
      expect(await h.rowsOf(userId)).toEqual(before);
    });

    it('leaves a super_admin grant to super_admins', async () => {
      const userId = await h.makeUser([
        [c.acme, 'super_admin'],
        [c.acmeEast, 'member'],
      ]);
      const [superGrant] = await h.rowsOf(userId);
      const admin = world.token('acmeAdmin');
      expectRefused(await app.graphql(SET, { userId, accesses: [h.grant(c.acme, 'admin')] }, admin), 'FORBIDDEN');
      expectRefused(await app.graphql(REMOVE, { id: superGrant.id }, admin), 'FORBIDDEN');
      const { body } = await app.graphql(SET, { userId, accesses: [h.grant(c.acmeEastLab, 'member')] }, admin);
      expect(body.errors).toBeUndefined();
      expect(await h.rowsOf(userId)).toEqual([
        superGrant,
        { id: expect.any(Number), companyId: c.acmeEastLab, access: 'member', primary: false },
      ]);

      const bySuperAdmin = await app.graphql(SET, { userId, accesses: [h.grant(c.acme, 'admin')] }, world.token('superAdmin'));
      expect(bySuperAdmin.body.errors).toBeUndefined();
      expect(shape(await h.rowsOf(userId))).toEqual([{ companyId: c.acme, access: 'admin', primary: true }]);
    });

    it('refuses an empty set, so the user keeps its accesses', async () => {
      const userId = await h.makeUser([[c.acmeEast, 'member']]);
      const before = await h.rowsOf(userId);
      const refused = await app.graphql(SET, { userId, accesses: [] }, world.token('acmeAdmin'));
      expectRefused(refused, 'BAD_USER_INPUT', { field: 'accesses' });
      expect(await h.rowsOf(userId)).toEqual(before);
    });

    it.each(GRANT_CHANGES_BY_VIEWER)('as %s answers %s', async (viewer, code) => {
      const userId = await h.makeUser([[c.acmeEast, 'member']]);
      const accesses = [h.grant(c.acmeEastLab, 'manager')];
      const { after } = await h.changeGrants(userId, code, () => app.graphql(SET, { userId, accesses }, world.tokenOf(viewer)));
      if (code === 'ok') expect(shape(after)).toEqual([{ companyId: c.acmeEastLab, access: 'manager', primary: true }]);
    });
  });

  describe('membership capacity of a tree', () => {
    let solo: number;
    let soloBranch: number;

    beforeAll(async () => {
      const em = app.orm.em.fork();
      const membership = em.create(Membership, { name: 'Solo', maxUsers: 1, priceCents: 0, currency: 'EUR' });
      const root = em.create(Company, { name: 'Solo Inc', membership });
      const branch = em.create(Company, { name: 'Solo Branch', parent: root, membership });
      await em.flush();
      [solo, soloBranch] = [root.id, branch.id];
    });

    const usersOfTree = async () =>
      new Set((await app.orm.em.fork().find(UserAccess, { company: [solo, soloBranch] })).map((grant) => grant.user.id)).size;

    it('counts distinct users across the whole tree: one more is a CONFLICT that writes nothing', async () => {
      const superAdmin = world.token('superAdmin');
      const first = await h.makeUser([[c.acmeEast, 'member']]);
      expect(
        (await app.graphql(ADD, { userId: first, accesses: [h.grant(solo, 'member')] }, superAdmin)).body.errors,
      ).toBeUndefined();
      // The same person in a second company of the tree is still one user of the plan.
      expect(
        (await app.graphql(ADD, { userId: first, accesses: [h.grant(soloBranch, 'member')] }, superAdmin)).body.errors,
      ).toBeUndefined();

      const second = await h.makeUser([[c.acmeEast, 'member']]);
      const before = await h.rowsOf(second);
      const accesses = [h.grant(c.acmeEastLab, 'member', true), h.grant(soloBranch, 'member')];
      const refused = await app.graphql(ADD, { userId: second, accesses }, superAdmin);
      expectRefused(refused, 'CONFLICT');
      expect(refused.body.errors[0].message).toMatch(/Solo Inc is limited to 1 users/);
      expect(await h.rowsOf(second)).toEqual(before);
      expect(await usersOfTree()).toBe(1);
    });

    it('leaves the old set intact when a replacement fails', async () => {
      const userId = await h.makeUser([
        [c.acmeEast, 'member'],
        [c.acmeEastLab, 'member'],
      ]);
      const before = await h.rowsOf(userId);
      const accesses = [h.grant(c.acmeEast, 'admin'), h.grant(soloBranch, 'member', true)];
      expectRefused(await app.graphql(SET, { userId, accesses }, world.token('superAdmin')), 'CONFLICT');
      expect(await h.rowsOf(userId)).toEqual(before);
      expect(await usersOfTree()).toBe(1);
      await h.expectOnePrimaryPerUser();
    });
  });
});
