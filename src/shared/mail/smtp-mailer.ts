import { createTransport } from 'nodemailer';
import type { Logger } from '../logger';
import type { Mail, Mailer } from './mailer';

/** Short timeouts: a mail server that does not answer must not hold a request or a job for minutes. */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** Sends through the server of `SMTP_URL` (`smtp://user:pass@host:587`, or `smtps://` for implicit TLS). */
export class SmtpMailer implements Mailer {
  private readonly transport;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    private readonly logger: Logger,
  ) {
    this.transport = createTransport({ url: smtpUrl, ...TIMEOUTS });
  }

  async send(mail: Mail): Promise<void> {
    const { messageId } = await this.transport.sendMail({ from: this.from, ...mail });
    this.logger.debug({ messageId }, 'mail handed to the SMTP server');
  }
}
