import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Config } from '../../config';
import type { Logger } from '../logger';
import { OutboxMailer } from './outbox-mailer';
import { SmtpMailer } from './smtp-mailer';

/** One message to one recipient; `html` is an optional alternative to `text`. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/** SMTP when `SMTP_URL` is set; otherwise `.eml` files under `DATA_DIR/outbox/`, for a developer to open. */
export function createMailer(config: Pick<Config, 'smtpUrl' | 'dataDir' | 'publicUrl'>, logger: Logger): Mailer {
  const from = senderAddress(config.publicUrl);
  return config.smtpUrl
    ? new SmtpMailer(config.smtpUrl, from, logger)
    : new OutboxMailer(join(config.dataDir, 'outbox'), from, logger);
}

/** `no-reply@` the public host, so replies and bounces go to the domain the links point at. */
function senderAddress(publicUrl: string): string {
  const host = new URL(publicUrl).hostname;
  return `Leadsy <no-reply@${host && !isIP(host) ? host : 'localhost'}>`;
}
