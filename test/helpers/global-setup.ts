import { removeRunDirectory, useRunDirectory } from './run-directory';

/**
 * Jest's global set-up: prepares the template databases of the run (template-database.ts). It runs
 * in Jest's own process, whose global scope a test environment copies when the tests run in band;
 * the app's modules keep their metadata there (MikroORM's, type-graphql's), and the tests would get
 * it from this realm instead of their own. So the app is loaded only here, and what it added to
 * the global scope is removed once the templates are made.
 */
export default async function globalSetup(): Promise<void> {
  useRunDirectory();
  const globalsBefore = new Set(Reflect.ownKeys(globalThis));
  try {
    const { prepareTemplateDatabases } = await import('./template-database');
    await prepareTemplateDatabases();
  } catch (error) {
    // Jest runs no tear-down after a set-up that failed.
    removeRunDirectory();
    throw error;
  } finally {
    for (const key of Reflect.ownKeys(globalThis)) {
      if (!globalsBefore.has(key)) Reflect.deleteProperty(globalThis, key);
    }
  }
}
