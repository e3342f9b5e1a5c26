import type { Mailer } from '../shared/mail/mailer';
import { IMPORT_QUEUE, importJobHandler, importQueue, queueOrphanedImports } from './import/import-jobs';
import { MAIL_QUEUE, MAIL_QUEUE_DEFINITION } from './mail/mail-queue';
import {
  PASSWORD_RESET_QUEUE,
  PASSWORD_RESET_QUEUE_DEFINITION,
  passwordResetJobHandler,
} from './password-reset/password-reset-jobs';
import type { AppDeps } from './request-context';
import { WEBHOOK_QUEUE, webhookJobHandler, webhookQueue } from './webhook/webhook-jobs';

/**
 * Every queue of background work and its handler, started in each gateway process: the processes
 * share the jobs. `mailer` is the only consumer of the mail server: the `mail` queue's workers.
 */
export async function startBackgroundJobs(deps: AppDeps, mailer: Mailer): Promise<void> {
  const { jobs, orm, config, logger, storage, mails } = deps;
  await jobs.start([
    importQueue(config.imports),
    MAIL_QUEUE_DEFINITION,
    PASSWORD_RESET_QUEUE_DEFINITION,
    webhookQueue(config.webhooks),
  ]);
  await jobs.work(IMPORT_QUEUE, importJobHandler({ orm, storage, logger, jobs }, config.imports));
  await jobs.work(MAIL_QUEUE, mails.handler(mailer, logger));
  await jobs.work(PASSWORD_RESET_QUEUE, passwordResetJobHandler({ orm, config, mails }));
  // Each endpoint's events in the order they were committed, across batches and processes.
  await jobs.workInBatches(WEBHOOK_QUEUE, webhookJobHandler({ orm, mails, logger }, config.webhooks), {
    inOrder: { per: 'endpointId', by: 'eventId' },
  });
  await queueOrphanedImports(jobs, orm.em.fork());
}
