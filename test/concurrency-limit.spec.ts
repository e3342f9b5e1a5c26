import { ConcurrencyLimit } from '../src/shared/concurrency-limit';

describe('ConcurrencyLimit', () => {
  it('runs at most `limit` tasks at once, the rest in arrival order, and frees a slot when a task fails', async () => {
    const limit = new ConcurrencyLimit(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const task = (id: number, fail = false) =>
      limit.run(async () => {
        started.push(id);
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
        if (fail) throw new Error(`task ${id} failed`);
        return id;
      });
    const results = await Promise.allSettled([task(1, true), task(2), task(3), task(4, true), task(5)]);
    expect(peak).toBe(2);
    expect(started).toEqual([1, 2, 3, 4, 5]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    // Every slot came back: two more tasks start at once.
    await Promise.all([task(6), task(7)]);
    expect(peak).toBe(2);
  });

  it('is full once `limit` tasks run and `maxWaiting` wait, and not full again when one ends', async () => {
    const limit = new ConcurrencyLimit(1, 1);
    const release: (() => void)[] = [];
    const task = () => limit.run(() => new Promise<void>((resolve) => release.push(resolve)));
    expect(limit.full).toBe(false);
    const running = task();
    await Promise.resolve();
    expect(limit.full).toBe(false);
    const waiting = task();
    expect(limit.full).toBe(true);
    release.shift()!();
    await running;
    expect(limit.full).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    release.shift()!();
    await waiting;
    expect(limit.full).toBe(false);
  });
});
