import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import type { Logger } from '../logger';
import type { Mail, Mailer } from './mailer';

/**
 * Writes each mail as an RFC 5322 message (`.eml`, CRLF line ends) into a directory, for development
 * and tests. Names start with the UTC time, then a per-process sequence, then random bytes: they
 * sort by time and never collide, even between processes sharing the directory.
 */
export class OutboxMailer implements Mailer {
  private readonly composer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  private sequence = 0;

  constructor(
    readonly directory: string,
    private readonly from: string,
    private readonly logger: Logger,
  ) {}

  async send(mail: Mail): Promise<void> {
    const { message, messageId } = await this.composer.sendMail({ from: this.from, ...mail });
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const name = this.nextFileName();
    const path = join(this.directory, name);
    // Written under another name first, so whoever watches the directory never reads half a mail.
    await writeFile(`${path}.partial`, message as Buffer, { flag: 'wx', mode: 0o600 });
    await rename(`${path}.partial`, path);
    this.logger.debug({ messageId, file: name }, 'mail written to the outbox');
  }

  private nextFileName(): string {
    const time = new Date().toISOString().replace(/[-:.]/g, '');
    this.sequence = (this.sequence + 1) % 1_000_000;
    return `${time}-${String(this.sequence).padStart(6, '0')}-${randomBytes(4).toString('hex')}.eml`;
  }
}
