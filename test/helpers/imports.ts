import type { TestApp } from './test-app';
import { pollUntil } from './wait';

/** Waits until the import worker is done with import `id` (its row completed or failed), and gives that status. */
export async function waitForImport(app: TestApp, id: number | string): Promise<'completed' | 'failed'> {
  return pollUntil(async () => {
    const [row] = await app.orm.em.getConnection().execute('select status from import_files where id = ?', [Number(id)]);
    if (!row) throw new Error(`there is no import ${id}`);
    return ['completed', 'failed'].includes(row.status) ? (row.status as 'completed' | 'failed') : undefined;
  }, `import ${id} to finish`);
}
