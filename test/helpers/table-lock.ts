import { Client } from 'pg';

/**
 * Runs `work` while another session holds the `users` table in access exclusive mode (every
 * statement reading it waits for the lock), then lets the lock go.
 */
export async function whileUsersLocked<T>(connectionString: string, work: () => Promise<T>): Promise<T> {
  const locker = new Client({ connectionString });
  await locker.connect();
  try {
    await locker.query('begin');
    await locker.query('lock table users in access exclusive mode');
    return await work();
  } finally {
    await locker.query('rollback').catch(() => undefined);
    await locker.end();
  }
}
