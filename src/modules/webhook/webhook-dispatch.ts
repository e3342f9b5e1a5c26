import type { JobQueue } from '../../db/job-queue';
import type { Logger } from '../../shared/logger';
import type { EventBus } from '../events/event-bus';
import { deliveryJob, WEBHOOK_QUEUE, type WebhookJobData } from './webhook-jobs';

/** Events handed on per transaction. */
const BATCH = 500;
/** Also looks on its own this often: events committed while no process listened, or a notification lost. */
const SWEEP_MS = 5_000;
/** A wake-up waits this long, so that the events of a burst of commits are handed on together. */
const GATHER_MS = 20;

/**
 * The outbox relay: takes the domain events not yet handed on (`for update skip locked`, so the
 * relays of several processes share them), marks them, and queues one delivery job per event and
 * listening endpoint (enabled, subscribed to the type, registered for the event's company or one
 * above it), all in one transaction: an event is handed on exactly once.
 */
const TAKE_EVENTS = `with recursive batch as (
    select id, type, company_id from domain_events
     where webhooks_dispatched_at is null order by id limit ${BATCH} for update skip locked),
  marked as (
    update domain_events d set webhooks_dispatched_at = now() from batch where d.id = batch.id returning d.id),
  up (event_id, company_id) as (
    select id, company_id from batch where company_id is not null
    union all
    select up.event_id, c.parent_id from up join companies c on c.id = up.company_id where c.parent_id is not null)
  select (select count(*) from marked)::int as taken, b.id as event_id, w.id as endpoint_id
    from batch b left join up on up.event_id = b.id
    left join webhook_endpoints w on w.company_id = up.company_id and w.disabled_at is null and b.type = any(w.event_types)
   order by b.id, w.id`;

export class WebhookDispatcher {
  private running: Promise<void> | undefined;
  private again = false;
  private gathering: NodeJS.Timeout | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: { jobs: JobQueue; events: EventBus; logger: Logger }) {}

  start(): void {
    this.unsubscribe = this.deps.events.onEventsCommitted(() => this.wakeSoon());
    this.sweep = setInterval(() => this.wake(), SWEEP_MS);
    this.sweep.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.sweep);
    clearTimeout(this.gathering);
    this.again = false;
    await this.running;
  }

  /** Hands on what is waiting after `GATHER_MS`, with whatever else commits meanwhile. */
  private wakeSoon(): void {
    this.gathering ??= setTimeout(() => {
      this.gathering = undefined;
      this.wake();
    }, GATHER_MS);
  }

  /** Hands on what is waiting now; a wake during a run makes the run go round once more. */
  wake(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async run(): Promise<void> {
    try {
      while (await this.handOnBatch());
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not hand domain events on to webhooks; retrying shortly');
    }
  }

  /** One batch, on the job queue's own connections; true when it was full (more may be waiting). */
  private async handOnBatch(): Promise<boolean> {
    return this.deps.jobs.transaction(async (tx) => {
      const rows = await tx.query<{ taken: number; event_id: number; endpoint_id: number | null }>(TAKE_EVENTS);
      const deliveries: WebhookJobData[] = rows
        .filter((row) => row.endpoint_id !== null)
        .map((row) => ({ endpointId: row.endpoint_id!, eventId: row.event_id }));
      await tx.enqueueMany(WEBHOOK_QUEUE, deliveries.map(deliveryJob));
      return (rows[0]?.taken ?? 0) >= BATCH;
    });
  }
}
