import { buildWorld, type World } from '../helpers/fixtures';
import { startContractApp, type TestApp } from './contract-app';
import { expectErrorBody, expectShape, USER } from './contract-shapes';
import { describeRoute } from './describe-route';

let app: TestApp;
let world: World;
let currentTermId: number;
beforeAll(async () => {
  app = await startContractApp();
  world = await buildWorld(app);
  currentTermId = (await app.request('GET', '/api/v1/legal_terms/current')).body.legal_term.id;
});
afterAll(() => app.close());

type Caller = keyof World['users'] | 'anonymous';
const as = (caller: Caller, bare = false): Record<string, string> =>
  caller === 'anonymous' ? {} : { authorization: bare ? world.token(caller) : `Bearer ${world.token(caller)}` };
const approve = (body: unknown, caller: Caller, bare = false) =>
  app.request('PUT', '/api/v1/onboarding/approve_terms', { body, headers: as(caller, bare) });
const complete = (caller: Caller) => app.request('PUT', '/api/v1/onboarding/complete', { headers: as(caller) });
const acceptanceRows = (userId: number): Promise<{ legal_term_id: number; accepted_at: Date }[]> =>
  app.orm.em
    .getConnection()
    .execute('select legal_term_id, accepted_at from legal_term_acceptances where user_id = ? order by id', [userId]);
const completedAt = async (userId: number): Promise<Date | null> => {
  const [row] = await app.orm.em.getConnection().execute('select onboarding_completed_at from users where id = ?', [userId]);
  return row.onboarding_completed_at;
};

describeRoute('PUT', '/onboarding/approve_terms', () => {
  it('answers 200 {user, legal_term_acceptance} and records the acceptance once', async () => {
    const userId = world.users.eastMember.id;
    const { status, body } = await approve({ legal_term_id: currentTermId, user_id: world.users.labMember.id }, 'eastMember');
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['legal_term_acceptance', 'user']);
    expectShape(body.user, USER);
    expect(body.user.id).toBe(userId);
    expect(Object.keys(body.legal_term_acceptance).sort()).toEqual(['accepted_at', 'legal_term_id']);
    expectShape(body.legal_term_acceptance, { legal_term_id: 'number', accepted_at: 'time' });
    expect(body.legal_term_acceptance.legal_term_id).toBe(currentTermId);

    const rows = await acceptanceRows(userId);
    expect(rows.map((row) => [row.legal_term_id, new Date(row.accepted_at).toISOString()])).toEqual([
      [currentTermId, body.legal_term_acceptance.accepted_at],
    ]);
    expect(await acceptanceRows(world.users.labMember.id)).toEqual([]);

    const again = await approve({ legal_term_id: String(currentTermId) }, 'eastMember', true);
    expect(again.status).toBe(200);
    expect(again.body.legal_term_acceptance).toEqual(body.legal_term_acceptance);
    expect(await acceptanceRows(userId)).toHaveLength(1);
  });

  it.each<[number, string, unknown, Caller, string]>([
    [404, 'an unknown term', { legal_term_id: 999_999 }, 'westMember', 'NOT_FOUND'],
    [400, 'no legal_term_id', {}, 'westMember', 'BAD_USER_INPUT'],
    [400, 'a malformed legal_term_id', { legal_term_id: 'abc' }, 'westMember', 'BAD_USER_INPUT'],
    [401, 'no token', { legal_term_id: 1 }, 'anonymous', 'UNAUTHENTICATED'],
  ])('answers %s for %s and records nothing', async (expected, _case, body, caller, code) => {
    const { status, body: answer } = await approve(body, caller);
    expect(status).toBe(expected);
    expectErrorBody(answer, code);
    expect(await acceptanceRows(world.users.westMember.id)).toEqual([]);
  });

  it('names the field of a missing legal_term_id', async () => {
    const { body } = await approve({}, 'westMember');
    expect(body.error.details).toEqual([{ field: 'legal_term_id', message: expect.any(String) }]);
  });
});

describeRoute('PUT', '/onboarding/complete', () => {
  it('answers 400 before the current terms are accepted, then 200 {user} with onboarding_completed_at set', async () => {
    const userId = world.users.labMember.id;
    const early = await complete('labMember');
    expect(early.status).toBe(400);
    expectErrorBody(early.body, 'BAD_USER_INPUT');
    expect(early.body.error.message).toContain(`id ${currentTermId}`);
    expect(await completedAt(userId)).toBeNull();

    expect((await approve({ legal_term_id: currentTermId }, 'labMember')).status).toBe(200);
    const { status, body } = await complete('labMember');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['user']);
    expectShape(body.user, USER);
    expect(body.user.id).toBe(userId);
    expect(body.user.onboarding_completed_at).toEqual(expect.any(String));
    expect(new Date((await completedAt(userId))!).toISOString()).toBe(body.user.onboarding_completed_at);

    const again = await complete('labMember');
    expect(again.body.user.onboarding_completed_at).toBe(body.user.onboarding_completed_at);
  });

  it('answers 401 without a token', async () => {
    const { status, body } = await complete('anonymous');
    expect(status).toBe(401);
    expectErrorBody(body, 'UNAUTHENTICATED');
  });
});
