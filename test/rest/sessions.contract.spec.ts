import { PASSWORD } from '../helpers/fixtures';
import { sessionIdOf } from '../helpers/sessions';
import { addUser } from '../helpers/users';
import { useContractWorld } from './contract-app';
import { expectErrorBody, expectShape, type Shape, USER } from './contract-shapes';
import { describeRoute } from './describe-route';

const { app, world } = useContractWorld();

const AUTH: Shape = { token: 'string', expires_at: 'string', refresh_token: 'string', user: USER };
const SESSION: Shape = {
  id: 'string',
  created_at: 'string',
  last_used_at: 'string',
  expires_at: 'string',
  client_ip: 'string|null',
  user_agent: 'string|null',
  current: 'boolean',
};

async function signIn(): Promise<{ token: string; refresh_token: string; userId: number }> {
  const user = await addUser(app, [[world.companies.acmeEast, 'member']]);
  const { body } = await app.request('POST', '/api/v1/users/login', { body: { email: user.email, password: PASSWORD } });
  return { ...body, userId: user.id };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describeRoute('POST', '/users/refresh', () => {
  it('answers 200 with a new pair, and 401 for the same refresh token again', async () => {
    const { refresh_token } = await signIn();
    const first = await app.request('POST', '/api/v1/users/refresh', { body: { refresh_token } });
    expect(first.status).toBe(200);
    expectShape(first.body, AUTH);
    const again = await app.request('POST', '/api/v1/users/refresh', { body: { refresh_token } });
    expect(again.status).toBe(401);
    expectErrorBody(again.body, 'UNAUTHENTICATED');
  });

  it('answers 400 without a refresh token, naming the field', async () => {
    const { status, body } = await app.request('POST', '/api/v1/users/refresh', { body: { refresh_token: '' } });
    expect(status).toBe(400);
    expectErrorBody(body, 'BAD_USER_INPUT');
    expect(body.error.details).toEqual([expect.objectContaining({ field: 'refresh_token' })]);
  });
});

describeRoute('POST', '/users/logout', () => {
  it('answers 200 {success: true}, then 401 for the same token', async () => {
    const { token } = await signIn();
    const out = await app.request('POST', '/api/v1/users/logout', { headers: bearer(token) });
    expect(out).toMatchObject({ status: 200, body: { success: true } });
    const again = await app.request('POST', '/api/v1/users/logout', { headers: bearer(token) });
    expect(again.status).toBe(401);
    expectErrorBody(again.body, 'UNAUTHENTICATED');
  });

  it('answers 401 without a token', async () => {
    expect((await app.request('POST', '/api/v1/users/logout')).status).toBe(401);
  });
});

describeRoute('GET', '/sessions', () => {
  it("answers 200 {sessions} with the current one marked; another user's for an admin of the account", async () => {
    const { token, userId } = await signIn();
    const mine = await app.request('GET', '/api/v1/sessions', { headers: bearer(token) });
    expect(mine.status).toBe(200);
    expect(mine.body.sessions).toHaveLength(1);
    expectShape(mine.body.sessions[0], SESSION);
    expect(mine.body.sessions[0]).toMatchObject({ id: sessionIdOf(token), current: true });

    const theirs = await app.request('GET', `/api/v1/sessions?user_id=${userId}`, { headers: world.headers('acmeAdmin') });
    expect(theirs.body.sessions[0]).toMatchObject({ id: sessionIdOf(token), current: false });
    const refused = await app.request('GET', `/api/v1/sessions?user_id=${userId}`, { headers: world.headers('eastManager') });
    expect(refused.status).toBe(403);
    expectErrorBody(refused.body, 'FORBIDDEN');
    const hidden = await app.request('GET', `/api/v1/sessions?user_id=${userId}`, { headers: world.headers('globexAdmin') });
    expect(hidden.status).toBe(404);
  });

  it('answers 400 for a user_id that is not an id', async () => {
    const { status, body } = await app.request('GET', '/api/v1/sessions?user_id=abc', { headers: world.headers('acmeAdmin') });
    expect(status).toBe(400);
    expectErrorBody(body, 'BAD_USER_INPUT');
  });
});

describeRoute('DELETE', '/sessions/:id', () => {
  it('answers 200 {success: true}, then 404 for the ended session', async () => {
    const { token } = await signIn();
    const id = sessionIdOf(token);
    const ended = await app.request('DELETE', `/api/v1/sessions/${id}`, { headers: world.headers('superAdmin') });
    expect(ended).toMatchObject({ status: 200, body: { success: true } });
    const again = await app.request('DELETE', `/api/v1/sessions/${id}`, { headers: world.headers('superAdmin') });
    expect(again.status).toBe(404);
    expectErrorBody(again.body, 'NOT_FOUND');
  });

  it('answers 400 for an id that is not a session id', async () => {
    const { status, body } = await app.request('DELETE', '/api/v1/sessions/42', { headers: world.headers('superAdmin') });
    expect(status).toBe(400);
    expectErrorBody(body, 'BAD_USER_INPUT');
  });
});

describeRoute('DELETE', '/sessions', () => {
  it('answers 200 {ended} with how many sessions ended', async () => {
    const { token, userId } = await signIn();
    const { status, body } = await app.request('DELETE', `/api/v1/sessions?user_id=${userId}`, {
      headers: world.headers('acmeAdmin'),
    });
    expect(status).toBe(200);
    expect(body).toEqual({ ended: 1 });
    expect((await app.request('GET', '/api/v1/sessions', { headers: bearer(token) })).status).toBe(401);
  });
});
