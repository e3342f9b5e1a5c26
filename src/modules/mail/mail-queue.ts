import type { EntityManager } from '@mikro-orm/postgresql';
import type { JobHandler, JobQueue, QueueDefinition } from '../../db/job-queue';
import { errorKind } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import type { Mail, Mailer } from '../../shared/mail/mailer';
import { SealedJson } from '../../shared/sealed-json';

export const MAIL_QUEUE = 'mail';

/** Retried for 8 to 17 hours (30 s doubling, ten retries): a mail server down for hours still gets the mail. */
export const MAIL_QUEUE_DEFINITION: QueueDefinition = {
  name: MAIL_QUEUE,
  retryLimit: 10,
  retryDelaySeconds: 30,
  expireInSeconds: 120,
  concurrency: 2,
};

interface MailJobData {
  /** The mail, encrypted: its links carry one-time tokens. */
  sealed: string;
  /** For the log: what the mail is for, never whom it goes to. */
  purpose: string;
}

/**
 * Every mail the gateway sends goes through the `mail` job queue: enqueued in the transaction of
 * the change it tells about (no mail for a change that rolled back, no change without its mail),
 * sent by a worker of any process, retried with backoff while the mail server fails.
 */
export class MailQueue {
  private readonly sealing: SealedJson;

  constructor(
    private readonly jobs: JobQueue,
    secret: string,
  ) {
    this.sealing = new SealedJson(secret, 'mail jobs');
  }

  /** Queues `mail` in `em`'s transaction (or on its own outside one). */
  async send(em: EntityManager, mail: Mail, purpose: string): Promise<void> {
    await this.jobs.enqueue<MailJobData>(em, MAIL_QUEUE, { sealed: this.sealing.seal(mail), purpose });
  }

  /** Sends a queued mail; a failure is logged with its kind only and thrown, so the queue retries it. */
  handler(mailer: Mailer, logger: Logger): JobHandler<MailJobData> {
    return async (job) => {
      const { purpose } = job.data;
      try {
        await mailer.send(this.sealing.open<Mail>(job.data.sealed));
      } catch (error) {
        const kind = errorKind(error);
        logger.error({ purpose, attempt: job.attempt, lastAttempt: job.lastAttempt, error: kind }, 'a mail could not be sent');
        // The queue keeps the error it is given: its kind, not a server's answer naming the recipient.
        throw new Error(`the mail could not be sent (${[kind.name, kind.code].filter(Boolean).join(' ')})`);
      }
    };
  }
}
