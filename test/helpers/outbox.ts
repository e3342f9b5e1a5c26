import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JOBS_SCHEMA } from '../../src/db/job-queue';
import { MAIL_QUEUE } from '../../src/modules/mail/mail-queue';
import { PASSWORD_RESET_QUEUE } from '../../src/modules/password-reset/password-reset-jobs';
import type { TestApp } from './test-app';
import { pollUntil } from './wait';

/** One `.eml` file of the outbox, parsed just enough for tests: headers and decoded text parts. */
export interface OutboxMail {
  file: string;
  raw: string;
  headers: Map<string, string>;
  text: string;
  html: string;
}

export function outboxDir(dataDir: string): string {
  return join(dataDir, 'outbox');
}

/**
 * Mails are sent by jobs after the response: waits until no mail (or password reset, which queues
 * one) is waiting or being sent, so what the outbox holds is final.
 */
export async function mailsSettled(app: TestApp): Promise<void> {
  const pending = () =>
    app.orm.em
      .fork()
      .getConnection()
      .execute(
        `select name, state, count(*)::int as jobs from ${JOBS_SCHEMA}.job
          where name in (?, ?) and state in ('created', 'retry', 'active') group by name, state`,
        [MAIL_QUEUE, PASSWORD_RESET_QUEUE],
      );
  try {
    await pollUntil(async () => (await pending()).length === 0, 'the mail jobs to finish');
  } catch (error) {
    throw new Error(`${(error as Error).message}: ${JSON.stringify(await pending())}`);
  }
}

/** Every mail sent so far, once the mail jobs settled, oldest first. */
export async function readOutbox(app: TestApp): Promise<OutboxMail[]> {
  await mailsSettled(app);
  return readOutboxDir(app.dataDir);
}

/** Every mail written to `dataDir`'s outbox so far, oldest first (file names sort by time). */
export function readOutboxDir(dataDir: string): OutboxMail[] {
  const dir = outboxDir(dataDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.eml'))
    .sort()
    .map((file) => parseMail(file, readFileSync(join(dir, file), 'utf8')));
}

/** The mails sent to `email`, once the mail jobs settled. */
export async function mailsTo(app: TestApp, email: string): Promise<OutboxMail[]> {
  return (await readOutbox(app)).filter((mail) => mail.headers.get('to') === email);
}

function mailsInDirTo(dataDir: string, email: string): OutboxMail[] {
  return readOutboxDir(dataDir).filter((mail) => mail.headers.get('to') === email);
}

/** Waits until `count` mails reached `email` in `dataDir`'s outbox (whichever process sends them). */
export async function waitForMails(dataDir: string, email: string, count = 1, timeoutMs = 5000): Promise<OutboxMail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = mailsInDirTo(dataDir, email);
    if (mails.length >= count) return mails;
    if (Date.now() > deadline) throw new Error(`expected ${count} mail(s) to ${email}, found ${mails.length}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The one-time token of the link in a mail's text part. */
export function tokenFromMail(mail: OutboxMail): string {
  const match = /\?token=([A-Za-z0-9_-]+)/.exec(mail.text);
  if (!match) throw new Error(`no token link in mail ${mail.file}`);
  return match[1];
}

export function parseMail(file: string, raw: string): OutboxMail {
  const { headers, body } = splitEntity(raw);
  const parts = { text: '', html: '' };
  collectParts(headers, body, parts);
  return { file, raw, headers, ...parts };
}

function splitEntity(entity: string): { headers: Map<string, string>; body: string } {
  const end = entity.indexOf('\r\n\r\n');
  const head = end === -1 ? entity : entity.slice(0, end);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: end === -1 ? '' : entity.slice(end + 4) };
}

function collectParts(headers: Map<string, string>, body: string, into: { text: string; html: string }): void {
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.startsWith('multipart/') && boundary) {
    for (const part of body.split(`--${boundary}`).slice(1)) {
      if (part.startsWith('--')) break;
      const entity = splitEntity(part.replace(/^\r\n/, ''));
      collectParts(entity.headers, entity.body.replace(/\r\n$/, ''), into);
    }
    return;
  }
  const decoded = decode(body, headers.get('content-transfer-encoding') ?? '7bit');
  if (type.startsWith('text/html')) into.html += decoded;
  else if (type.startsWith('text/plain')) into.text += decoded;
}

function decode(body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(body, 'base64').toString('utf8');
    case 'quoted-printable':
      return Buffer.from(
        body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    default:
      return body;
  }
}
