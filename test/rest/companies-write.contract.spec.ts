import { Company } from '../../src/modules/company/company.entity';
import { Membership } from '../../src/modules/membership/membership.entity';
import type { Actor } from '../helpers/fixtures';
import { COMPANY, expectErrorBody, expectShape } from './contract-shapes';
import { describeRoute } from './describe-route';
import { REFUSED_ADMIN_WRITES_IN_ACME_EAST, restClient, useContractWorld } from './contract-app';

const { app, world } = useContractWorld();
let growth: Membership;
beforeAll(async () => {
  growth = await app.orm.em.fork().findOneOrFail(Membership, { name: 'Growth' });
  await app.orm.em
    .fork()
    .nativeUpdate(Company, { id: [world.companies.acme, world.companies.acmeEast] }, { membership: growth.id });
});

const call = restClient(app, world);
const create = (body: unknown, caller: Actor) => call('POST', '/companies', caller, body);
const row = (id: number) => app.orm.em.fork().findOne(Company, id, { populate: ['parent', 'membership'] });
const companyCount = () => app.orm.em.fork().count(Company, {});

describeRoute('POST', '/companies', () => {
  it("answers 201 {company} for a child of a company the caller administers, mapping every field, on the parent's plan", async () => {
    const { status, body } = await create(
      {
        name: '  Acme East Annex  ',
        parent_company_id: world.companies.acmeEast,
        id: 1,
        avatar_route: '/files/avatars/evil.png',
        created_at: '2000-01-01T00:00:00.000Z',
      },
      'acmeAdmin',
    );
    expect(status).toBe(201);
    expect(Object.keys(body)).toEqual(['company']);
    expectShape(body.company, COMPANY);
    expect(body.company).toMatchObject({
      name: 'Acme East Annex',
      default: false,
      parent_company_id: world.companies.acmeEast,
      membership_id: growth.id,
      avatar_route: null,
    });
    expect(body.company.id).not.toBe(1);
    expect(body.company.created_at).not.toBe('2000-01-01T00:00:00.000Z');

    const created = await row(body.company.id);
    expect(created).toMatchObject({ name: 'Acme East Annex', isDefault: false, avatarKey: null });
    expect(created?.parent?.id).toBe(world.companies.acmeEast);
    expect(created?.membership?.id).toBe(growth.id);
  });

  it('accepts ids sent as numeric strings and lets a super_admin create a root', async () => {
    const child = await create({ name: 'Stringly Child', parent_company_id: String(world.companies.acme) }, 'superAdmin');
    expect(child.status).toBe(201);
    expect(child.body.company.parent_company_id).toBe(world.companies.acme);
    const root = await create({ name: 'Fresh Root' }, 'superAdmin');
    expect(root.status).toBe(201);
    expect(root.body.company).toMatchObject({ name: 'Fresh Root', parent_company_id: null, default: false });
  });

  it.each(REFUSED_ADMIN_WRITES_IN_ACME_EAST)(
    'refuses a child of Acme East for %s with %i and writes nothing',
    async (caller, expected, code) => {
      const before = await companyCount();
      const { status, body } = await create(
        { name: `Refused for ${caller}`, parent_company_id: world.companies.acmeEast },
        caller,
      );
      expect(status).toBe(expected);
      expectErrorBody(body, code);
      expect(await companyCount()).toBe(before);
    },
  );

  it('answers 404 for a parent in another tree exactly as for a missing parent', async () => {
    const otherTree = await create({ name: 'Into Globex', parent_company_id: world.companies.globexWest }, 'acmeAdmin');
    const missing = await create({ name: 'Into Nothing', parent_company_id: 99999 }, 'acmeAdmin');
    expect([otherTree.status, missing.status]).toEqual([404, 404]);
    expectErrorBody(otherTree.body, 'NOT_FOUND');
    expect(otherTree.body.error.message.replace(/\d+/, 'N')).toBe(missing.body.error.message.replace(/\d+/, 'N'));
    expect(await app.orm.em.fork().count(Company, { name: { $in: ['Into Globex', 'Into Nothing'] } })).toBe(0);
  });

  it('answers 403 for a root company created by an admin', async () => {
    const { status, body } = await create({ name: 'Admin Root' }, 'acmeAdmin');
    expect(status).toBe(403);
    expectErrorBody(body, 'FORBIDDEN');
    expect(await app.orm.em.fork().count(Company, { name: 'Admin Root' })).toBe(0);
  });

  it('answers 409 for a second default company and keeps the first one', async () => {
    const { status, body } = await create({ name: 'Second Default', default: true }, 'superAdmin');
    expect(status).toBe(409);
    expectErrorBody(body, 'CONFLICT');
    const defaults = await app.orm.em.fork().find(Company, { isDefault: true });
    expect(defaults.map((company) => company.id)).toEqual([world.companies.leadsy]);
    expect(await app.orm.em.fork().count(Company, { name: 'Second Default' })).toBe(0);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an empty name', { name: '' }, 'name'],
    ['a blank name', { name: '   ' }, 'name'],
    ['a missing name', {}, 'name'],
    ['a name that is not a string', { name: 42 }, 'name'],
    ['a parent id that is not a number', { name: 'Bad Parent', parent_company_id: 'acme' }, 'parent_company_id'],
    ['a default that is not a boolean', { name: 'Bad Default', default: 'yes' }, 'default'],
  ])('answers 400 for %s and writes nothing', async (_case, fields, field) => {
    const before = await companyCount();
    const { status, body } = await create({ parent_company_id: world.companies.acme, ...fields }, 'acmeAdmin');
    expect(status).toBe(400);
    expectErrorBody(body, 'BAD_USER_INPUT');
    expect(body.error.details).toContainEqual({ field, message: expect.any(String) });
    expect(await companyCount()).toBe(before);
  });

  it("answers 403 for an admin choosing a plan, 400 for an unknown plan, a child's own plan and a default child, without writing", async () => {
    const before = await companyCount();
    const chosenByAdmin = await create(
      { name: 'Own Plan', parent_company_id: world.companies.acme, membership_id: growth.id },
      'acmeAdmin',
    );
    expect(chosenByAdmin.status).toBe(403);
    expectErrorBody(chosenByAdmin.body, 'FORBIDDEN');
    const membership = await create({ name: 'No Plan', membership_id: 99999 }, 'superAdmin');
    expect(membership.status).toBe(400);
    expectErrorBody(membership.body, 'BAD_USER_INPUT');
    const starter = await app.orm.em.fork().findOneOrFail(Membership, { name: 'Starter' });
    const childPlan = await create(
      { name: 'Child Plan', parent_company_id: world.companies.acme, membership_id: starter.id },
      'superAdmin',
    );
    expect(childPlan.status).toBe(400);
    expect(childPlan.body.error.details).toEqual([{ field: 'membership_id', message: expect.any(String) }]);
    const defaultChild = await create(
      { name: 'Default Child', parent_company_id: world.companies.acme, default: true },
      'superAdmin',
    );
    expect(defaultChild.status).toBe(400);
    expectErrorBody(defaultChild.body, 'BAD_USER_INPUT');
    expect(await companyCount()).toBe(before);
  });
});
