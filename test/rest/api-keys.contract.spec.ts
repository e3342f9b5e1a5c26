import { createHash } from 'node:crypto';
import type { Actor } from '../helpers/fixtures';
import { API_KEY, expectErrorBody, expectShape } from './contract-shapes';
import { describeRoute } from './describe-route';
import { restClient, useContractWorld } from './contract-app';

const { app, world } = useContractWorld();

const call = restClient(app, world);
let serial = 0;

const secretHashOf = async (id: number) =>
  (await app.orm.em.getConnection().execute('select secret_hash from api_keys where id = ?', [id]))[0]?.secret_hash;

/** Creates a member key of Acme East through the REST route, as the admin of Acme unless told. */
async function createKey(fields: Record<string, unknown> = {}, caller: Actor = 'acmeAdmin') {
  return call('POST', '/api_keys', caller, {
    company_id: world.companies.acmeEast,
    access_id: world.accessIds.member,
    name: `rest key ${++serial}`,
    ...fields,
  });
}

describeRoute('POST', '/api_keys', () => {
  it('answers 201 {api_key, secret}: the secret once, only its SHA-256 stored, unknown keys ignored', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const { status, body } = await createKey({
      name: ' Nightly sync ',
      expires_at: expiresAt,
      secret: 'lsk_chosen-by-the-client',
      revoked_at: '2020-01-01T00:00:00Z',
      created_by_id: world.users.superAdmin.id,
    });
    expect(status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(['api_key', 'secret']);
    expectShape(body.api_key, API_KEY);
    expect(body.secret).toMatch(/^lsk_[A-Za-z0-9_-]{43}$/);
    expect(body.api_key).toMatchObject({
      name: 'Nightly sync',
      prefix: body.secret.slice(0, 12),
      company_id: world.companies.acmeEast,
      access_id: world.accessIds.member,
      created_by_id: world.users.acmeAdmin.id,
      last_used_at: null,
      expires_at: expiresAt,
      revoked_at: null,
    });
    expect(JSON.stringify(body.api_key)).not.toContain(body.secret.slice(12));
    expect(await secretHashOf(body.api_key.id)).toBe(createHash('sha256').update(body.secret).digest('hex'));
  });

  it('takes the body wrapped in api_key, as Rails sends it', async () => {
    const { status, body } = await call('POST', '/api_keys', 'acmeAdmin', {
      api_key: { company_id: world.companies.acmeEast, access_id: world.accessIds.manager, name: 'Wrapped' },
    });
    expect(status).toBe(201);
    expect(body.api_key).toMatchObject({ name: 'Wrapped', access_id: world.accessIds.manager });
  });

  it.each<[Actor, 'member' | 'super_admin', number, string]>([
    ['acmeAdmin', 'super_admin', 403, 'FORBIDDEN'],
    ['eastManager', 'member', 403, 'FORBIDDEN'],
    ['globexAdmin', 'member', 404, 'NOT_FOUND'],
    ['anonymous', 'member', 401, 'UNAUTHENTICATED'],
  ])('refuses %s a %s key with %i and writes nothing', async (caller, access, expected, code) => {
    const name = `refused ${++serial}`;
    const { status, body } = await createKey({ name, access_id: world.accessIds[access] }, caller);
    expect(status).toBe(expected);
    expectErrorBody(body, code);
    expect(await app.orm.em.getConnection().execute('select id from api_keys where name = ?', [name])).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a missing company_id', { company_id: undefined }, 'company_id'],
    ['a blank name', { name: '  ' }, 'name'],
    ['an expires_at in the past', { expires_at: '2020-01-01T00:00:00Z' }, 'expires_at'],
    ['an expires_at that is no time', { expires_at: 'tomorrow' }, 'expires_at'],
  ])('answers 400 for %s, naming the field', async (_case, fields, field) => {
    const { status, body } = await createKey(fields);
    expect(status).toBe(400);
    expectErrorBody(body, 'BAD_USER_INPUT');
    expect(body.error.details).toContainEqual({ field, message: expect.any(String) });
  });
});

describeRoute('GET', '/api_keys', () => {
  it("answers 200 {api_keys} with the company's keys, newest first, revoked ones too, never a secret", async () => {
    const first = (await createKey({ company_id: world.companies.acmeEastLab })).body;
    const second = (await createKey({ company_id: world.companies.acmeEastLab })).body;
    await call('DELETE', `/api_keys/${first.api_key.id}`, 'acmeAdmin');

    const { status, body } = await call('GET', `/api_keys?company_id=${world.companies.acmeEastLab}`, 'acmeAdmin');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['api_keys']);
    body.api_keys.forEach((apiKey: unknown) => expectShape(apiKey, API_KEY));
    expect(body.api_keys.map((apiKey: { id: number }) => apiKey.id)).toEqual([second.api_key.id, first.api_key.id]);
    expect(body.api_keys[1].revoked_at).toEqual(expect.any(String));
    expect(JSON.stringify(body)).not.toContain(first.secret);
    expect(JSON.stringify(body)).not.toContain(second.secret);
  });

  it.each<[Actor, number, string]>([
    ['eastManager', 403, 'FORBIDDEN'],
    ['globexAdmin', 404, 'NOT_FOUND'],
    ['anonymous', 401, 'UNAUTHENTICATED'],
  ])('refuses %s with %i', async (caller, expected, code) => {
    const { status, body } = await call('GET', `/api_keys?company_id=${world.companies.acmeEast}`, caller);
    expect(status).toBe(expected);
    expectErrorBody(body, code);
  });

  it('answers 400 without a company_id', async () => {
    const { status, body } = await call('GET', '/api_keys', 'acmeAdmin');
    expect(status).toBe(400);
    expect(body.error.details).toEqual([{ field: 'company_id', message: expect.any(String) }]);
  });
});

describeRoute('DELETE', '/api_keys/:id', () => {
  it('answers 200 {api_key} with revoked_at set, and the key answers 401 from then on; again: unchanged', async () => {
    const { api_key, secret } = (await createKey()).body;
    const users = () =>
      app.request('GET', `/api/v1/users?company_id=${world.companies.acmeEast}`, {
        headers: { authorization: `Bearer ${secret}` },
      });
    expect((await users()).status).toBe(200);

    const { status, body } = await call('DELETE', `/api_keys/${api_key.id}`, 'acmeAdmin');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['api_key']);
    expectShape(body.api_key, API_KEY);
    expect(body.api_key).toMatchObject({ id: api_key.id, revoked_at: expect.any(String) });
    const refused = await users();
    expect(refused.status).toBe(401);
    expectErrorBody(refused.body, 'UNAUTHENTICATED');

    const again = await call('DELETE', `/api_keys/${api_key.id}`, 'acmeAdmin');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(body);
  });

  it.each<[Actor, number, string]>([
    ['eastManager', 403, 'FORBIDDEN'],
    ['globexAdmin', 404, 'NOT_FOUND'],
    ['anonymous', 401, 'UNAUTHENTICATED'],
  ])('refuses %s with %i and revokes nothing', async (caller, expected, code) => {
    const { api_key } = (await createKey()).body;
    const { status, body } = await call('DELETE', `/api_keys/${api_key.id}`, caller);
    expect(status).toBe(expected);
    expectErrorBody(body, code);
    const [row] = await app.orm.em.getConnection().execute('select revoked_at from api_keys where id = ?', [api_key.id]);
    expect(row.revoked_at).toBeNull();
  });

  it('answers 404 for a key that does not exist', async () => {
    const { status, body } = await call('DELETE', '/api_keys/999999', 'superAdmin');
    expect(status).toBe(404);
    expectErrorBody(body, 'NOT_FOUND');
  });
});
