/**
 * Runs at most `limit` tasks at once; the others wait their turn in arrival order. For CPU-bound
 * work on libuv's thread pool, where more tasks than cores only add context switches and memory.
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so `running` never drops below a waiter's count.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
