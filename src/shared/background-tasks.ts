import { errorKind } from './errors';
import type { Logger } from './logger';

/**
 * Small work a request starts but does not wait for, in this process (the last-use stamp of a
 * session or key): nothing that must survive a restart, which is the job queue's. Failures are
 * logged; `drain` lets a shutdown finish them before the database closes.
 */
export class BackgroundTasks {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  run(name: string, work: () => Promise<void>): void {
    const task: Promise<void> = work()
      .catch((error: unknown) => this.logger.error({ task: name, error: errorKind(error) }, 'a background task failed'))
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  async drain(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }
}
