import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** What a client handed over in one SMTP transaction. */
export interface ReceivedMail {
  from: string;
  to: string[];
  data: string;
}

export interface SmtpSink {
  url: string;
  received: ReceivedMail[];
  close(): Promise<void>;
}

/**
 * A minimal SMTP server on loopback (RFC 5321 without extensions), enough for nodemailer to deliver
 * to. With `silent`, it accepts connections and never greets: a mail server that hangs. `port`
 * reuses a port (a server that comes back).
 */
export async function startSmtpSink(options: { silent?: boolean; port?: number } = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (!options.silent) converse(socket, received);
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    async close() {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function converse(socket: Socket, received: ReceivedMail[]): void {
  let buffer = '';
  let current: ReceivedMail = { from: '', to: [], data: '' };
  let inData = false;
  const reply = (line: string) => socket.write(`${line}\r\n`);
  reply('220 localhost test SMTP');
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\r\n')) !== -1) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (inData) {
        if (line === '.') {
          inData = false;
          received.push(current);
          current = { from: '', to: [], data: '' };
          reply('250 queued');
        } else {
          current.data += `${line.startsWith('..') ? line.slice(1) : line}\r\n`;
        }
        continue;
      }
      switch (line.slice(0, 4).toUpperCase()) {
        case 'EHLO':
        case 'HELO':
          reply('250 localhost');
          break;
        case 'MAIL':
          current.from = /<(.*)>/.exec(line)?.[1] ?? '';
          reply('250 ok');
          break;
        case 'RCPT':
          current.to.push(/<(.*)>/.exec(line)?.[1] ?? '');
          reply('250 ok');
          break;
        case 'DATA':
          inData = true;
          reply('354 end with <CRLF>.<CRLF>');
          break;
        case 'RSET':
          current = { from: '', to: [], data: '' };
          reply('250 ok');
          break;
        case 'QUIT':
          reply('221 bye');
          socket.end();
          break;
        default:
          reply(line.toUpperCase().startsWith('NOOP') ? '250 ok' : '502 not implemented');
      }
    }
  });
}
