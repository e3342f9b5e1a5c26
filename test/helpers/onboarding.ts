import type { TestApp } from './test-app';

/** The user's rows of legal_term_acceptances, oldest first. */
export function acceptanceRows(app: TestApp, userId: number): Promise<{ legal_term_id: number; accepted_at: Date }[]> {
  return app.orm.em
    .getConnection()
    .execute('select legal_term_id, accepted_at from legal_term_acceptances where user_id = ? order by id', [userId]);
}

/** When the user completed its onboarding, as its row says (null before). */
export async function onboardingCompletedAt(app: TestApp, userId: number): Promise<Date | null> {
  const [row] = await app.orm.em.getConnection().execute('select onboarding_completed_at from users where id = ?', [userId]);
  return row.onboarding_completed_at;
}
