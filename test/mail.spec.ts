import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { BackgroundTasks } from '../src/shared/background-tasks';
import { createMailer, type Mail } from '../src/shared/mail/mailer';
import type { JobQueue } from '../src/db/job-queue';
import { MailQueue } from '../src/modules/mail/mail-queue';
import { SealedJson } from '../src/shared/sealed-json';
import { OutboxMailer } from '../src/shared/mail/outbox-mailer';
import { SmtpMailer } from '../src/shared/mail/smtp-mailer';
import { passwordResetMail, setPasswordMail, tokenLink } from '../src/shared/mail/templates';
import { parseMail, readOutboxDir } from './helpers/outbox';
import { TEST_JWT_SECRET } from './helpers/test-app';
import { startSmtpSink } from './helpers/smtp-sink';

const TOKEN = 'tok_9f2cAbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_';
const LINK = tokenLink('https://app.leadsy.test', '/reset-password', TOKEN);

/** A logger at the most verbose level whose lines the test can read. */
function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), output: () => lines.join('') };
}

describe('mail', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-mail-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const config = (smtpUrl?: string) => ({ dataDir, smtpUrl, publicUrl: 'https://app.leadsy.test' });

  it('writes to the outbox without SMTP_URL, and through SMTP with it', () => {
    const { logger } = capturingLogger();
    const outbox = createMailer(config(), logger);
    expect(outbox).toBeInstanceOf(OutboxMailer);
    expect((outbox as OutboxMailer).directory).toBe(join(dataDir, 'outbox'));
    expect(createMailer(config('smtp://mail.example.com:587'), logger)).toBeInstanceOf(SmtpMailer);
  });

  it('writes each mail as an RFC 5322 message with a unique name that sorts by time', async () => {
    const { logger } = capturingLogger();
    const mailer = createMailer(config(), logger);
    const sent = Array.from({ length: 5 }, (_, index) =>
      passwordResetMail({ email: `user${index}@example.com`, firstName: 'Ada' }, LINK, 1),
    );
    for (const mail of sent) await mailer.send(mail);

    const files = readdirSync(join(dataDir, 'outbox'));
    expect(files).toHaveLength(5);
    expect(files.every((file) => /^\d{8}T\d{9}Z-\d{6}-[0-9a-f]{8}\.eml$/.test(file))).toBe(true);
    const mails = readOutboxDir(dataDir);
    expect(mails.map((mail) => mail.headers.get('to'))).toEqual(sent.map((mail) => mail.to));

    for (const mail of mails) {
      const [head] = mail.raw.split('\r\n\r\n');
      expect(mail.raw).not.toMatch(/[^\r]\n/); // CRLF line ends only
      expect(mail.raw.split('\r\n').every((line) => line.length <= 998)).toBe(true);
      expect(head).toMatch(/^From: Leadsy <no-reply@app\.leadsy\.test>$/m);
      expect(head).toMatch(/^Subject: Reset your Leadsy password$/m);
      expect(head).toMatch(/^Message-ID: <[^@\s]+@[^>\s]+>$/m);
      expect(head).toMatch(/^MIME-Version: 1\.0$/m);
      expect(Number.isNaN(Date.parse(mail.headers.get('date')!))).toBe(false);
      expect(mail.text).toContain(LINK);
      expect(mail.html).toContain(`href="${LINK}"`);
    }
    expect(new Set(mails.map((mail) => mail.headers.get('message-id'))).size).toBe(5);
  });

  it('escapes what users typed in the HTML part', () => {
    const mail = setPasswordMail({ email: 'x@example.com', firstName: '<script>alert(1)</script>' }, LINK, 7);
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;');
    expect(mail.text).toContain('expires in 7 days');
  });

  it('delivers through an SMTP server', async () => {
    const sink = await startSmtpSink();
    try {
      const { logger } = capturingLogger();
      const mailer = createMailer(config(sink.url), logger);
      await mailer.send(passwordResetMail({ email: 'ada@example.com', firstName: 'Ada' }, LINK, 1));

      expect(sink.received).toHaveLength(1);
      const [received] = sink.received;
      expect(received.from).toBe('no-reply@app.leadsy.test');
      expect(received.to).toEqual(['ada@example.com']);
      const mail = parseMail('smtp', received.data);
      expect(mail.headers.get('subject')).toBe('Reset your Leadsy password');
      expect(mail.headers.get('message-id')).toMatch(/^<.+@.+>$/);
      expect(mail.text).toContain(LINK);
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      await sink.close();
    }
  });

  it('never writes a mail, its link or its recipient to the logs, even when sending fails', async () => {
    const { logger, output } = capturingLogger();
    const mail: Mail = passwordResetMail({ email: 'secret.person@example.com', firstName: 'Ada' }, LINK, 1);
    const sink = await startSmtpSink();
    const closedPort = sink.url;
    await createMailer(config(), logger).send(mail);
    await createMailer(config(sink.url), logger).send(mail);
    await sink.close();
    // The mail job's handler (the queue itself is not needed to run it): it fails, logs and rethrows.
    const handler = new MailQueue({} as JobQueue, TEST_JWT_SECRET).handler(createMailer(config(closedPort), logger), logger);
    const sealed = new SealedJson(TEST_JWT_SECRET, 'mail jobs').seal(mail);
    const stopping = new AbortController().signal;
    const failure = handler({ id: 'job-1', data: { sealed, purpose: 'test' }, attempt: 1, lastAttempt: false, stopping });
    await expect(failure).rejects.toThrow(/^the mail could not be sent/);
    await failure.catch((error: Error) => {
      for (const secret of [TOKEN, 'secret.person']) expect(error.message).not.toContain(secret);
    });

    expect(output()).toContain('a mail could not be sent');
    for (const secret of [TOKEN, 'secret.person', mail.subject, 'Someone asked']) expect(output()).not.toContain(secret);
  });

  it('runs background work to the end on drain and logs a failure by its kind only', async () => {
    const { logger, output } = capturingLogger();
    const tasks = new BackgroundTasks(logger);
    let finished = false;
    tasks.run('slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      finished = true;
    });
    tasks.run('failing', async () => {
      throw Object.assign(new Error(`could not send ${LINK}`), { code: 'EAUTH' });
    });
    await tasks.drain();
    expect(finished).toBe(true);
    expect(output()).toContain('"task":"failing"');
    expect(output()).toContain('"code":"EAUTH"');
    expect(output()).not.toContain(TOKEN);
  });
});
