/**
 * Runs at most `limit` tasks at once; the others wait their turn in arrival order, at most
 * `maxWaiting` of them (`full` says when one more would be too many: the caller refuses it).
 * For work where more at once only adds context switches and memory (hashes, queries holding rows).
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private refused = 0;

  constructor(
    private readonly limit: number,
    private readonly maxWaiting = Infinity,
  ) {}

  get full(): boolean {
    return this.running >= this.limit && this.waiting.length >= this.maxWaiting;
  }

  /** Tasks running, waiting, and refused by `runUnlessFull` so far: what the metrics read when scraped. */
  get load(): { running: number; waiting: number; refused: number } {
    return { running: this.running, waiting: this.waiting.length, refused: this.refused };
  }

  /** Runs `task` as `run` does, unless one more would be too many (`full`): then `refusal` answers instead. */
  runUnlessFull<T>(task: () => T | Promise<T>, refusal: () => T): Promise<T> {
    if (!this.full) return this.run(task);
    this.refused += 1;
    return Promise.resolve(refusal());
  }

  async run<T>(task: () => T | Promise<T>): Promise<T> {
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
