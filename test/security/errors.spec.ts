import { User } from '../../src/modules/user/user.entity';
import { bearer } from './security-helpers';
import { useTestWorld } from '../helpers/setup';

/** What an unexpected failure shows a client: a code and a request id, never its text, stack, SQL or path. */
const SECRET_DETAIL = 'select password_hash from users -- refused by the test';
const LEAKS = /refused by the test|password_hash|select |stack|\.ts:\d+|node_modules|plpgsql|trigger/i;

const { app, world } = useTestWorld();
beforeAll(async () => {
  const connection = app.orm.em.getConnection();
  await connection.execute(`create function refuse_rename() returns trigger language plpgsql as $$
    begin raise exception '${SECRET_DETAIL}'; end $$`);
  await connection.execute(
    'create trigger refuse_rename before update of last_name on users for each row execute function refuse_rename()',
  );
});

const lastNameOf = async (id: number) => (await app.orm.em.fork().findOneOrFail(User, id)).lastName;

describe('an unexpected failure', () => {
  it('reaches a GraphQL client as INTERNAL_SERVER_ERROR with the request id, and nothing else', async () => {
    const result = await app.request('POST', '/graphql', {
      body: {
        query: 'mutation($id: ID!) { updateUser(id: $id, input: { lastName: "Changed" }) { id } }',
        variables: { id: String(world.users.eastMember.id) },
      },
      headers: { ...bearer(world.token('acmeAdmin')), 'x-request-id': 'security-suite-0001' },
    });
    expect(result.headers.get('x-request-id')).toBe('security-suite-0001');
    expect(result.body.errors).toEqual([
      { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'security-suite-0001' } },
    ]);
    expect(JSON.stringify(result.body)).not.toMatch(LEAKS);
    expect(await lastNameOf(world.users.eastMember.id)).toBe('Tester');
  });

  it('reaches a REST client as a 500 with the masked message and the request id header', async () => {
    const result = await app.request('PUT', `/api/v1/users/${world.users.eastMember.id}`, {
      body: { last_name: 'Changed' },
      headers: bearer(world.token('acmeAdmin')),
    });
    expect(result.status).toBe(500);
    expect(result.body).toEqual({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } });
    expect(result.headers.get('x-request-id')).toMatch(/^[\w-]{8,64}$/);
    expect(JSON.stringify(result.body)).not.toMatch(LEAKS);
    expect(await lastNameOf(world.users.eastMember.id)).toBe('Tester');
  });
});
