import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * A PostgreSQL wire-protocol proxy that counts the statements its clients send. Bytes are
 * forwarded both ways unchanged; only the frontend (client → server) stream is parsed, and every
 * simple Query ('Q') and extended-protocol Execute ('E') message counts as one statement. Pointing
 * each benchmarked server's pool at its own proxy counts all three the same way, whatever driver
 * or ORM they use (`pg_stat_statements` would need an extension and a superuser). Each connection
 * is known by the `application_name` of its startup message, so that the statements of a server's
 * background connections (its job queue's) can be told from those of its requests.
 */

const SSL_REQUEST_CODE = 80877103;
const GSSENC_REQUEST_CODE = 80877104;
const STARTUP_HEADER_BYTES = 8; // int32 length + int32 protocol code, no type byte
const TYPED_HEADER_BYTES = 5; // type byte + int32 length (which counts itself, not the type)
/** Startup parameters longer than this are not read (they are forwarded all the same). */
const MAX_STARTUP_BODY_BYTES = 16 * 1024;

/** Parses frontend messages incrementally, however the stream is split into chunks. */
export class FrontendMessageCounter {
  statements = 0;
  /** Set when the server accepted TLS: the stream is then opaque and nothing more is counted. */
  encrypted = false;
  private startupPhase = true;
  private awaitingEncryptionAnswer = false;
  private readonly header = Buffer.alloc(STARTUP_HEADER_BYTES);
  private headerFill = 0;
  private bytesToSkip = 0;
  /** The startup message's parameters while they arrive, when they are read. */
  private startupBody: { buffer: Buffer; filled: number } | undefined;
  /** The connection's `application_name`, once its startup message has been read. */
  applicationName: string | undefined;

  feed(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && !this.encrypted) {
      if (this.bytesToSkip > 0) {
        const skipped = Math.min(this.bytesToSkip, chunk.length - offset);
        if (this.startupBody) {
          this.startupBody.filled += chunk.copy(this.startupBody.buffer, this.startupBody.filled, offset, offset + skipped);
          if (this.startupBody.filled === this.startupBody.buffer.length) this.readStartupParameters(this.startupBody.buffer);
        }
        this.bytesToSkip -= skipped;
        offset += skipped;
        continue;
      }
      const headerBytes = this.startupPhase ? STARTUP_HEADER_BYTES : TYPED_HEADER_BYTES;
      const copied = chunk.copy(this.header, this.headerFill, offset, offset + headerBytes - this.headerFill);
      this.headerFill += copied;
      offset += copied;
      if (this.headerFill < headerBytes) return;
      this.headerFill = 0;
      if (this.startupPhase) this.onStartupHeader();
      else this.onTypedHeader();
    }
  }

  /** The first byte the server sends after an SSLRequest or GSSENCRequest: 'S'/'G' accept, 'N' refuses. */
  onBackendChunk(chunk: Buffer): void {
    if (!this.awaitingEncryptionAnswer || chunk.length === 0) return;
    this.awaitingEncryptionAnswer = false;
    const answer = String.fromCharCode(chunk[0]);
    if (answer === 'S' || answer === 'G') this.encrypted = true;
  }

  private onStartupHeader(): void {
    const length = this.header.readInt32BE(0);
    const code = this.header.readInt32BE(4);
    this.bytesToSkip = Math.max(0, length - STARTUP_HEADER_BYTES);
    if (this.bytesToSkip > 0 && this.bytesToSkip <= MAX_STARTUP_BODY_BYTES) {
      this.startupBody = { buffer: Buffer.alloc(this.bytesToSkip), filled: 0 };
    }
    if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE) {
      // Another startup-format packet follows if the server refuses encryption.
      this.awaitingEncryptionAnswer = true;
      return;
    }
    this.startupPhase = false;
  }

  /** The startup message's body: name and value pairs, each NUL-terminated, then one NUL. */
  private readStartupParameters(body: Buffer): void {
    this.startupBody = undefined;
    const fields = body.toString('utf8').split('\0');
    for (let index = 0; index + 1 < fields.length && fields[index] !== ''; index += 2) {
      if (fields[index] === 'application_name') this.applicationName = fields[index + 1];
    }
  }

  private onTypedHeader(): void {
    const type = String.fromCharCode(this.header[0]);
    const length = this.header.readInt32BE(1);
    if (type === 'Q' || type === 'E') this.statements += 1;
    this.bytesToSkip = Math.max(0, length - 4);
  }
}

export interface StatementCounter {
  port: number;
  /** Statements sent through this proxy since it started, over all connections, open or closed. */
  statements(): number;
  /** Of those, the statements of connections whose `application_name` is `applicationName`. */
  statementsOf(applicationName: string): number;
  /** Connections whose traffic could not be counted because they switched to TLS. */
  encryptedConnections(): number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (an ephemeral port unless given) and forwards to the PostgreSQL at `target`. */
export function startStatementCounter(target: { host: string; port: number }, listenPort = 0): Promise<StatementCounter> {
  const counters = new Set<FrontendMessageCounter>();
  const sockets = new Set<Socket>();
  /** Statements of the connections closed, by application_name ('' for none). */
  const closedStatements = new Map<string, number>();
  let encrypted = 0;
  /** Statements of the connections named `applicationName` ('' for none), or of all of them. */
  const countOf = (applicationName?: string) =>
    [...closedStatements, ...[...counters].map((counter) => [counter.applicationName ?? '', counter.statements] as const)].reduce(
      (sum, [name, count]) => sum + (applicationName === undefined || name === applicationName ? count : 0),
      0,
    );

  const server: Server = createServer((client) => {
    const counter = new FrontendMessageCounter();
    counters.add(counter);
    const upstream = connect(target.port, target.host);
    // Forward each chunk at once, as the servers' own sockets do (PostgreSQL and pg both set
    // TCP_NODELAY): with Nagle's algorithm on the proxy's sockets, a reply that reaches it in two
    // chunks waited for the client's delayed ACK, up to 40 ms per statement.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => counter.feed(chunk));
    upstream.on('data', (chunk: Buffer) => counter.onBackendChunk(chunk));
    client.pipe(upstream);
    upstream.pipe(client);
    const finish = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      if (counters.delete(counter)) {
        const name = counter.applicationName ?? '';
        closedStatements.set(name, (closedStatements.get(name) ?? 0) + counter.statements);
        if (counter.encrypted) encrypted += 1;
      }
    };
    client.on('close', finish).on('error', finish);
    upstream.on('close', finish).on('error', finish);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => {
      const address = server.address();
      if (!address || typeof address === 'string') return reject(new Error('the statement counter has no TCP address'));
      resolve({
        port: address.port,
        statements: () => countOf(),
        statementsOf: (applicationName) => countOf(applicationName),
        encryptedConnections: () => encrypted + [...counters].filter((counter) => counter.encrypted).length,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
