import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { appendDomainEvents, type DomainEventEntry } from '../../src/modules/events/domain-events';
import type { TestApp } from './test-app';
import { pollUntil } from './wait';

export type Transport = 'ws' | 'sse';
export const TRANSPORTS: Transport[] = ['ws', 'sse'];

/** How a subscription ended: completed, with GraphQL errors, or its transport refused/closed (close code, HTTP status). */
export type Ending =
  | { kind: 'complete' }
  | { kind: 'errors'; codes: string[]; messages: string[] }
  | { kind: 'closed'; code: number; reason: string }
  | { kind: 'http'; status: number };

export interface LiveSubscription {
  /** `data[field]` of every message, in order. */
  values: any[];
  /** Codes of the errors of messages that carried some. */
  errorCodes: string[];
  ended: Promise<Ending>;
  /** Waits until `count` values arrived. */
  waitForValues(count: number): Promise<any[]>;
  /** Resolves once the server acknowledged the connection (WebSocket) or accepted the stream (SSE). */
  stop(): void;
}

/**
 * Subscribes through a real graphql-ws or graphql-sse client, with `token` as the credential (none:
 * anonymous). `byId` names a trusted document instead of sending its text (`query` is then empty):
 * the payload's `documentId` or `extensions`, and the field the values are read from.
 */
export function subscribe(
  app: TestApp,
  transport: Transport,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
  byId?: { field: string; documentId?: string; extensions?: Record<string, unknown> },
): LiveSubscription {
  const values: any[] = [];
  const errorCodes: string[] = [];
  let settle!: (ending: Ending) => void;
  const ended = new Promise<Ending>((resolve) => (settle = resolve));
  const field = byId?.field ?? /{\s*(\w+)/.exec(query)![1];
  const payload = byId
    ? { query: '', variables, documentId: byId.documentId, extensions: byId.extensions }
    : { query, variables };
  const sink = {
    next: (result: any) => {
      if (result.errors?.length) {
        errorCodes.push(...result.errors.map((error: any) => error.extensions?.code));
        settle({
          kind: 'errors',
          codes: result.errors.map((error: any) => error.extensions?.code),
          messages: result.errors.map((error: any) => error.message),
        });
      }
      if (result.data?.[field]) values.push(result.data[field]);
    },
    error: (error: unknown) => {
      if (Array.isArray(error)) {
        settle({ kind: 'errors', codes: error.map((e) => e.extensions?.code), messages: error.map((e) => e.message) });
      } else if (error && typeof error === 'object' && 'code' in error && typeof (error as any).code === 'number') {
        settle({ kind: 'closed', code: (error as any).code, reason: String((error as any).reason) });
      } else if (error && typeof error === 'object' && 'response' in error && (error as any).response) {
        settle({ kind: 'http', status: (error as any).response.status });
      } else {
        settle({ kind: 'closed', code: -1, reason: String(error) });
      }
    },
    complete: () => settle({ kind: 'complete' }),
  };
  let stop: () => void;
  if (transport === 'ws') {
    const client = createWsClient({
      url: `${app.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      retryAttempts: 0,
      lazy: true,
      on: { closed: (event: any) => event?.code !== 1000 && sink.error(event) },
    });
    const unsubscribe = client.subscribe(payload, sink);
    stop = () => {
      unsubscribe();
      void client.dispose();
    };
  } else {
    const client = createSseClient({
      url: `${app.url}/graphql/stream`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      retryAttempts: 0,
      fetchFn: fetch,
    });
    const unsubscribe = client.subscribe(payload, sink);
    stop = () => {
      unsubscribe();
      client.dispose();
    };
  }
  void ended.then(() => setTimeout(() => stop(), 0));
  return {
    values,
    errorCodes,
    ended,
    stop: () => stop(),
    waitForValues: (count) => pollUntil(async () => (values.length >= count ? values : undefined), `${count} values of ${field}`),
  };
}

/** Appends domain events in a committed transaction: the app's bus delivers them as it delivers any change's. */
export async function publishEvents(app: TestApp, events: DomainEventEntry[]): Promise<void> {
  await app.orm.em.fork().transactional((em) => appendDomainEvents(em, events));
}

/** Waits until `count` subscriptions listen on the app's bus (both transports subscribe asynchronously). */
export async function waitForListeners(app: TestApp, kind: 'events' | 'progress', count: number): Promise<void> {
  const listeners = (app.events as unknown as Record<string, Set<unknown>>)[
    kind === 'events' ? 'eventListeners' : 'progressListeners'
  ];
  await pollUntil(async () => (listeners.size >= count ? true : undefined), `${count} ${kind} listeners`);
}
