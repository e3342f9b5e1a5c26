import { buildWorld, type World } from './fixtures';
import { startTestApp, type TestApp, type TestAppOptions } from './test-app';

/** How a set-up starts its app: `startTestApp`, or the REST tests' `startContractApp`. */
export type StartApp = (env: Record<string, string>, options: TestAppOptions) => Promise<TestApp>;

export interface SetupOptions extends TestAppOptions {
  /** Starts the app another way than `startTestApp` (the REST tests check every answer against the document). */
  start?: StartApp;
}

/**
 * How long starting (or closing) a test's app and building its world may take. Alone, a start takes
 * about a second; on a loaded 2-core machine (three test batches at a time, and whatever else runs)
 * it can take many times that, and a set-up that times out fails every test it was for.
 */
export const SET_UP_TIMEOUT_MS = 120_000;

/** Starts the app before the tests of the enclosing describe (or file) and closes it after them; use what it returns inside tests and hooks. */
export function useTestApp(env: Record<string, string> = {}, options: SetupOptions = {}): TestApp {
  const { start = startTestApp, ...appOptions } = options;
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await start(env, appOptions);
  }, SET_UP_TIMEOUT_MS);
  afterAll(() => app?.close(), SET_UP_TIMEOUT_MS);
  return standIn(() => app, 'the test app');
}

/** As `useTestApp`, then builds the fixture world (two company trees, one user per role) on the app's fresh database. */
export function useTestWorld(env: Record<string, string> = {}, options: SetupOptions = {}): { app: TestApp; world: World } {
  const app = useTestApp(env, options);
  let world: World | undefined;
  beforeAll(async () => {
    world = await buildWorld(app);
  }, SET_UP_TIMEOUT_MS);
  return { app, world: standIn(() => world, 'the fixture world') };
}

/** An object that stands for the value `current()` gives when it is used: for values that only exist once the beforeAll hooks ran. */
export function standIn<T extends object>(current: () => T | undefined, name = 'the value'): T {
  const target = (): T => {
    const value = current();
    if (!value) throw new Error(`${name} is not there yet: use it inside a test or a hook, after its beforeAll`);
    return value;
  };
  return new Proxy({} as T, {
    get: (_empty, key) => Reflect.get(target(), key),
    has: (_empty, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_empty, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
  });
}
