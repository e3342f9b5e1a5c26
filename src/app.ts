import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Config } from './config';
import { startApollo } from './graphql/apollo';
import { documentsById } from './graphql/documents-by-id';
import { loadTrustedDocuments } from './graphql/trusted-documents-file';
import { liveTransports } from './graphql/live-transports';
import { operationLimits } from './graphql/operation-limits';
import { PostgresEventBus } from './modules/events/postgres-event-bus';
import type { Database } from './db/database';
import { JobQueue } from './db/job-queue';
import { ReadReplicas } from './db/read-replicas';
import { startBackgroundJobs } from './modules/background-jobs';
import { MailQueue } from './modules/mail/mail-queue';
import { WebhookDispatcher } from './modules/webhook/webhook-dispatch';
import { type AppDeps, RequestContext } from './modules/request-context';
import { requestInfoOf } from './shared/http/request-info';
import { requestRefusal } from './graphql/errors';
import { AuditPruner } from './modules/audit/audit-pruner';
import { createRestRouter, assertRoutesValid } from './rest/rest-router';
import { operationRunner } from './graphql/operation-runner';
import { REST_ROUTES, REST_STREAM_ROUTES } from './rest/route-table';
import { REST_DOCUMENTS } from './rest/rest-documents';
import { buildGatewaySchema } from './graphql/schema';
import { AccessTokens } from './modules/auth/jwt';
import { PasswordHashing } from './modules/auth/password-hashing';
import { InvitationQuota } from './modules/invitation/invitation-quota';
import { BackgroundTasks } from './shared/background-tasks';
import { ExpiredCountsSweep, postgresCounter } from './shared/rate-limit/postgres-counters';
import { CredentialUse } from './modules/auth/credential-use';
import { Readiness } from './shared/readiness';
import { queryPrepared } from './db/prepared-statements';
import { MAX_GRAPHQL_JSON_BYTES } from './shared/files/file-input';
import { graphqlMultipartUploads, graphqlTransportErrors } from './shared/files/graphql-uploads';
import { RequestAdmission } from './shared/http/request-admission';
import { MASKED_MESSAGE, graphqlErrorBody, restErrorBody, sendError } from './shared/errors';
import type { Logger } from './shared/logger';
import type { Tracing } from './shared/tracing/tracing';
import { createMailer } from './shared/mail/mailer';
import { avatarRouter } from './shared/storage/avatar-route';
import { LocalFileStorage } from './shared/storage/local-file-storage';
import { PostgresAttemptLimiter } from './shared/rate-limit/postgres-attempt-limiter';
import { crossOriginAccess } from './shared/http/cross-origin';
import { graphqlDocumentSize } from './shared/http/graphql-document-size';
import { graphqlMediaTypes } from './shared/http/media-types';
import { requestLog } from './shared/http/request-log';
import { routeTemplate } from './shared/http/route-template';
import { GatewayMetrics } from './shared/metrics/gateway-metrics';
import { httpMetrics } from './shared/metrics/http-metrics';
import { METRICS_PATH, metricsListener } from './shared/metrics/metrics-endpoint';
import { securityHeaders } from './shared/http/security-headers';

let schemaOfProcess: Promise<GraphQLSchema> | undefined;

/**
 * The schema, with every REST route's document checked against it. Both are the same for every app
 * of a process (type-graphql keeps its metadata in the process), so they are made once: about a
 * tenth of a second of each app's start, in a process that starts many (a test run starts ~105).
 */
function checkedSchema(): Promise<GraphQLSchema> {
  schemaOfProcess ??= buildGatewaySchema().then((schema) => {
    assertRoutesValid([...REST_ROUTES, ...REST_STREAM_ROUTES], schema);
    return schema;
  });
  return schemaOfProcess;
}

export interface App {
  express: Express;
  deps: AppDeps;
  /** `/readyz`; a shutdown calls `stopAccepting()` first. */
  readiness: Readiness;
  /** Takes the WebSocket upgrades of `/graphql` (graphql-ws) on the server the app listens on: call it once, where the server is created. */
  attach(server: Server): void;
  /** Ends every live subscription (WebSocket and SSE) and refuses new ones; the first step of a shutdown. */
  closeSubscriptions(): Promise<void>;
  /**
   * Stops handing events on to webhooks and fetching jobs; the attempts in flight end at their next
   * safe point (an import after its batch in flight). Also part of `stop`; calling both is fine.
   */
  stopJobs(): Promise<void>;
  /**
   * Answers `GET /metrics` (Prometheus): main.ts serves it on METRICS_HOST:METRICS_PORT; when
   * METRICS_PORT equals PORT it is mounted on `express` instead.
   */
  metrics(req: IncomingMessage, res: ServerResponse): void;
  stop(): Promise<void>;
}

/** Builds the HTTP application without listening: `/graphql`, `/api/v1`, `/files`, health checks. */
export async function createApp({
  database,
  config,
  logger,
  tracing,
}: {
  /** Its LISTEN carries committed domain events to `deps.events` and wakes the job queue's workers. */
  database: Database;
  config: Config;
  logger: Logger;
  /** Started by main.ts when OTEL_EXPORTER_OTLP_ENDPOINT is set: operation spans, and jobs linked to the requests that queued them. */
  tracing?: Tracing;
}): Promise<App> {
  const { orm, notifications } = database;
  const storage = new LocalFileStorage(join(config.dataDir, 'files'));
  const knex = orm.em.getConnection().getKnex();
  const background = new BackgroundTasks(logger);
  const metrics = new GatewayMetrics();
  const unwatchPool = metrics.database.watchKnex(knex);
  const jobs = new JobQueue({
    connectionUrl: database.connectionUrl,
    poolMax: database.embedded ? 1 : config.jobs.poolMax,
    pollIntervalSeconds: config.jobs.pollSeconds,
    notifications,
    logger: logger.child({ component: 'jobs' }),
    tracing,
    observer: metrics.jobs,
  });
  metrics.jobs.watch(jobs);
  const onRefused = (limiter: string) => metrics.rateLimited(limiter);
  const deps: AppDeps = {
    orm,
    config,
    logger,
    auth: {
      tokens: new AccessTokens(config.jwt),
      sessionIdleSeconds: config.sessions.idleSeconds,
      apiKeyRequests: postgresCounter(knex, {
        keyPrefix: 'api-key:requests',
        points: config.apiKeyRequestsPerMinute,
        windowSeconds: 60,
        onRefused,
      }),
      use: new CredentialUse(background, config.sessions.idleSeconds),
      readLastWrite: config.readReplicas.urls.length > 0,
    },
    jobs,
    mails: new MailQueue(jobs, config.jwt.secret),
    background,
    storage,
    attempts: new PostgresAttemptLimiter(knex, config.rateLimits, onRefused),
    invitationQuota: new InvitationQuota(knex, config.invitationLimits, onRefused),
    passwords: new PasswordHashing(config.passwordHashQueue),
    events: new PostgresEventBus({ orm, notifications, logger }),
    replicas: new ReadReplicas(orm, config.readReplicas.urls, { maxLagMs: config.readReplicas.maxLagMs, logger }),
    metrics,
  };
  const schema = await checkedSchema();
  const trustedDocuments = loadTrustedDocuments(config.trustedDocumentsFile, schema, REST_DOCUMENTS);
  const apollo = await startApollo(schema, config, logger, trustedDocuments, metrics, tracing);
  const live = liveTransports(
    schema,
    deps,
    operationLimits(schema, config.graphqlLimits, { introspection: config.env !== 'production' }),
    trustedDocuments,
  );
  const requestAdmission = new RequestAdmission(config.requestAdmission);
  metrics.scraped.watchGate('requests', () => requestAdmission.load);
  const serveMetrics = metricsListener(metrics, logger);
  const app = express();
  app.disable('x-powered-by');
  // Which proxies may name the client in X-Forwarded-For: the address the rate limits count.
  app.set('trust proxy', config.trustProxy);
  // A GraphQL POST is never revalidated: hashing every response body for an ETag is pure cost.
  app.set('etag', false);

  // First of all: under overload a refusal must cost next to nothing (request-admission.ts), yet
  // a browser must be able to read it (CORS, which also answers the preflights) and the metrics
  // must count it. The subscriptions' stream lasts as long as its client stays; it takes no turn.
  app.use(['/graphql', '/api/v1'], crossOriginAccess(config.corsOrigins));
  app.use(httpMetrics(metrics));
  // Apollo and graphql-sse match no express route: the metrics name them by their mount point.
  app.use('/graphql', routeTemplate('/graphql'));
  app.use('/graphql/stream', routeTemplate('/graphql/stream'));
  const isStream = (path: string) => path === '/stream' || path.startsWith('/stream/');
  app.use('/graphql', requestAdmission.gate(graphqlErrorBody, isStream));
  app.use('/api/v1', requestAdmission.gate(restErrorBody));
  app.use(requestLog(logger));

  app.use(securityHeaders({ sandbox: config.env !== 'production' }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const readiness = new Readiness(() => queryPrepared(orm.em.fork(), 'select 1', []));
  app.get('/readyz', readiness.handler());
  // Only when asked for: the public port otherwise tells nothing of the gateway's traffic.
  if (config.metrics.port === config.port) app.get(METRICS_PATH, serveMetrics);

  // Subscriptions over graphql-sse (before Apollo's mount, which would take every path under /graphql).
  app.use(
    '/graphql/stream',
    express.json({ limit: MAX_GRAPHQL_JSON_BYTES }),
    graphqlDocumentSize(config.graphqlMaxDocumentBytes),
    live.sse,
  );
  app.use(
    '/graphql',
    graphqlMediaTypes,
    graphqlMultipartUploads(),
    express.json({ limit: MAX_GRAPHQL_JSON_BYTES }),
    graphqlDocumentSize(config.graphqlMaxDocumentBytes),
    documentsById(trustedDocuments),
    expressMiddleware(apollo, { context: ({ req }) => createRequestContext(deps, req) }),
    graphqlTransportErrors,
  );
  app.use(avatarRouter(deps.storage, logger));
  app.use('/api/v1', createRestRouter(REST_ROUTES, operationRunner(apollo, deps), logger, REST_STREAM_ROUTES));
  app.use((req, res) => sendError(res, { code: 'NOT_FOUND', message: `no route ${req.method} ${req.path}` }));
  // The last resort: a client never sees an HTML page or a stack trace.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    logger.error({ requestId: req.id, err: error }, 'unexpected error');
    if (res.headersSent) return res.destroy();
    sendError(res, { code: 'INTERNAL_SERVER_ERROR', message: MASKED_MESSAGE });
  });

  await deps.replicas.start();
  await deps.events.start();
  await startBackgroundJobs(deps, createMailer(config, logger));
  const webhookDispatcher = new WebhookDispatcher({ jobs, events: deps.events, logger });
  webhookDispatcher.start();
  let jobsStopped: Promise<void> | undefined;
  // The relay first: it queues jobs on the queue's connections, which stopping the queue closes.
  const stopJobs = () => (jobsStopped ??= webhookDispatcher.stop().then(() => jobs.stop()));
  const auditPruner = new AuditPruner(
    { orm, logger },
    { retentionDays: config.auditRetentionDays, intervalMs: config.auditPruneIntervalSeconds * 1000 },
  );
  auditPruner.start();
  const expiredCounts = new ExpiredCountsSweep(knex);
  expiredCounts.start();
  return {
    express: app,
    deps,
    readiness,
    attach: (server) => live.attach(server),
    closeSubscriptions: () => live.close(),
    stopJobs,
    metrics: serveMetrics,
    async stop() {
      readiness.stopAccepting();
      await live.close();
      // First: the jobs' and the pruners' batches in flight commit while the database is still open.
      await Promise.all([stopJobs(), auditPruner.stop(), expiredCounts.stop()]);
      await apollo.stop();
      await deps.events.stop();
      await deps.background.drain();
      await deps.replicas.stop();
      unwatchPool();
    },
  };
}

/** Authentication failures and an unreachable database answer with their own HTTP status. */
async function createRequestContext(deps: AppDeps, req: Request): Promise<RequestContext> {
  try {
    return await RequestContext.create(deps, requestInfoOf(req));
  } catch (error) {
    throw requestRefusal(error);
  }
}
