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
 * On a PostgreSQL server: one dedicated connection per `listen` (outside the pool: a pooled
 * connection would be handed to queries), which reconnects with a doubling backoff when it drops.
 */
export function serverNotifications(options: ServerListenOptions): DatabaseNotifications {
  return {
    async listen(channels, handler) {
      const listener = new ServerListener(options, channels, handler);
      await listener.start();
      return () => listener.stop();
    },
  };
}

class ServerListener {
  private client: Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private backoffMs: number;

  constructor(
    private readonly options: ServerListenOptions,
    private readonly channels: string[],
    private readonly handler: NotificationHandler,
  ) {
    this.backoffMs = options.minBackoffMs ?? 100;
  }

  /** The first connection must succeed: a gateway that cannot listen does not start. */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.options.clientUrl,
      keepAlive: true,
      ...(this.options.connectTimeoutMs ? { connectionTimeoutMillis: this.options.connectTimeoutMs } : {}),
    });
    client.on('notification', ({ channel, payload }) => this.handler.onNotification(channel, payload ?? ''));
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      if (this.stopped) return;
      this.options.logger?.warn({ err: error }, 'the connection listening for database notifications was lost; reconnecting');
      this.scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    try {
      await client.connect();
      for (const channel of this.channels) await client.query(`listen "${channel.replace(/"/g, '""')}"`);
    } catch (error) {
      lost = true;
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  private scheduleReconnect(): void {
    const wait = this.backoffMs;
    this.backoffMs = Math.min(wait * 2, this.options.maxBackoffMs ?? 5_000);
    this.retry = setTimeout(() => {
      if (this.stopped) return;
      this.connect().then(
        () => {
          this.backoffMs = this.options.minBackoffMs ?? 100;
          if (!this.stopped) this.handler.onReconnected?.();
        },
        (error: unknown) => {
          this.options.logger?.warn({ err: error, retryInMs: this.backoffMs }, 'listening for database notifications failed');
          this.scheduleReconnect();
        },
      );
    }, wait);
    this.retry.unref?.();
  }
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
        await this.runStatement(`listen "${channel.replace(/"/g, '""')}"`);
      }
      handlers.add(handler);
    }
    return async () => {
      for (const channel of channels) this.handlers.get(channel)?.delete(handler);
    };
  }
}
