import type { EntityManager } from '@mikro-orm/postgresql';
import { queryPreparedArrays } from '../src/db/prepared-statements';
import { columnCount, isReadModel, readColumns, readRows, toReadModel } from '../src/db/read-models';
import { UserAccess } from '../src/modules/access/user-access.entity';
import { Company } from '../src/modules/company/company.entity';
import { User } from '../src/modules/user/user.entity';
import { useTestWorld } from './helpers/setup';

describe('read models', () => {
  const { app, world } = useTestWorld();
  let em: EntityManager;

  beforeAll(async () => {
    em = app.orm.em.fork() as EntityManager;
  });

  const readUser = async (id: number) =>
    (await readRows(em, User, `select ${readColumns(em, User, 'u')} from users u where u.id = ?`, [id]))[0];

  it('read a row as the entity would: columns, getters, references as { id }, dates as Dates', async () => {
    const id = world.users.acmeAdmin.id;
    const managed = await em.fork().findOneOrFail(User, id);
    const user = await readUser(id);
    expect(user).toBeInstanceOf(User);
    expect(user.id).toBe(id);
    expect(user.email).toBe(managed.email);
    expect(user.fullName).toBe(managed.fullName);
    expect(user.createdAt).toBeInstanceOf(Date);
    expect(user.createdAt.getTime()).toBe(managed.createdAt.getTime());
    expect(user.createdAt).toBe(user.createdAt);
    expect(user.onboardingCompletedAt ?? null).toBe(managed.onboardingCompletedAt ?? null);
    expect(Object.keys(user)).not.toContain('passwordHash');

    const grantRows = await queryPreparedArrays(
      em,
      `select ${readColumns(em, UserAccess, 'ua')} from user_accesses ua where ua.user_id = ?`,
      [id],
    );
    const grant = toReadModel(em, UserAccess, grantRows[0]);
    expect(grant.user).toEqual({ id });
    expect(typeof grant.company.id).toBe('number');
  });

  it('take a date assigned after the read, and null for an absent one', async () => {
    const user = await readUser(world.users.acmeAdmin.id);
    const when = new Date('2026-01-02T03:04:05.678Z');
    user.updatedAt = when;
    expect(user.updatedAt).toBe(when);
    user.onboardingCompletedAt = undefined;
    expect(user.onboardingCompletedAt ?? null).toBeNull();
  });

  it('read several models side by side in one row, each from its offset', async () => {
    const [row] = await queryPreparedArrays(
      em,
      `select ${readColumns(em, Company, 'c')}, ${readColumns(em, Company, 'p')}
         from companies c join companies p on p.id = c.parent_id where c.id = ?`,
      [world.companies.acmeEast],
    );
    expect(row).toHaveLength(2 * columnCount(em, Company));
    const child = toReadModel(em, Company, row);
    const parent = toReadModel(em, Company, row, columnCount(em, Company));
    expect(child.id).toBe(world.companies.acmeEast);
    expect(child.parent).toEqual({ id: world.companies.acme });
    expect(parent.id).toBe(world.companies.acme);
    expect(parent.parent).toBeNull();
  });
});

describe('read models and writes', () => {
  const { app, world } = useTestWorld();

  const readCompany = async (em: EntityManager, id: number) =>
    (await readRows(em, Company, `select ${readColumns(em, Company, 'c')} from companies c where c.id = ?`, [id]))[0];
  const companies = () => app.orm.em.fork().count(Company, {});

  it('refuses a read model handed to persist, remove or a new row, writing nothing', async () => {
    const before = await companies();
    const em = app.orm.em.fork();
    const acme = await readCompany(em, world.companies.acme);
    expect(isReadModel(acme)).toBe(true);
    await expect(em.persistAndFlush(acme)).rejects.toThrow(/a read model of Company was handed to a write/);

    const removing = app.orm.em.fork();
    await expect(removing.removeAndFlush(await readCompany(removing, world.companies.acmeEastLab))).rejects.toThrow(/read model/);

    const creating = app.orm.em.fork();
    creating.create(Company, { name: 'Child of a read model', parent: await readCompany(creating, world.companies.acme) });
    await expect(creating.flush()).rejects.toThrow(/read model/);
    expect(await companies()).toBe(before);
    expect(await app.orm.em.fork().count(Company, { id: world.companies.acmeEastLab })).toBe(1);
  });

  it('lets a write reference the row by id, or load the managed entity', async () => {
    const em = app.orm.em.fork();
    const acme = await readCompany(em, world.companies.acme);
    const child = em.create(Company, { name: 'Child by id', parent: acme.id });
    await em.flush();
    const managed = await em.findOneOrFail(Company, world.companies.acme);
    expect(isReadModel(managed)).toBe(false);
    expect((await app.orm.em.fork().findOneOrFail(Company, child.id, { populate: ['parent'] })).parent?.id).toBe(
      world.companies.acme,
    );
  });
});
