import type { MikroORM } from '@mikro-orm/postgresql';
import type { DatabaseNotifications } from '../../db/notifications';
import { queryPrepared } from '../../db/prepared-statements';
import type { Logger } from '../../shared/logger';
import { DOMAIN_EVENTS_CHANNEL, IMPORT_PROGRESS_CHANNEL } from './domain-events';
import type { DomainEventType, EventBus, ImportProgressSignal, PublishedEvent } from './event-bus';

const READ_EVENTS = `select id, type, company_id, occurred_at, payload from domain_events where id = any(?::int[]) order by id`;

interface EventRow {
  id: number;
  type: DomainEventType;
  company_id: number | null;
  occurred_at: Date;
  payload: Record<string, unknown>;
}

/**
 * The event bus over the database's notifications: every process LISTENs (a dedicated connection
 * on a server, the embedded PGlite's session in-process), and a notification names the ids of
 * events just committed, by any process; they are read with one statement per batch of
 * notifications arriving together, then handed to this process's listeners in id order.
 */
export class PostgresEventBus implements EventBus {
  private readonly eventListeners = new Set<(event: PublishedEvent) => void>();
  private readonly progressListeners = new Set<(signal: ImportProgressSignal) => void>();
  private readonly commitListeners = new Set<() => void>();
  private unlisten: (() => Promise<void>) | undefined;
  private pendingIds: number[] = [];
  private flushScheduled = false;
  private readonly reads = new Set<Promise<void>>();
  private running = false;

  constructor(private readonly deps: { orm: MikroORM; notifications: DatabaseNotifications; logger: Logger }) {}

  onEvent(listener: (event: PublishedEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onEventsCommitted(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  onImportProgress(listener: (signal: ImportProgressSignal) => void): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.unlisten = await this.deps.notifications.listen([DOMAIN_EVENTS_CHANNEL, IMPORT_PROGRESS_CHANNEL], {
      onNotification: (channel, payload) => this.received(channel, payload),
      onReconnected: () =>
        this.deps.logger.info('listening for domain events again; events committed meanwhile were not delivered'),
    });
  }

  /** Stops listening and waits for the reads in flight; call it before the pool closes. */
  async stop(): Promise<void> {
    this.running = false;
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    await unlisten?.();
    this.pendingIds = [];
    await Promise.all([...this.reads]);
  }

  private received(channel: string, payload: string): void {
    if (!this.running) return;
    if (channel === IMPORT_PROGRESS_CHANNEL) {
      const importFileId = Number(payload);
      if (Number.isSafeInteger(importFileId))
        for (const listener of [...this.progressListeners]) deliver(listener, { importFileId });
      return;
    }
    if (channel !== DOMAIN_EVENTS_CHANNEL) return;
    for (const listener of [...this.commitListeners]) deliver(listener, undefined);
    // Nobody in this process listens (no live subscription): nothing to read.
    if (!this.eventListeners.size) return;
    const ids = parseIds(payload);
    if (!ids.length) return;
    this.pendingIds.push(...ids);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // The notifications of one commit (and of commits arriving together) are read together.
    setImmediate(() => {
      this.flushScheduled = false;
      const ids = this.pendingIds;
      this.pendingIds = [];
      if (!ids.length || !this.running) return;
      const read = this.read(ids).finally(() => this.reads.delete(read));
      this.reads.add(read);
    });
  }

  private async read(ids: number[]): Promise<void> {
    let rows: EventRow[];
    try {
      rows = await queryPrepared<EventRow>(this.deps.orm.em.fork(), READ_EVENTS, [ids]);
    } catch (error) {
      this.deps.logger.error({ err: error, eventIds: ids }, 'could not read committed domain events; they were not delivered');
      return;
    }
    for (const row of rows) {
      const event: PublishedEvent = {
        id: row.id,
        type: row.type,
        companyId: row.company_id,
        occurredAt: new Date(row.occurred_at),
        payload: row.payload,
      };
      for (const listener of [...this.eventListeners]) deliver(listener, event);
    }
  }
}

function parseIds(payload: string): number[] {
  try {
    const parsed: unknown = JSON.parse(payload);
    return Array.isArray(parsed) ? parsed.filter((id): id is number => Number.isSafeInteger(id)) : [];
  } catch {
    return [];
  }
}

function deliver<T>(listener: (value: T) => void, value: T): void {
  try {
    listener(value);
  } catch {
    // A listener must not throw; one that does must not keep the others from hearing.
  }
}
