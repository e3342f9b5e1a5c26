import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../../config';
import type { BatchJobHandler, BatchOutcome, Job, JobQueue, QueueDefinition } from '../../db/job-queue';
import { queryPrepared } from '../../db/prepared-statements';
import type { Logger } from '../../shared/logger';
import { webhookDisabledMail } from '../../shared/mail/templates';
import { rankRequiredFor } from '../auth/policy';
import type { MailQueue } from '../mail/mail-queue';
import { type DeliveryOutcome, sendWebhook } from './webhook-sender';

export const WEBHOOK_QUEUE = 'webhook';

export interface WebhookJobData {
  endpointId: number;
  eventId: number;
}

type WebhookSettings = Config['webhooks'];

/** Jobs a worker takes at once. One worker per process keeps each endpoint's deliveries in order there. */
const BATCH_SIZE = 20;

/**
 * One job per event and endpoint, attempted up to `maxAttempts` times with a doubling delay (by
 * default 60 s, 12 attempts: from about 34 hours to about 68 hours in all).
 */
export function webhookQueue(settings: WebhookSettings): QueueDefinition {
  return {
    name: WEBHOOK_QUEUE,
    retryLimit: settings.maxAttempts - 1,
    retryDelaySeconds: settings.retryDelaySeconds,
    // A batch sends one endpoint's deliveries one after the other: room for a whole batch of timeouts.
    expireInSeconds: Math.ceil((settings.timeoutMs * BATCH_SIZE) / 1000) + 60,
    concurrency: 1,
    batchSize: BATCH_SIZE,
  };
}

/** Oldest event first: a delivery's priority is minus its event's id. */
export function deliveryJob(data: WebhookJobData): { data: WebhookJobData; priority: number } {
  return { data, priority: -data.eventId };
}

export async function queueWebhookDelivery(jobs: JobQueue, em: EntityManager, data: WebhookJobData): Promise<void> {
  await jobs.enqueueMany(em, WEBHOOK_QUEUE, [deliveryJob(data)]);
}

interface Target {
  endpoint_id: number;
  event_id: number;
  url: string;
  secret: string;
  previous_secret: string | null;
  disabled: boolean;
  consecutive_failures: number;
  type: string;
  occurred_at: Date | string;
  event_company_id: number | null;
  payload: Record<string, unknown>;
}

/** The endpoint and the event of each job, in one statement (a job whose endpoint was deleted has no row). */
const LOAD_TARGETS = `select w.id as endpoint_id, e.id as event_id, w.url, w.secret,
    case when w.previous_secret_expires_at > now() then w.previous_secret end as previous_secret,
    w.disabled_at is not null as disabled, w.consecutive_failures,
    e.type, e.occurred_at, e.company_id as event_company_id, e.payload
  from unnest(?::int[], ?::int[]) as j (endpoint_id, event_id)
  join webhook_endpoints w on w.id = j.endpoint_id join domain_events e on e.id = j.event_id`;

/** The attempts of a batch in the delivery log, with one statement. */
const LOG_ATTEMPTS = `insert into webhook_deliveries
    (endpoint_id, event_id, attempt, succeeded, final, response_status, latency_ms, error, response_body)
  select * from unnest(?::int[], ?::int[], ?::int[], ?::boolean[], ?::boolean[], ?::int[], ?::int[], ?::text[], ?::text[])`;

/**
 * An endpoint's run of failures after a batch: reset to the failures after its last success when
 * one succeeded, else grown; the run reaching the limit disables the endpoint. `disabled_now` is
 * true when this statement disabled it (its `disabled_at` is this transaction's `now()`).
 */
const COUNT_FAILURES = `update webhook_endpoints w
     set consecutive_failures = case when ?::boolean then ?::int else w.consecutive_failures + ?::int end,
         disabled_at = case when w.disabled_at is null
                             and (case when ?::boolean then ?::int else w.consecutive_failures + ?::int end) >= ?::int
                            then now() else w.disabled_at end
   where w.id = ?
  returning w.company_id, w.url, w.consecutive_failures, w.disabled_at = now() as disabled_now`;

const DISABLED_REASON = `update webhook_endpoints set disabled_reason = 'disabled after ' || consecutive_failures || ' failed attempts in a row'
  where id = ?`;

/** Whoever may manage the endpoint's webhooks: active users with that rank in its company or a company above. */
const ADMINS_OF = `with recursive up (id) as (
    select id from companies where id = ?
    union all
    select c.parent_id from companies c join up on c.id = up.id where c.parent_id is not null)
  select distinct u.email, u.first_name, (select name from companies where id = ?) as company_name
    from user_accesses ua join accesses a on a.id = ua.access_id join users u on u.id = ua.user_id
   where ua.company_id in (select id from up) and a.rank >= ? and u.status = 'active'`;

type Deps = { orm: MikroORM; mails: MailQueue; logger: Logger };

interface Attempt {
  job: Job<WebhookJobData>;
  outcome: DeliveryOutcome;
  final: boolean;
}

/**
 * Delivers a batch of jobs: loads their endpoints and events with one statement, sends each
 * endpoint's deliveries one after the other in the order the queue handed them out (oldest event
 * first; endpoints in parallel; after a failure, the endpoint's later ones wait behind it),
 * then logs every attempt and counts each endpoint's failures in one transaction. Each event is
 * signed the Standard Webhooks way: `webhook-id` is `evt_<id>` on every attempt, so receivers can
 * drop duplicates. A failed attempt fails its job: the queue retries it with backoff.
 */
export function webhookJobHandler(deps: Deps, settings: WebhookSettings): BatchJobHandler<WebhookJobData> {
  return async (jobs) => {
    const em = deps.orm.em.fork();
    const targets = await queryPrepared<Target>(em, LOAD_TARGETS, [
      jobs.map((job) => job.data.endpointId),
      jobs.map((job) => job.data.eventId),
    ]);
    const targetOf = new Map(targets.map((target) => [`${target.endpoint_id}:${target.event_id}`, target]));
    const sendable = jobs.flatMap((job) => {
      const target = targetOf.get(`${job.data.endpointId}:${job.data.eventId}`);
      // Deleted or disabled since the job was queued: nothing to send.
      return target && !target.disabled ? [{ job, target }] : [];
    });
    const byEndpoint = groupBy(sendable, ({ target }) => target.endpoint_id);
    const deferred = new Map<string, BatchOutcome>();
    const attempts = (
      await Promise.all(
        [...byEndpoint.values()].map(async (deliveries) => {
          const sent: Attempt[] = [];
          let failures = deliveries[0].target.consecutive_failures;
          for (const { job, target } of deliveries) {
            // After a failure the endpoint's later events wait, deferred without using an attempt, so
            // they stay behind it (none runs out of attempts unattempted), and one failing endpoint
            // costs a batch one timeout.
            if (sent.length && !sent[sent.length - 1].outcome.ok) {
              deferred.set(job.id, { after: sent[sent.length - 1].job.id });
              continue;
            }
            const outcome = await deliver(target, settings);
            failures = outcome.ok ? 0 : failures + 1;
            sent.push({ job, outcome, final: outcome.ok || job.lastAttempt || failures >= settings.disableAfterFailures });
          }
          return sent;
        }),
      )
    ).flat();
    if (attempts.length) await recordAttempts(deps, settings, attempts);
    const failed = new Map(
      attempts
        .filter(({ outcome }) => !outcome.ok)
        .map(({ job, outcome }) => [
          job.id,
          new Error(`webhook delivery failed: ${outcome.error ?? `HTTP ${outcome.statusCode}`}`),
        ]),
    );
    return jobs.map((job) => failed.get(job.id) ?? deferred.get(job.id));
  };
}

function deliver(target: Target, settings: WebhookSettings): Promise<DeliveryOutcome> {
  const id = `evt_${target.event_id}`;
  const body = JSON.stringify({
    id,
    type: target.type,
    timestamp: new Date(target.occurred_at).toISOString(),
    companyId: target.event_company_id === null ? null : String(target.event_company_id),
    data: target.payload,
  });
  return sendWebhook(
    target.url,
    { id, timestamp: new Date(), body },
    {
      secrets: [target.secret, ...(target.previous_secret ? [target.previous_secret] : [])],
      timeoutMs: settings.timeoutMs,
      rules: { allowPrivateTargets: settings.allowPrivateTargets },
    },
  );
}

async function recordAttempts(deps: Deps, settings: WebhookSettings, attempts: Attempt[]): Promise<void> {
  await deps.orm.em.fork().transactional(async (tx) => {
    await queryPrepared(tx, LOG_ATTEMPTS, [
      attempts.map(({ job }) => job.data.endpointId),
      attempts.map(({ job }) => job.data.eventId),
      attempts.map(({ job }) => job.attempt),
      attempts.map(({ outcome }) => outcome.ok),
      attempts.map(({ final }) => final),
      attempts.map(({ outcome }) => outcome.statusCode),
      attempts.map(({ outcome }) => Math.round(outcome.latencyMs)),
      attempts.map(({ outcome }) => outcome.error?.slice(0, 300) ?? null),
      attempts.map(({ outcome }) => outcome.responseBody),
    ]);
    for (const [endpointId, ofEndpoint] of groupBy(attempts, ({ job }) => job.data.endpointId)) {
      const lastSuccess = ofEndpoint.map(({ outcome }) => outcome.ok).lastIndexOf(true);
      const failuresAfter = ofEndpoint.length - 1 - lastSuccess;
      const reset = lastSuccess >= 0;
      const grown = ofEndpoint.length;
      const [endpoint] = await queryPrepared<{
        company_id: number;
        url: string;
        consecutive_failures: number;
        disabled_now: boolean;
      }>(tx, COUNT_FAILURES, [
        reset,
        failuresAfter,
        grown,
        reset,
        failuresAfter,
        grown,
        settings.disableAfterFailures,
        endpointId,
      ]);
      // Deleted while the attempts ran: their log went with it.
      if (endpoint?.disabled_now) await announceDisabled(deps, tx, endpointId, endpoint);
    }
  });
}

async function announceDisabled(
  deps: Deps,
  tx: EntityManager,
  endpointId: number,
  endpoint: { company_id: number; url: string; consecutive_failures: number },
): Promise<void> {
  await queryPrepared(tx, DISABLED_REASON, [endpointId]);
  deps.logger.warn({ endpointId, failures: endpoint.consecutive_failures }, 'webhook endpoint disabled');
  const admins = await queryPrepared<{ email: string; first_name: string; company_name: string }>(tx, ADMINS_OF, [
    endpoint.company_id,
    endpoint.company_id,
    rankRequiredFor('webhook.manage'),
  ]);
  for (const admin of admins) {
    const mail = webhookDisabledMail(
      { email: admin.email, firstName: admin.first_name },
      { url: endpoint.url, companyName: admin.company_name, failures: endpoint.consecutive_failures },
    );
    await deps.mails.send(tx, mail, 'webhook disabled');
  }
}

function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
