import { AsyncQueue } from '../../shared/async-queue';
import { invalidField, notFound } from '../../shared/errors';
import { authorize, can } from '../auth/policy';
import { DOMAIN_EVENT_TYPES, type DomainEventType, type PublishedEvent } from '../events/event-bus';
import type { ImportFile } from '../import/import-file.entity';
import { ImportStatus } from '../import/import-file.entity';
import type { RequestContext } from '../request-context';
import { LivePayload, type LiveSession, liveSessionOf } from './live-session';

const FINAL_IMPORT_STATUSES: ReadonlySet<ImportStatus> = new Set([ImportStatus.COMPLETED, ImportStatus.FAILED]);

export type LiveStream<T> = AsyncQueue<LivePayload<T>>;

function sessionOf(context: RequestContext): LiveSession {
  const session = liveSessionOf(context);
  // Apollo's HTTP transport refuses subscriptions before any resolver runs; this is the last guard.
  if (!session) throw invalidField('subscription', 'runs over WebSocket (/graphql) or SSE (/graphql/stream) only');
  return session;
}

/**
 * The import as it is now, then again on every progress signal of it, read through a fresh context
 * (the viewer's credential and rights checked again each time); ends after its final status.
 */
export async function importProgressStream(context: RequestContext, importFileId: number): Promise<LiveStream<ImportFile>> {
  const session = sessionOf(context);
  const queue = new AsyncQueue<LivePayload<ImportFile>>();
  const emitted = (importFile: ImportFile, by: RequestContext) => {
    queue.push(LivePayload.of(importFile, by));
    if (FINAL_IMPORT_STATUSES.has(importFile.status)) queue.end();
  };
  // One read at a time; signals that arrive during a read are answered by one more read after it.
  let reading = true;
  let signalled = false;
  const read = async (): Promise<void> => {
    if (reading) {
      signalled = true;
      return;
    }
    reading = true;
    try {
      do {
        signalled = false;
        if (queue.done) return;
        try {
          const fresh = await session.context();
          emitted(await fresh.services.imports.findReadable(importFileId), fresh);
        } catch (error) {
          queue.push(LivePayload.failure(error));
          queue.end();
        }
      } while (signalled);
    } finally {
      reading = false;
    }
  };
  // Listening before the first read: a batch committed meanwhile is not missed.
  queue.onReturn(context.deps.events.onImportProgress((signal) => void (signal.importFileId === importFileId && read())));
  queue.onReturn(session.onEnd((reason) => (queue.push(LivePayload.failure(reason)), queue.end())));
  // The final status commits after the last batch's signal, and a signal may be missed (a reconnecting
  // listener): the import is also read again at every credential re-check interval until it is final.
  const poll = setInterval(() => void read(), context.deps.config.subscriptionRecheckMs);
  queue.onReturn(() => clearInterval(poll));
  try {
    emitted(await context.services.imports.findReadable(importFileId), context);
  } catch (error) {
    await queue.return();
    throw error;
  }
  reading = false;
  if (signalled) void read();
  return queue;
}

/** `types` as given, each one checked against DOMAIN_EVENT_TYPES (undefined: every type). */
export function eventTypesFilter(types: readonly string[] | null | undefined): ReadonlySet<DomainEventType> | undefined {
  if (types == null) return undefined;
  const unknown = types.filter((type) => !(DOMAIN_EVENT_TYPES as readonly string[]).includes(type));
  if (unknown.length) {
    throw invalidField('types', `has unknown event types (${unknown.join(', ')}); known: ${DOMAIN_EVENT_TYPES.join(', ')}`);
  }
  return new Set(types as DomainEventType[]);
}

/** Companies of the tree of `companyId` (itself included), as they are when the subscription starts. */
const SUBTREE = `with recursive tree (id) as (
    select id from companies where id = ?
    union all
    select c.id from companies c join tree on c.parent_id = tree.id
  ) select id from tree`;
/** Whether the first company is in the tree of the second (for companies created after the start). */
const IN_TREE = `with recursive up (id, parent_id) as (
    select id, parent_id from companies where id = ?
    union all
    select c.id, c.parent_id from companies c join up on c.id = up.parent_id
  ) select 1 as found from up where id = ? limit 1`;
/** Companies whose tree membership is remembered per subscription, at most. */
const REMEMBERED_COMPANIES = 10_000;

/**
 * The domain events of the companies in the tree of `companyId`, optionally of some types only.
 * The viewer must be admin there (`event.read`); before each event its credential and rank are
 * checked again, and the subscription ends with the refusal once either is gone.
 */
export async function domainEventStream(
  context: RequestContext,
  companyId: number,
  types: ReadonlySet<DomainEventType> | undefined,
): Promise<LiveStream<PublishedEvent>> {
  const session = sessionOf(context);
  authorize(await context.scope(), 'event.read', companyId, { kind: 'company', id: companyId });
  const rows: { id: number }[] = await context.em.getConnection().execute(SUBTREE, [companyId]);
  const inTree = new Map<number, boolean>(rows.map((row) => [Number(row.id), true]));
  const queue = new AsyncQueue<LivePayload<PublishedEvent>>();
  const fail = (error: unknown) => {
    queue.push(LivePayload.failure(error));
    queue.end();
  };
  const belongs = async (fresh: RequestContext, eventCompanyId: number): Promise<boolean> => {
    const known = inTree.get(eventCompanyId);
    if (known !== undefined) return known;
    const [found] = await fresh.em.getConnection().execute(IN_TREE, [eventCompanyId, companyId]);
    if (inTree.size >= REMEMBERED_COMPANIES) inTree.clear();
    inTree.set(eventCompanyId, Boolean(found));
    return Boolean(found);
  };
  // Events are handled one after the other, in the order they were published.
  let turn = Promise.resolve();
  const deliver = async (event: PublishedEvent) => {
    if (queue.done || event.companyId === null || (types && !types.has(event.type))) return;
    try {
      const fresh = await session.context();
      const scope = await fresh.scope();
      if (!scope.canSeeCompany(companyId)) return fail(notFound('company', companyId));
      if (!can(scope, 'event.read', companyId)) authorize(scope, 'event.read', companyId, { kind: 'company', id: companyId });
      if (!(await belongs(fresh, event.companyId)) || !can(scope, 'event.read', event.companyId)) return;
      queue.push(LivePayload.of(event, fresh));
    } catch (error) {
      fail(error);
    }
  };
  queue.onReturn(
    context.deps.events.onEvent((event) => {
      turn = turn.then(() => deliver(event));
    }),
  );
  queue.onReturn(session.onEnd(fail));
  return queue;
}
