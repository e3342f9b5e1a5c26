import { ADD, GRANT_CHANGES_BY_VIEWER, REMOVE, SET, shape, userAccessHelpers } from './helpers/user-accesses';
import { standIn, useTestWorld } from './helpers/setup';
import { expectRefused } from './helpers/expect';

describe('user accesses: add and remove', () => {
  const { app, world } = useTestWorld();
  const h = userAccessHelpers(app, world);
  const c = standIn(() => world.companies);

  describe('addUserAccesses', () => {
    it('adds a grant, moves the primary when asked and returns every grant by id', async () => {
      const userId = await h.makeUser([[c.acmeEast, 'member']]);
      const { body } = await app.graphql(
        ADD,
        { userId, accesses: [h.grant(c.acmeEastLab, 'manager', true)] },
        world.token('acmeAdmin'),
      );
      expect(body.errors).toBeUndefined();
      const rows = await h.rowsOf(userId);
      expect(shape(rows)).toEqual([
        { companyId: c.acmeEast, access: 'member', primary: false },
        { companyId: c.acmeEastLab, access: 'manager', primary: true },
      ]);
      expect(body.data.addUserAccesses).toEqual(
        rows.map((row) => ({
          id: String(row.id),
          primary: row.primary,
          company: { id: String(row.companyId) },
          access: { key: row.access },
          user: { id: String(userId) },
        })),
      );
      await h.expectOnePrimaryPerUser();
    });

    it('keeps the current primary when no grant is marked primary', async () => {
      const userId = await h.makeUser([[c.acmeEast, 'member']]);
      const accesses = [h.grant(c.acmeEastLab, 'member'), h.grant(c.acme, 'manager', false)];
      const { body } = await app.graphql(ADD, { userId, accesses }, world.token('acmeAdmin'));
      expect(body.errors).toBeUndefined();
      expect(shape(await h.rowsOf(userId))).toEqual([
        { companyId: c.acmeEast, access: 'member', primary: true },
        { companyId: c.acmeEastLab, access: 'member', primary: false },
        { companyId: c.acme, access: 'manager', primary: false },
      ]);
      await h.expectOnePrimaryPerUser();
    });

    it.each(GRANT_CHANGES_BY_VIEWER)('as %s answers %s', async (viewer, code) => {
      const userId = await h.makeUser([[c.acmeEast, 'member']]);
      const accesses = [h.grant(c.acmeEastLab, 'member')];
      const { before, after } = await h.changeGrants(userId, code, () =>
        app.graphql(ADD, { userId, accesses }, world.tokenOf(viewer)),
      );
      if (code === 'ok') {
        expect(shape(after)).toEqual([...shape(before), { companyId: c.acmeEastLab, access: 'member', primary: false }]);
      }
    });

    it('answers NOT_FOUND for a company the viewer cannot see, or that does not exist', async () => {
      const userId = await h.makeUser([[c.globexWest, 'member']]);
      expectRefused(
        await app.graphql(ADD, { userId, accesses: [h.grant(c.acme, 'member')] }, world.token('globexAdmin')),
        'NOT_FOUND',
      );
      expectRefused(
        await app.graphql(ADD, { userId, accesses: [h.grant(999999, 'member')] }, world.token('superAdmin')),
        'NOT_FOUND',
      );
      expect(await h.rowsOf(userId)).toHaveLength(1);
    });

    it('lets only a super_admin grant super_admin', async () => {
      const userId = await h.makeUser([[c.acmeEast, 'member']]);
      const accesses = [h.grant(c.acmeEastLab, 'super_admin')];
      expectRefused(await app.graphql(ADD, { userId, accesses }, world.token('acmeAdmin')), 'FORBIDDEN');
      expectRefused(await app.graphql(SET, { userId, accesses }, world.token('acmeAdmin')), 'FORBIDDEN');
      expect(await h.rowsOf(userId)).toHaveLength(1);
      const { body } = await app.graphql(ADD, { userId, accesses }, world.token('superAdmin'));
      expect(body.errors).toBeUndefined();
      expect((await h.rowsOf(userId)).map((row) => row.access)).toEqual(['member', 'super_admin']);
    });

    it('answers CONFLICT for a company the user is already in, or named twice, and writes nothing', async () => {
      const userId = await h.makeUser([[c.acmeEast, 'member']]);
      const before = await h.rowsOf(userId);
      const already = await app.graphql(ADD, { userId, accesses: [h.grant(c.acmeEast, 'manager')] }, world.token('acmeAdmin'));
      expectRefused(already, 'CONFLICT');
      expect(already.body.errors[0].message).toMatch(/already holds an access in Acme East/);
      const twice = [h.grant(c.acmeEastLab, 'member'), h.grant(c.acmeEastLab, 'manager')];
      expectRefused(await app.graphql(ADD, { userId, accesses: twice }, world.token('acmeAdmin')), 'CONFLICT');
      expect(await h.rowsOf(userId)).toEqual(before);
    });

    it.each<[string, () => unknown[], string]>([
      ['an empty list', () => [], 'accesses'],
      ['more than 50 grants', () => Array.from({ length: 51 }, () => h.grant(c.acmeEastLab, 'member')), 'accesses'],
      ['an unknown access', () => [{ companyId: String(c.acmeEastLab), accessId: '999999' }], 'accesses.0.accessId'],
      ['a malformed company id', () => [{ companyId: 'abc', accessId: String(h.accessIds.member) }], 'accesses.0.companyId'],
      ['two primaries', () => [h.grant(c.acmeEastLab, 'member', true), h.grant(c.acme, 'member', true)], 'accesses.1.primary'],
    ])('answers BAD_USER_INPUT for %s', async (_name, accesses, field) => {
      const userId = await h.makeUser([[c.acmeEast, 'member']]);
      const before = await h.rowsOf(userId);
      const refused = await app.graphql(ADD, { userId, accesses: accesses() }, world.token('acmeAdmin'));
      expectRefused(refused, 'BAD_USER_INPUT', { field });
      expect(await h.rowsOf(userId)).toEqual(before);
    });
  });

  describe('removeUserAccess', () => {
    it('returns the removed grant and promotes the oldest remaining one when it was primary', async () => {
      const userId = await h.makeUser([
        [c.acmeEast, 'member'],
        [c.acmeEastLab, 'member'],
        [c.acme, 'manager'],
      ]);
      const [east, lab, acme] = await h.rowsOf(userId);
      const { body } = await app.graphql(REMOVE, { id: east.id }, world.token('acmeAdmin'));
      expect(body.errors).toBeUndefined();
      expect(body.data.removeUserAccess).toEqual({
        id: String(east.id),
        primary: true,
        company: { id: String(c.acmeEast) },
        access: { key: 'member' },
        user: { id: String(userId) },
      });
      expect(await h.rowsOf(userId)).toEqual([{ ...lab, primary: true }, acme]);
      await h.expectOnePrimaryPerUser();
    });

    it('refuses to remove the last access of a user', async () => {
      const userId = await h.makeUser([[c.acmeEast, 'member']]);
      const before = await h.rowsOf(userId);
      const result = await app.graphql(REMOVE, { id: before[0].id }, world.token('acmeAdmin'));
      expectRefused(result, 'CONFLICT');
      expect(result.body.errors[0].message).toMatch(/at least one/);
      expect(await h.rowsOf(userId)).toEqual(before);
    });

    it('answers NOT_FOUND for an unknown grant', async () => {
      expectRefused(await app.graphql(REMOVE, { id: 999999 }, world.token('superAdmin')), 'NOT_FOUND');
    });

    it.each(GRANT_CHANGES_BY_VIEWER)('as %s answers %s', async (viewer, code) => {
      const userId = await h.makeUser([
        [c.acmeEast, 'member'],
        [c.acmeEastLab, 'member'],
      ]);
      const { before, after } = await h.changeGrants(userId, code, (rows) =>
        app.graphql(REMOVE, { id: rows[1].id }, world.tokenOf(viewer)),
      );
      if (code === 'ok') expect(after).toEqual([before[0]]);
    });
  });
});
