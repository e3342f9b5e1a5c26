import { Client } from 'pg';
import type { Logger } from '../shared/logger';

/** What a listener of PostgreSQL notifications is told. */
export interface NotificationHandler {
  onNotification(channel: string, payload: string): void;
  /**
   * The listening connection was (re-)established after it had been lost: notifications committed
   * in between were missed. Not called for the first connection.
   */
  onReconnected?(): void;
}

/**
 * PostgreSQL LISTEN, as both databases provide it: a dedicated connection on a server, the
 * embedded PGlite's own session in-process. Notifications arrive after their transaction commits.
 */
export interface DatabaseNotifications {
  /** Listens to `channels` until the returned function is called. */
  listen(channels: string[], handler: NotificationHandler): Promise<() => Promise<void>>;
}

interface ServerListenOptions {
  clientUrl: string;
  connectTimeoutMs?: number;
  logger?: Logger;
  /** First wait before a reconnect; doubles up to `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * On a PostgreSQL server: one dedicated connection per process (outside the pool: a pooled
 * connection would be handed to queries) carries every channel listened to, and reconnects with a
 * doubling backoff when it drops. It opens with the first `listen` and closes when the last
 * listener stops.
 */
export function serverNotifications(options: ServerListenOptions): DatabaseNotifications {
  return new ServerNotifications(options);
}

class ServerNotifications implements DatabaseNotifications {
  private readonly handlers = new Map<string, Set<NotificationHandler>>();
  private client: Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private backoffMs: number;
  /** Connecting, LISTEN and UNLISTEN run one after another. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ServerListenOptions) {
    this.backoffMs = this.minBackoffMs;
  }

  /** The first `listen` must connect: a gateway that cannot listen does not start. */
  listen(channels: string[], handler: NotificationHandler): Promise<() => Promise<void>> {
    return this.serialized(async () => {
      if (!this.client && !this.retry) await this.connect(channels);
      const fresh = channels.filter((channel) => !this.handlers.has(channel));
      for (const channel of channels) {
        const handlers = this.handlers.get(channel) ?? new Set();
        handlers.add(handler);
        this.handlers.set(channel, handlers);
      }
      const client = this.client;
      // On a failure the connection is lost: reconnecting listens to every channel again.
      if (client) await listenTo(client, fresh).catch((error: Error) => this.lose(client, error));
      return () => this.serialized(() => this.unlisten(channels, handler));
    });
  }

  private async unlisten(channels: string[], handler: NotificationHandler): Promise<void> {
    const emptied = channels.filter((channel) => {
      const handlers = this.handlers.get(channel);
      handlers?.delete(handler);
      if (handlers?.size !== 0) return false;
      this.handlers.delete(channel);
      return true;
    });
    const client = this.client;
    if (!client) {
      if (this.handlers.size === 0) this.cancelReconnect();
      return;
    }
    if (this.handlers.size > 0) {
      for (const channel of emptied) await client.query(`unlisten ${quoted(channel)}`).catch(() => undefined);
      return;
    }
    this.client = undefined;
    await client.end().catch(() => undefined);
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Opens the connection and listens to `extraChannels` and every channel already listened to. */
  private async connect(extraChannels: string[] = []): Promise<void> {
    const client = new Client({
      connectionString: this.options.clientUrl,
      keepAlive: true,
      ...(this.options.connectTimeoutMs ? { connectionTimeoutMillis: this.options.connectTimeoutMs } : {}),
    });
    client.on('notification', ({ channel, payload }) => {
      for (const handler of [...(this.handlers.get(channel) ?? [])]) handler.onNotification(channel, payload ?? '');
    });
    // Until `this.client` is this client, a failure is the connect's own and rejects it.
    client.on('error', (error) => this.lose(client, error));
    client.on('end', () => this.lose(client));
    try {
      await client.connect();
      await listenTo(client, [...new Set([...this.handlers.keys(), ...extraChannels])]);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
  }

  private lose(client: Client, error?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.options.logger?.warn({ err: error }, 'the connection listening for database notifications was lost; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const wait = this.backoffMs;
    this.backoffMs = Math.min(wait * 2, this.options.maxBackoffMs ?? 5_000);
    this.retry = setTimeout(() => {
      void this.serialized(async () => {
        this.retry = undefined;
        if (this.client || this.handlers.size === 0) return;
        try {
          await this.connect();
        } catch (error) {
          this.options.logger?.warn({ err: error, retryInMs: this.backoffMs }, 'listening for database notifications failed');
          this.scheduleReconnect();
          return;
        }
        this.backoffMs = this.minBackoffMs;
        const listeners = new Set([...this.handlers.values()].flatMap((handlers) => [...handlers]));
        for (const handler of listeners) handler.onReconnected?.();
      });
    }, wait);
    this.retry.unref?.();
  }

  private cancelReconnect(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    this.backoffMs = this.minBackoffMs;
  }

  private get minBackoffMs(): number {
    return this.options.minBackoffMs ?? 100;
  }
}

async function listenTo(client: Client, channels: string[]): Promise<void> {
  for (const channel of channels) await client.query(`listen ${quoted(channel)}`);
}

function quoted(channel: string): string {
  return `"${channel.replace(/"/g, '""')}"`;
}

/**
 * On the embedded PGlite: one session serves every connection, so a LISTEN issued through the
 * pool holds for the whole database, and PGlite writes each committed notification into the wire
 * output of the connection whose statement committed it: the driver's `notification` events of the
 * pool's connections (see `ormOptions`' `onNotification`) are the delivery. PGlite's own
 * `db.listen()` callbacks are NOT called for statements arriving through the socket server.
 */
export class InProcessNotifications implements DatabaseNotifications {
  private readonly handlers = new Map<string, Set<NotificationHandler>>();

  /** @param runStatement runs one statement on the embedded database (through the pool). */
  constructor(private readonly runStatement: (sql: string) => Promise<unknown>) {}

  /** Fed by every pooled connection's `notification` event. */
  readonly dispatch = (channel: string, payload: string): void => {
    for (const handler of this.handlers.get(channel) ?? []) handler.onNotification(channel, payload);
  };

  async listen(channels: string[], handler: NotificationHandler): Promise<() => Promise<void>> {
    for (const channel of channels) {
      let handlers = this.handlers.get(channel);
      if (!handlers) {
        handlers = new Set();
        this.handlers.set(channel, handlers);
        await this.runStatement(`listen ${quoted(channel)}`);
      }
      handlers.add(handler);
    }
    return async () => {
      for (const channel of channels) this.handlers.get(channel)?.delete(handler);
    };
  }
}
