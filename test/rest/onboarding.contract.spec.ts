import type { Actor } from '../helpers/fixtures';
import { expectErrorBody, expectShape, USER } from './contract-shapes';
import { describeRoute } from './describe-route';
import { useContractWorld } from './contract-app';
import { acceptanceRows, onboardingCompletedAt } from '../helpers/onboarding';

const { app, world } = useContractWorld();
let currentTermId: number;
beforeAll(async () => {
  currentTermId = (await app.request('GET', '/api/v1/legal_terms/current')).body.legal_term.id;
});

const approve = (body: unknown, caller: Actor, bare = false) =>
  app.request('PUT', '/api/v1/onboarding/approve_terms', { body, headers: world.headers(caller, { bare }) });
const complete = (caller: Actor) => app.request('PUT', '/api/v1/onboarding/complete', { headers: world.headers(caller) });

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

    const rows = await acceptanceRows(app, userId);
    expect(rows.map((row) => [row.legal_term_id, new Date(row.accepted_at).toISOString()])).toEqual([
      [currentTermId, body.legal_term_acceptance.accepted_at],
    ]);
    expect(await acceptanceRows(app, world.users.labMember.id)).toEqual([]);

    const again = await approve({ legal_term_id: String(currentTermId) }, 'eastMember', true);
    expect(again.status).toBe(200);
    expect(again.body.legal_term_acceptance).toEqual(body.legal_term_acceptance);
    expect(await acceptanceRows(app, userId)).toHaveLength(1);
  });

  it.each<[number, string, unknown, Actor, string]>([
    [404, 'an unknown term', { legal_term_id: 999_999 }, 'westMember', 'NOT_FOUND'],
    [400, 'no legal_term_id', {}, 'westMember', 'BAD_USER_INPUT'],
    [400, 'a malformed legal_term_id', { legal_term_id: 'abc' }, 'westMember', 'BAD_USER_INPUT'],
    [401, 'no token', { legal_term_id: 1 }, 'anonymous', 'UNAUTHENTICATED'],
  ])('answers %s for %s and records nothing', async (expected, _case, body, caller, code) => {
    const { status, body: answer } = await approve(body, caller);
    expect(status).toBe(expected);
    expectErrorBody(answer, code);
    expect(await acceptanceRows(app, world.users.westMember.id)).toEqual([]);
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
    expect(await onboardingCompletedAt(app, userId)).toBeNull();

    expect((await approve({ legal_term_id: currentTermId }, 'labMember')).status).toBe(200);
    const { status, body } = await complete('labMember');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['user']);
    expectShape(body.user, USER);
    expect(body.user.id).toBe(userId);
    expect(body.user.onboarding_completed_at).toEqual(expect.any(String));
    expect(new Date((await onboardingCompletedAt(app, userId))!).toISOString()).toBe(body.user.onboarding_completed_at);

    const again = await complete('labMember');
    expect(again.body.user.onboarding_completed_at).toBe(body.user.onboarding_completed_at);
  });

  it('answers 401 without a token', async () => {
    const { status, body } = await complete('anonymous');
    expect(status).toBe(401);
    expectErrorBody(body, 'UNAUTHENTICATED');
  });
});
