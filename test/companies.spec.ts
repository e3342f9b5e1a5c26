import { Company } from '../src/modules/company/company.entity';
import { Membership } from '../src/modules/membership/membership.entity';
import { ADMIN_OF_ACME_EAST, type Actor } from './helpers/fixtures';
import { useTestWorld } from './helpers/setup';
import { expectFieldError } from './helpers/expect';

const CREATE = `mutation CreateCompany($input: CreateCompanyInput!) {
  createCompany(input: $input) { id name isDefault parentCompany { id } membership { id name } avatarUrl children { id } }
}`;

describe('createCompany', () => {
  const { app, world } = useTestWorld();
  let growth: Membership;
  let starter: Membership;

  beforeAll(async () => {
    const em = app.orm.em.fork();
    growth = await em.findOneOrFail(Membership, { name: 'Growth' });
    starter = await em.findOneOrFail(Membership, { name: 'Starter' });
    await em.nativeUpdate(Company, { id: world.companies.acme }, { membership: growth.id });
    await em.nativeUpdate(Company, { id: world.companies.acmeEast }, { membership: growth.id });
  });

  const create = (input: Record<string, unknown>, actor: Actor) => app.graphql(CREATE, { input }, world.tokenOf(actor));
  const row = (id: string | number) => app.orm.em.fork().findOne(Company, Number(id), { populate: ['parent', 'membership'] });
  const countNamed = (name: string) => app.orm.em.fork().count(Company, { name });

  it.each(ADMIN_OF_ACME_EAST)('a child of Acme East by %s: %s', async (actor, code) => {
    const name = `Child by ${actor}`;
    const { body } = await create({ name, parentCompanyId: String(world.companies.acmeEast) }, actor);
    if (code === null) {
      expect(body.errors).toBeUndefined();
      expect(body.data.createCompany).toMatchObject({
        name,
        isDefault: false,
        parentCompany: { id: String(world.companies.acmeEast) },
        avatarUrl: null,
        children: [],
      });
      const created = await row(body.data.createCompany.id);
      expect(created?.parent?.id).toBe(world.companies.acmeEast);
    } else {
      expect(body.errors[0].extensions.code).toBe(code);
      expect(await countNamed(name)).toBe(0);
    }
  });

  it.each<[Actor, string | null]>([
    ['superAdmin', null],
    ['acmeAdmin', 'FORBIDDEN'],
    ['globexAdmin', 'FORBIDDEN'],
    ['eastMember', 'FORBIDDEN'],
    ['anonymous', 'UNAUTHENTICATED'],
  ])('a root company by %s: %s', async (actor, code) => {
    const name = `Root by ${actor}`;
    const { body } = await create({ name }, actor);
    if (code === null) {
      expect(body.data.createCompany).toMatchObject({ name, isDefault: false, parentCompany: null, membership: null });
      const created = await row(body.data.createCompany.id);
      expect(created).toMatchObject({ name, isDefault: false, parent: null, membership: null });
    } else {
      expect(body.errors[0].extensions.code).toBe(code);
      expect(await countNamed(name)).toBe(0);
    }
  });

  it('lets the admin of a company create below a deeper descendant, and the child is then visible', async () => {
    const { body } = await create({ name: 'Lab Annex', parentCompanyId: String(world.companies.acmeEastLab) }, 'acmeAdmin');
    const id = body.data.createCompany.id;
    const seen = await app.graphql(`{ company(id: "${id}") { name parentCompany { name } } }`, {}, world.token('acmeAdmin'));
    expect(seen.body.data.company).toEqual({ name: 'Lab Annex', parentCompany: { name: 'Acme East Lab' } });
    const hidden = await app.graphql(`{ company(id: "${id}") { name } }`, {}, world.token('globexAdmin'));
    expect(hidden.body.errors[0].extensions.code).toBe('NOT_FOUND');
  });

  it("gives a child its parent's plan, which only a super_admin chooses, and only for a root", async () => {
    const inherited = await create({ name: 'Inherits', parentCompanyId: String(world.companies.acme) }, 'acmeAdmin');
    expect(inherited.body.data.createCompany.membership).toEqual({ id: String(growth.id), name: 'Growth' });
    expect((await row(inherited.body.data.createCompany.id))?.membership?.id).toBe(growth.id);

    // An admin choosing a plan could lift its tree's user limit.
    const chosen = await create(
      { name: 'Chooses', parentCompanyId: String(world.companies.acme), membershipId: String(starter.id) },
      'acmeAdmin',
    );
    expect(chosen.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(await countNamed('Chooses')).toBe(0);

    const otherPlanForChild = await create(
      { name: 'Other plan', parentCompanyId: String(world.companies.acme), membershipId: String(starter.id) },
      'superAdmin',
    );
    expectFieldError(otherPlanForChild, 'membershipId');
    expect(await countNamed('Other plan')).toBe(0);
    const samePlanForChild = await create(
      { name: 'Same plan', parentCompanyId: String(world.companies.acme), membershipId: String(growth.id) },
      'superAdmin',
    );
    expect(samePlanForChild.body.data.createCompany.membership).toEqual({ id: String(growth.id), name: 'Growth' });

    const root = await create({ name: 'Root on Starter', membershipId: String(starter.id) }, 'superAdmin');
    expect(root.body.data.createCompany.membership).toEqual({ id: String(starter.id), name: 'Starter' });
    expect((await row(root.body.data.createCompany.id))?.membership?.id).toBe(starter.id);

    const noParentPlan = await create({ name: 'No plan', parentCompanyId: String(world.companies.globex) }, 'globexAdmin');
    expect(noParentPlan.body.data.createCompany.membership).toBeNull();
  });

  it.each([
    ['an unknown membership', { membershipId: '999999' }, 'membershipId'],
    ['a malformed membership id', { membershipId: 'x' }, 'membershipId'],
    ['a malformed parent id', { parentCompanyId: '-1' }, 'parentCompanyId'],
    ['an empty name', { name: '' }, 'name'],
    ['a blank name', { name: '   ' }, 'name'],
    ['a name over 200 characters', { name: 'x'.repeat(201) }, 'name'],
    ['isDefault on a child', { isDefault: true }, 'isDefault'],
  ])('refuses %s with BAD_USER_INPUT on that field', async (_label, override, field) => {
    const input = { name: 'Refused', parentCompanyId: String(world.companies.acme), ...override };
    expectFieldError(await create(input, 'superAdmin'), field);
    expect(await countNamed('Refused')).toBe(0);
  });

  it('trims the name and accepts 200 characters', async () => {
    const trimmed = await create({ name: '  Spaced Out  ', parentCompanyId: String(world.companies.acme) }, 'acmeAdmin');
    expect(trimmed.body.data.createCompany.name).toBe('Spaced Out');
    expect((await row(trimmed.body.data.createCompany.id))?.name).toBe('Spaced Out');
    const long = await create({ name: `  ${'é'.repeat(200)} `, parentCompanyId: String(world.companies.acme) }, 'acmeAdmin');
    expect(long.body.data.createCompany.name).toBe('é'.repeat(200));
  });

  it('answers NOT_FOUND for a parent that does not exist, even to a super_admin', async () => {
    const { body } = await create({ name: 'Orphan', parentCompanyId: '999999' }, 'superAdmin');
    expect(body.errors[0].extensions.code).toBe('NOT_FOUND');
    expect(await countNamed('Orphan')).toBe(0);
  });

  it('makes a root the default only while there is no default company', async () => {
    const em = app.orm.em.fork();
    const taken = await create({ name: 'Second Default', isDefault: true }, 'superAdmin');
    expect(taken.body.errors[0].extensions.code).toBe('CONFLICT');
    expect(await countNamed('Second Default')).toBe(0);

    const refusedToAdmin = await create({ name: 'Admin Default', isDefault: true }, 'acmeAdmin');
    expect(refusedToAdmin.body.errors[0].extensions.code).toBe('FORBIDDEN');

    await em.nativeUpdate(Company, { id: world.companies.leadsy }, { isDefault: false });
    try {
      const { body } = await create({ name: 'New Default', isDefault: true }, 'superAdmin');
      expect(body.data.createCompany).toMatchObject({ name: 'New Default', isDefault: true, parentCompany: null });
      expect(await em.count(Company, { isDefault: true })).toBe(1);
      const again = await create({ name: 'Another Default', isDefault: true }, 'superAdmin');
      expect(again.body.errors[0].extensions.code).toBe('CONFLICT');
      await em.nativeUpdate(Company, { id: Number(body.data.createCompany.id) }, { isDefault: false });
    } finally {
      await em.nativeUpdate(Company, { id: world.companies.leadsy }, { isDefault: true });
    }
  });
});
