import { LegalTerm } from '../src/modules/legal-term/legal-term.entity';
import type { World } from './helpers/fixtures';
import { useTestWorld } from './helpers/setup';
import { acceptanceRows, onboardingCompletedAt } from './helpers/onboarding';

const APPROVE = `mutation Approve($id: ID!) { approveLegalTerm(legalTermId: $id) { acceptedAt legalTerm { id version } } }`;
const COMPLETE = 'mutation { completeOnboarding { id onboardingCompletedAt } }';
const ME = '{ me { onboardingCompletedAt acceptedLegalTerms { acceptedAt legalTerm { id } } } }';

type Viewer = keyof World['users'];

describe('onboarding', () => {
  const { app, world } = useTestWorld();
  let current: { id: string; version: string };
  let draftId: number;
  let futureId: number;
  let olderId: number;

  beforeAll(async () => {
    const em = app.orm.em.fork();
    const term = (version: string, publishedAt: Date | null) =>
      em.create(LegalTerm, { version, title: `Terms ${version}`, body: 'Be nice.', publishedAt });
    const draft = term('draft', null);
    const future = term('2099-01', new Date(Date.now() + 86_400_000));
    const older = term('2020-01', new Date('2020-01-01T00:00:00Z'));
    await em.flush();
    [draftId, futureId, olderId] = [draft.id, future.id, older.id];
    const { body } = await app.graphql('{ currentLegalTerm { id version } }');
    current = body.data.currentLegalTerm;
  });

  describe('approveLegalTerm', () => {
    it('records the accepted version once, and answers the same acceptance when repeated', async () => {
      const token = world.token('eastMember');
      const first = await app.graphql(APPROVE, { id: current.id }, token);
      expect(first.body.errors).toBeUndefined();
      expect(first.body.data.approveLegalTerm).toEqual({ acceptedAt: expect.any(String), legalTerm: current });
      const again = await app.graphql(APPROVE, { id: current.id }, token);
      expect(again.body.data.approveLegalTerm).toEqual(first.body.data.approveLegalTerm);

      const rows = await acceptanceRows(app, world.users.eastMember.id);
      expect(rows).toHaveLength(1);
      expect(rows[0].legal_term_id).toBe(Number(current.id));
      expect(new Date(rows[0].accepted_at).toISOString()).toBe(first.body.data.approveLegalTerm.acceptedAt);

      const me = await app.graphql(ME, {}, token);
      expect(me.body.data.me.acceptedLegalTerms).toEqual([
        { acceptedAt: first.body.data.approveLegalTerm.acceptedAt, legalTerm: { id: current.id } },
      ]);
    });

    it.each<Viewer>(['superAdmin', 'acmeAdmin', 'eastManager', 'globexAdmin'])('lets %s accept for itself', async (viewer) => {
      const { body } = await app.graphql(APPROVE, { id: current.id }, world.token(viewer));
      expect(body.errors).toBeUndefined();
      expect((await acceptanceRows(app, world.users[viewer].id)).map((row) => row.legal_term_id)).toEqual([Number(current.id)]);
    });

    it.each<[string, () => string, string]>([
      ['a draft', () => String(draftId), 'NOT_FOUND'],
      ['a term published in the future', () => String(futureId), 'NOT_FOUND'],
      ['an unknown term', () => '999999', 'NOT_FOUND'],
      ['a malformed id', () => 'abc', 'BAD_USER_INPUT'],
    ])('refuses %s and records nothing', async (_name, id, code) => {
      const { body } = await app.graphql(APPROVE, { id: id() }, world.token('westMember'));
      expect(body.data).toBeNull();
      expect(body.errors[0].extensions.code).toBe(code);
      expect(await acceptanceRows(app, world.users.westMember.id)).toEqual([]);
    });

    it('asks an anonymous caller to authenticate', async () => {
      const { body } = await app.graphql(APPROVE, { id: current.id });
      expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('completeOnboarding', () => {
    it('requires the current terms, then stamps the time once', async () => {
      const token = world.token('labMember');
      const userId = world.users.labMember.id;
      const early = await app.graphql(COMPLETE, {}, token);
      expect(early.body.data).toBeNull();
      expect(early.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(early.body.errors[0].message).toContain(`version ${current.version}`);

      // An older version does not count.
      expect((await app.graphql(APPROVE, { id: String(olderId) }, token)).body.errors).toBeUndefined();
      expect((await app.graphql(COMPLETE, {}, token)).body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(await onboardingCompletedAt(app, userId)).toBeNull();

      expect((await app.graphql(APPROVE, { id: current.id }, token)).body.errors).toBeUndefined();
      const done = await app.graphql(COMPLETE, {}, token);
      expect(done.body.errors).toBeUndefined();
      const stamped = done.body.data.completeOnboarding.onboardingCompletedAt;
      expect(done.body.data.completeOnboarding.id).toBe(String(userId));
      expect(new Date(stamped).getTime()).toBeGreaterThan(Date.now() - 60_000);
      expect(new Date((await onboardingCompletedAt(app, userId))!).toISOString()).toBe(stamped);

      const again = await app.graphql(COMPLETE, {}, token);
      expect(again.body.data.completeOnboarding.onboardingCompletedAt).toBe(stamped);
      expect(new Date((await onboardingCompletedAt(app, userId))!).toISOString()).toBe(stamped);
      expect((await app.graphql(ME, {}, token)).body.data.me.onboardingCompletedAt).toBe(stamped);
    });

    it('asks an anonymous caller to authenticate', async () => {
      const { body } = await app.graphql(COMPLETE);
      expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });
  });
});
