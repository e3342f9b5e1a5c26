import { User } from '../../src/modules/user/user.entity';
import type { World } from '../helpers/fixtures';
import { jpegBytes, pngBytes } from '../helpers/uploads';
import { addUser } from '../helpers/users';
import { expectErrorBody } from './contract-shapes';
import { describeRoute } from './describe-route';
import { restClient, useContractWorld } from './contract-app';

/** What Rails clients send: PATCH where PUT updates, and bodies wrapped in their resource key. */

const { app, world } = useContractWorld({});
let currentTermId: number;
beforeAll(async () => {
  currentTermId = (await app.request('GET', '/api/v1/legal_terms/current')).body.legal_term.id;
});

type Caller = keyof World['users'];
const call = restClient(app, world);
const userRow = (id: number) => app.orm.em.fork().findOneOrFail(User, id);
let serial = 0;
const nextEmail = () => `rails-client${++serial}@example.com`;

/** Values that differ between two identical requests (a new file, a new timestamp, recreated rows). */
const without = (body: unknown, changing: string[]) =>
  JSON.parse(JSON.stringify(body, (key, value) => (changing.includes(key) ? undefined : value)));

/** Sends one request as PUT, then as PATCH: both answer the same status and body. */
async function expectPatchAsPut(path: string, caller: Caller, body: unknown, changing: string[] = ['updated_at']) {
  const put = await call('PUT', path, caller, body);
  const patch = await call('PATCH', path, caller, body);
  expect(patch.status).toBe(put.status);
  expect(without(patch.body, changing)).toEqual(without(put.body, changing));
  return patch;
}

describeRoute('PATCH', '/users/:id', () => {
  it('answers as PUT does: 200 {user} for a change, 404 outside the tree', async () => {
    const { id } = world.users.eastMember;
    const changed = await expectPatchAsPut(`/users/${id}`, 'eastMember', { first_name: 'Patched' });
    expect(changed.status).toBe(200);
    expect(changed.body.user).toMatchObject({ id, first_name: 'Patched' });
    expect((await userRow(id)).firstName).toBe('Patched');
    expect((await expectPatchAsPut(`/users/${id}`, 'globexAdmin', { first_name: 'Hijacked' })).status).toBe(404);
  });
});

describeRoute('PATCH', '/users/avatar', () => {
  it('answers as PUT does: 200 {user} with the new avatar', async () => {
    const { id } = world.users.labMember;
    const body = { user_id: id, avatar_base64: pngBytes().toString('base64'), name: 'me.png', type: 'image/png' };
    const { status, body: answer } = await expectPatchAsPut('/users/avatar', 'labMember', body, ['avatar_route', 'updated_at']);
    expect(status).toBe(200);
    expect(answer.user.avatar_route).toBe(`/files/avatars/${(await userRow(id)).avatarKey}`);
  });
});

describeRoute('PATCH', '/companies/avatar', () => {
  it('answers as PUT does: 200 {company} with the new avatar', async () => {
    const body = { company_id: world.companies.acmeEast, avatar_base64: jpegBytes().toString('base64') };
    const { status, body: answer } = await expectPatchAsPut('/companies/avatar', 'acmeAdmin', body, ['avatar_route']);
    expect(status).toBe(200);
    expect(answer.company.avatar_route).toMatch(/\.jpg$/);
  });
});

describeRoute('PATCH', '/users/:user_id/user_accesses', () => {
  it('answers as PUT does: 200 {user_accesses}, the whole set replaced', async () => {
    const user = await addUser(app, [[world.companies.acmeEast, 'member']]);
    const body = { user_accesses: [{ company_id: world.companies.acmeEastLab, access_id: world.accessIds.manager }] };
    const { status, body: answer } = await expectPatchAsPut(`/users/${user.id}/user_accesses`, 'acmeAdmin', body, ['id']);
    expect(status).toBe(200);
    expect(answer.user_accesses).toEqual([expect.objectContaining({ company_id: world.companies.acmeEastLab, primary: true })]);
  });
});

describeRoute('PATCH', '/onboarding/approve_terms', () => {
  it('answers as PUT does: 200 {user, legal_term_acceptance}', async () => {
    const { status, body } = await expectPatchAsPut('/onboarding/approve_terms', 'westMember', { legal_term_id: currentTermId });
    expect(status).toBe(200);
    expect(body.legal_term_acceptance.legal_term_id).toBe(currentTermId);
  });
});

describeRoute('PATCH', '/onboarding/complete', () => {
  it('answers as PUT does: 400 before the terms are accepted, then 200 {user}', async () => {
    expect((await expectPatchAsPut('/onboarding/complete', 'globexAdmin', undefined)).status).toBe(400);
    await call('PUT', '/onboarding/approve_terms', 'globexAdmin', { legal_term_id: currentTermId });
    const { status, body } = await expectPatchAsPut('/onboarding/complete', 'globexAdmin', undefined);
    expect(status).toBe(200);
    expect(body.user.onboarding_completed_at).toEqual(expect.any(String));
  });
});

describe('a body wrapped in its resource key', () => {
  type Case = [route: string, key: string, caller: Caller, body: () => Record<string, unknown>, status: number];
  const cases: Case[] = [
    [
      'POST /users',
      'user',
      'acmeAdmin',
      () => ({
        first_name: 'Wrapped',
        last_name: 'User',
        email: nextEmail(),
        company_id: world.companies.acmeEast,
        access_id: world.accessIds.member,
      }),
      201,
    ],
    ['PUT /users/:id', 'user', 'eastManager', () => ({ first_name: 'Wrapped' }), 200],
    ['PATCH /users/:id', 'user', 'eastManager', () => ({ last_name: 'Wrapped' }), 200],
    [
      'PUT /users/avatar',
      'user',
      'eastManager',
      () => ({ user_id: world.users.eastManager.id, avatar_base64: pngBytes().toString('base64') }),
      200,
    ],
    [
      'PUT /companies/avatar',
      'company',
      'acmeAdmin',
      () => ({ company_id: world.companies.acmeEastLab, avatar_base64: pngBytes().toString('base64') }),
      200,
    ],
    ['POST /companies', 'company', 'superAdmin', () => ({ name: 'Wrapped Co', parent_company_id: world.companies.acme }), 201],
    [
      'POST /invitations',
      'invitation',
      'acmeAdmin',
      () => ({ email: nextEmail(), company_id: world.companies.acmeEast, access_id: world.accessIds.member }),
      201,
    ],
    [
      'POST /imports',
      'import_file',
      'acmeAdmin',
      () => ({
        company_id: world.companies.acme,
        name: 'wrapped.csv',
        file_base64: Buffer.from(`email,first_name,last_name\n${nextEmail()},Wrapped,Import\n`).toString('base64'),
      }),
      202,
    ],
    ['PUT /onboarding/approve_terms', 'onboarding', 'eastMember', () => ({ legal_term_id: currentTermId }), 200],
  ];
  const send = (route: string, caller: Caller, body: unknown) => {
    const [method, template] = route.split(' ');
    return call(method, template.replace(':id', String(world.users[caller].id)), caller, body);
  };

  it.each(cases)('%s reads the fields inside "%s"', async (route, key, caller, fields, status) => {
    const body = fields();
    const wrapped = await send(route, caller, { [key]: body });
    expect(wrapped.status).toBe(status);
    const answer = Object.values(wrapped.body)[0] as Record<string, unknown>;
    for (const field of ['first_name', 'last_name', 'email', 'name'].filter((name) => name in body && name in answer)) {
      expect(answer[field]).toBe(body[field]);
    }
  });

  it('wins over bare keys beside it, which are ignored', async () => {
    const { id } = world.users.labMember;
    const { status, body } = await call('PUT', `/users/${id}`, 'labMember', {
      user: { first_name: 'Inside' },
      first_name: 'Beside',
      last_name: 'Beside',
    });
    expect(status).toBe(200);
    expect(body.user).toMatchObject({ first_name: 'Inside', last_name: 'Tester' });
    expect((await userRow(id)).lastName).toBe('Tester');
  });

  it.each([
    ['a string', 'Wrapped'],
    ['null', null],
    ['an array', [{ first_name: 'Wrapped' }]],
    ['a number', 1],
  ])('answers 400 naming the key when it holds %s, writing nothing', async (_case, value) => {
    const { id } = world.users.labMember;
    const { status, body } = await call('PUT', `/users/${id}`, 'labMember', { user: value, first_name: 'Bare' });
    expect(status).toBe(400);
    expectErrorBody(body, 'BAD_USER_INPUT');
    expect(body.error.details).toEqual([{ field: 'user', message: 'must be a JSON object' }]);
    expect((await userRow(id)).firstName).not.toBe('Bare');
  });

  it('names a wrapped field in error details as the bare one', async () => {
    const { status, body } = await call('POST', '/users', 'acmeAdmin', { user: { email: nextEmail() } });
    expect(status).toBe(400);
    expect(body.error.details.map((detail: { field: string }) => detail.field).sort()).toEqual([
      'access_id',
      'company_id',
      'first_name',
      'last_name',
    ]);
  });
});
