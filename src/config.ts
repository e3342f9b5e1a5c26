import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { EmailAddress } from './shared/email-address';
import type { AdmissionSettings } from './shared/http/request-admission';
import { MIN_PASSWORD_LENGTH } from './shared/field-rules';

/** The only module that reads `process.env`: everything else receives a `Config`. */

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const MIN_PRODUCTION_SECRET_BYTES = 32;
/** Unset, the ceiling is this or RATE_LIMIT_PER_ACCOUNT, whichever is higher. */
const DEFAULT_ACCOUNT_CEILING = 100;
const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
/** A browser origin: scheme, host and optional port, nothing else. */
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i;
/** A host name (for METRICS_HOST): labels of letters, digits and hyphens. */
const HOSTNAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;
/** Express's `loopback`: only a proxy on this machine may say who the client is. */
const LOOPBACK = '127.0.0.1/8,::1/128';

/**
 * The performance tricks that lean on library internals, each with a plain library path to fall
 * back to (docs/performance.md): `PERFORMANCE_TRICKS_OFF` names those to turn off, or `all`.
 */
export const PERFORMANCE_TRICKS = ['read-models', 'prepared-statements', 'compiled-execution', 'direct-field-resolvers'] as const;
export type PerformanceTrick = (typeof PERFORMANCE_TRICKS)[number];

/** A comma-separated list (unset: empty), its entries trimmed, empty ones dropped. */
const commaSeparated = z
  .string()
  .default('')
  .transform((list) =>
    list
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  );

const performanceTricksOff = commaSeparated
  .pipe(
    z.array(
      z.enum(['all', ...PERFORMANCE_TRICKS], {
        error: (issue) =>
          `unknown trick ${JSON.stringify(issue.input)}: must be comma-separated names among ${PERFORMANCE_TRICKS.join(', ')}, or all`,
      }),
    ),
  )
  .transform((names) => new Set<PerformanceTrick>(names.includes('all') ? PERFORMANCE_TRICKS : (names as PerformanceTrick[])));

const duration = z.string().regex(/^\d+[smhd]?$/, 'must be a duration such as 3600, 15m, 12h or 7d');

/** A PostgreSQL connection URL, or unset. */
const optionalPostgresUrl = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
);

/** Comma-separated streaming replicas of DATABASE_URL; reads may go there (src/db/read-replicas.ts). */
const readReplicaUrls = commaSeparated.pipe(
  z.array(z.string().regex(/^postgres(ql)?:\/\/[^/]/, 'must be comma-separated postgres:// or postgresql:// URLs')),
);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  METRICS_PORT: z
    .string()
    .default('9464')
    .refine(
      (port) => port === 'off' || (/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535),
      'must be a port (1-65535) or off',
    )
    .transform((port) => (port === 'off' ? ('off' as const) : Number(port))),
  METRICS_HOST: z
    .string()
    .default('127.0.0.1')
    .refine((host) => ipaddr.isValid(host) || HOSTNAME.test(host), 'must be an IP address or a host name such as 0.0.0.0 or ::'),
  METRICS_OPERATION_NAMES: z.coerce.number().int().min(0).max(10_000).default(100),
  DATABASE_URL: optionalPostgresUrl,
  DATABASE_READ_URLS: readReplicaUrls,
  READ_AFTER_WRITE_MS: z.coerce.number().int().min(0).max(600_000).default(2000),
  REPLICA_MAX_LAG_MS: z.coerce.number().int().min(100).max(3_600_000).default(5000),
  DATABASE_DIRECT_URL: optionalPostgresUrl,
  DATABASE_PREPARED_STATEMENTS: z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).optional()),
  DATA_DIR: z.string().min(1).default('./.data'),
  JWT_SECRET: z.preprocess(emptyAsUndefined, z.string().optional()),
  JWT_EXPIRES_IN: duration.default('12h'),
  SESSION_IDLE_TTL: duration.default('7d'),
  SESSION_MAX_TTL: duration.default('30d'),
  RATE_LIMIT_PER_API_KEY: z.coerce.number().int().min(1).max(1_000_000).default(600),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(365),
  AUDIT_PRUNE_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(3600),
  ADMIN_EMAIL: z.preprocess(
    (value) => (typeof value === 'string' ? emptyAsUndefined(value.trim().toLowerCase()) : value),
    EmailAddress.optional(),
  ),
  ADMIN_PASSWORD: z.preprocess(
    emptyAsUndefined,
    z.string().min(MIN_PASSWORD_LENGTH, `must have at least ${MIN_PASSWORD_LENGTH} characters`).optional(),
  ),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  PUBLIC_URL: z.url('must be a URL').default('http://localhost:4000'),
  SMTP_URL: z.preprocess(emptyAsUndefined, z.url('must be a URL such as smtp://user:pass@host:587').optional()),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  DB_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  IMPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
  IMPORT_RETRY_LIMIT: z.coerce.number().int().min(0).max(50).default(4),
  IMPORT_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  JOB_POLL_SECONDS: z.coerce.number().min(0.5).max(600).default(2),
  JOB_POOL_MAX: z.coerce.number().int().min(1).max(50).default(3),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  WEBHOOK_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(12),
  WEBHOOK_DISABLE_AFTER_FAILURES: z.coerce.number().int().min(1).max(100_000).default(100),
  SUBSCRIPTION_RECHECK_MS: z.coerce.number().int().min(50).max(600_000).default(5000),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(6).max(100).default(10),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).max(1000).default(15),
  GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().min(0).max(1000).default(10),
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(200).max(100_000).default(1000),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(1000).max(10_000_000).default(150_000),
  GRAPHQL_MAX_DOCUMENT_BYTES: z.coerce.number().int().min(1024).max(10_000_000).default(65_536),
  // Unset: served where introspection is (outside production).
  GRAPHQL_SUBGRAPH_SDL: z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).optional()),
  GRAPHQL_APQ_CACHE_MB: z.coerce.number().int().min(1).max(4096).default(16),
  GRAPHQL_TRUSTED_DOCUMENTS: z.preprocess(emptyAsUndefined, z.string().optional()),
  // Below DB_POOL_MAX's default: past the pool's size, a query that executes only waits for a
  // connection while holding its rows, and the garbage of many overlapping queries costs more GC.
  GRAPHQL_CONCURRENT_QUERIES: z.coerce.number().int().min(1).max(1000).default(8),
  GRAPHQL_QUEUED_QUERIES: z.coerce.number().int().min(0).max(100_000).default(1000),
  REQUEST_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(32),
  REQUEST_QUEUE: z.coerce.number().int().min(0).max(100_000).default(10_000),
  REQUEST_QUEUE_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(1000),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  RATE_LIMIT_PER_ACCOUNT: z.coerce.number().int().min(1).max(100_000).default(10),
  RATE_LIMIT_ACCOUNT_CEILING: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(1_000_000).optional()),
  RATE_LIMIT_PER_ADDRESS: z.coerce.number().int().min(1).max(1_000_000).default(100),
  PASSWORD_HASH_QUEUE: z.coerce.number().int().min(1).max(100_000).default(64),
  INVITATIONS_WINDOW_SECONDS: z.coerce.number().int().min(1).max(604_800).default(3600),
  INVITATIONS_PER_INVITER: z.coerce.number().int().min(1).max(100_000).default(50),
  INVITATIONS_PER_COMPANY: z.coerce.number().int().min(1).max(1_000_000).default(200),
  TRUST_PROXY: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .default(LOOPBACK)
      .transform((text, context) => {
        const trusted = parseTrustProxy(text);
        if (trusted === undefined) {
          context.addIssue({
            code: 'custom',
            message: 'must be a hop count (0, 1, …) or comma-separated IPs/CIDRs such as 10.0.0.0/8,fd00::/8',
          });
          return z.NEVER;
        }
        return trusted;
      }),
  ),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((origin) => origin.trim().replace(/\/+$/, ''))
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(ORIGIN, 'must be comma-separated origins such as https://app.example.com'))),
  // Validated here so a bad value stops the start; the tricks read it through `performanceTrickOn`.
  PERFORMANCE_TRICKS_OFF: performanceTricksOff,
  // Only whether tracing starts: the OpenTelemetry SDK reads it (and OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS…) itself.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(
    emptyAsUndefined,
    z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://collector:4318' }).optional(),
  ),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  /**
   * `GET /metrics`: served on `host:port` by a server of its own (main.ts), on the main app when
   * `port` equals PORT, or nowhere (`off`); `maxOperationNames` bounds the operation label
   * (shared/metrics/operation-names.ts).
   */
  metrics: { port: number | 'off'; host: string; maxOperationNames: number };
  databaseUrl: string | undefined;
  /**
   * PostgreSQL itself when DATABASE_URL is a pooler in transaction mode (PgBouncer): what needs a
   * session of its own (LISTEN, migrations, the role's statement_timeout) goes there. Unset: DATABASE_URL.
   */
  databaseDirectUrl: string | undefined;
  /** Named prepared statements on DATABASE_URL; off, every statement is unnamed (see `performanceTrickOn`). */
  databasePreparedStatements: boolean;
  dataDir: string;
  /**
   * Replicas that GraphQL queries and REST reads may read from (none: everything on DATABASE_URL),
   * how far behind the primary one may be and still be read, and how long a viewer's reads stay on
   * the primary after it wrote.
   */
  readReplicas: { urls: string[]; maxLagMs: number; readAfterWriteMs: number };
  jwt: { secret: string; expiresInSeconds: number; issuer: string; audience: string };
  /** A session ends when unused for `idleSeconds`, and `maxSeconds` after it began in any case. */
  sessions: { idleSeconds: number; maxSeconds: number };
  /** Requests one API key may make per minute, all gateway processes together. */
  apiKeyRequestsPerMinute: number;
  /** Audit events older than this many days are pruned in the background (0: kept forever). */
  auditRetentionDays: number;
  /** How often the pruner deletes the events past their retention (its first run comes at most a minute after the start). */
  auditPruneIntervalSeconds: number;
  admin: { email: string; password: string } | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  publicUrl: string;
  smtpUrl: string | undefined;
  dbPoolMax: number;
  /** Server-side bound on every statement (0: none), and how long a request waits for a pooled connection. */
  dbTimeouts: { statementMs: number; acquireMs: number };
  /** How long a SIGTERM waits for the requests in flight before cutting their connections. */
  shutdownGraceMs: number;
  /** CSV import jobs: rows per transaction, retries of a failing attempt before the import fails, and the first retry's delay (doubling). */
  imports: { batchSize: number; retryLimit: number; retryDelaySeconds: number };
  /**
   * The job queue (pg-boss): how often an idle worker polls (enqueueing wakes workers at once), and
   * the connections of its workers' pool on a server.
   */
  jobs: { pollSeconds: number; poolMax: number };
  /**
   * Webhook deliveries: private targets and plain http allowed (development, tests), the timeout of
   * one attempt, the first retry delay (doubling), attempts per delivery, and the run of failed
   * attempts after which an endpoint is disabled.
   */
  webhooks: {
    allowPrivateTargets: boolean;
    timeoutMs: number;
    retryDelaySeconds: number;
    maxAttempts: number;
    disableAfterFailures: number;
  };
  /** How often a live subscription's credential is checked again (it is also checked before every message). */
  subscriptionRecheckMs: number;
  /** Limits on every GraphQL operation (REST routes included): graphql-armor's, and the cost with the request's page sizes. */
  graphqlLimits: { maxDepth: number; maxAliases: number; maxDirectives: number; maxTokens: number; maxCost: number };
  /** The longest GraphQL document (the `query` string, in UTF-8 bytes) /graphql parses; longer ones answer 413. */
  graphqlMaxDocumentBytes: number;
  /** Whether `_service { sdl }` (the Federation subgraph SDL, the whole schema) is answered; refused like introspection otherwise. */
  serveSubgraphSdl: boolean;
  /** The memory Apollo's automatic persisted queries may hold, in MiB (their texts, least recently used out). */
  apqCacheMebibytes: number;
  /**
   * client-preset's persisted-documents.json (absolute path): when set, only its documents and the
   * REST layer's run (src/graphql/trusted-documents.ts); read and checked against the schema at start-up.
   */
  trustedDocumentsFile: string | undefined;
  /**
   * Queries (REST reads included) executing at once, and waiting for their turn; past the queue a
   * query is refused with 503. Mutations are not counted: they may stream an upload from the client.
   */
  queryAdmission: { concurrent: number; queued: number };
  /**
   * Every GraphQL and REST request, before any work: in progress at once, waiting for a turn, and
   * the longest wait; past the queue or the wait a request is refused with 503 (request-admission.ts).
   */
  requestAdmission: AdmissionSettings;
  /**
   * Attempts at login, password reset and invitation acceptance in a window: per account (for login,
   * per account from one client address, under a ceiling for the account from all addresses) and
   * per client address.
   */
  rateLimits: { windowSeconds: number; perAccount: number; accountCeiling: number; perAddress: number };
  /** Password hashes and verifications of requests running or waiting at once; past it a request answers 503. */
  passwordHashQueue: number;
  /** Invitations created per inviter and per company in a window. */
  invitationLimits: { windowSeconds: number; perInviter: number; perCompany: number };
  /** Express's `trust proxy`: how many proxy hops, or which proxy addresses, may name the client in X-Forwarded-For. */
  trustProxy: number | string[];
  /** Browser origins allowed to call /graphql and /api/v1; empty allows no cross-origin call. */
  corsOrigins: string[];
  /**
   * OpenTelemetry traces, exported over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT; off when it is
   * unset, and then no OpenTelemetry module is even loaded (src/shared/tracing/).
   */
  tracing: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const vars = parsed.data;
  if (Boolean(vars.ADMIN_EMAIL) !== Boolean(vars.ADMIN_PASSWORD)) {
    throw new ConfigError('Invalid configuration: ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  const accountCeiling = vars.RATE_LIMIT_ACCOUNT_CEILING ?? Math.max(DEFAULT_ACCOUNT_CEILING, vars.RATE_LIMIT_PER_ACCOUNT);
  if (accountCeiling < vars.RATE_LIMIT_PER_ACCOUNT) {
    throw new ConfigError('Invalid configuration: RATE_LIMIT_ACCOUNT_CEILING must not be below RATE_LIMIT_PER_ACCOUNT');
  }
  if (vars.DATABASE_READ_URLS.length > 0 && !vars.DATABASE_URL) {
    throw new ConfigError('Invalid configuration: DATABASE_READ_URLS needs DATABASE_URL (the embedded database has no replicas)');
  }
  if (vars.DATABASE_DIRECT_URL && !vars.DATABASE_URL) {
    throw new ConfigError('Invalid configuration: DATABASE_DIRECT_URL needs DATABASE_URL (the pooler it bypasses)');
  }
  const dataDir = resolve(vars.DATA_DIR);
  return {
    env: vars.NODE_ENV,
    port: vars.PORT,
    metrics: { port: vars.METRICS_PORT, host: vars.METRICS_HOST, maxOperationNames: vars.METRICS_OPERATION_NAMES },
    databaseUrl: vars.DATABASE_URL,
    databaseDirectUrl: vars.DATABASE_DIRECT_URL,
    databasePreparedStatements: preparedStatementsWanted(vars),
    dataDir,
    readReplicas: {
      urls: vars.DATABASE_READ_URLS,
      maxLagMs: vars.REPLICA_MAX_LAG_MS,
      readAfterWriteMs: vars.READ_AFTER_WRITE_MS,
    },
    jwt: {
      secret: resolveJwtSecret(vars.JWT_SECRET, vars.NODE_ENV, dataDir),
      expiresInSeconds: parseDuration(vars.JWT_EXPIRES_IN, 'JWT_EXPIRES_IN'),
      issuer: 'leadsy-gateway',
      audience: 'leadsy-api',
    },
    sessions: {
      idleSeconds: parseDuration(vars.SESSION_IDLE_TTL, 'SESSION_IDLE_TTL'),
      maxSeconds: parseDuration(vars.SESSION_MAX_TTL, 'SESSION_MAX_TTL'),
    },
    apiKeyRequestsPerMinute: vars.RATE_LIMIT_PER_API_KEY,
    auditRetentionDays: vars.AUDIT_RETENTION_DAYS,
    auditPruneIntervalSeconds: vars.AUDIT_PRUNE_INTERVAL_SECONDS,
    admin: vars.ADMIN_EMAIL && vars.ADMIN_PASSWORD ? { email: vars.ADMIN_EMAIL, password: vars.ADMIN_PASSWORD } : undefined,
    logLevel: vars.LOG_LEVEL,
    publicUrl: vars.PUBLIC_URL.replace(/\/+$/, ''),
    smtpUrl: vars.SMTP_URL,
    dbPoolMax: vars.DB_POOL_MAX,
    dbTimeouts: { statementMs: vars.DB_STATEMENT_TIMEOUT_MS, acquireMs: vars.DB_ACQUIRE_TIMEOUT_MS },
    shutdownGraceMs: vars.SHUTDOWN_GRACE_MS,
    imports: {
      batchSize: vars.IMPORT_BATCH_SIZE,
      retryLimit: vars.IMPORT_RETRY_LIMIT,
      retryDelaySeconds: vars.IMPORT_RETRY_DELAY_SECONDS,
    },
    jobs: { pollSeconds: vars.JOB_POLL_SECONDS, poolMax: vars.JOB_POOL_MAX },
    webhooks: {
      allowPrivateTargets: vars.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      timeoutMs: vars.WEBHOOK_TIMEOUT_MS,
      retryDelaySeconds: vars.WEBHOOK_RETRY_DELAY_SECONDS,
      maxAttempts: vars.WEBHOOK_MAX_ATTEMPTS,
      disableAfterFailures: vars.WEBHOOK_DISABLE_AFTER_FAILURES,
    },
    subscriptionRecheckMs: vars.SUBSCRIPTION_RECHECK_MS,
    graphqlLimits: {
      maxDepth: vars.GRAPHQL_MAX_DEPTH,
      maxAliases: vars.GRAPHQL_MAX_ALIASES,
      maxDirectives: vars.GRAPHQL_MAX_DIRECTIVES,
      maxTokens: vars.GRAPHQL_MAX_TOKENS,
      maxCost: vars.GRAPHQL_MAX_COST,
    },
    graphqlMaxDocumentBytes: vars.GRAPHQL_MAX_DOCUMENT_BYTES,
    serveSubgraphSdl: vars.GRAPHQL_SUBGRAPH_SDL ? vars.GRAPHQL_SUBGRAPH_SDL === 'true' : vars.NODE_ENV !== 'production',
    apqCacheMebibytes: vars.GRAPHQL_APQ_CACHE_MB,
    trustedDocumentsFile: vars.GRAPHQL_TRUSTED_DOCUMENTS === undefined ? undefined : resolve(vars.GRAPHQL_TRUSTED_DOCUMENTS),
    queryAdmission: { concurrent: vars.GRAPHQL_CONCURRENT_QUERIES, queued: vars.GRAPHQL_QUEUED_QUERIES },
    requestAdmission: {
      concurrent: vars.REQUEST_CONCURRENCY,
      queued: vars.REQUEST_QUEUE,
      maxWaitMs: vars.REQUEST_QUEUE_TIMEOUT_MS,
    },
    rateLimits: {
      windowSeconds: vars.RATE_LIMIT_WINDOW_SECONDS,
      perAccount: vars.RATE_LIMIT_PER_ACCOUNT,
      accountCeiling,
      perAddress: vars.RATE_LIMIT_PER_ADDRESS,
    },
    passwordHashQueue: vars.PASSWORD_HASH_QUEUE,
    invitationLimits: {
      windowSeconds: vars.INVITATIONS_WINDOW_SECONDS,
      perInviter: vars.INVITATIONS_PER_INVITER,
      perCompany: vars.INVITATIONS_PER_COMPANY,
    },
    trustProxy: vars.TRUST_PROXY,
    corsOrigins: vars.CORS_ORIGINS,
    tracing: vars.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined,
  };
}

let tricksOff: ReadonlySet<PerformanceTrick> | undefined;

/**
 * Whether `trick` is on in this process: `PERFORMANCE_TRICKS_OFF` of the process's environment,
 * read on the first call and kept (the statement path asks on every statement). Process-wide, not
 * per `Config`: the tricks live in modules that receive no configuration (the statement runner,
 * the read models, the schema build), and so a test run takes it from its environment too.
 */
export function performanceTrickOn(trick: PerformanceTrick): boolean {
  if (!tricksOff) {
    const parsed = performanceTricksOff.safeParse(process.env.PERFORMANCE_TRICKS_OFF);
    if (!parsed.success) {
      throw new ConfigError(`Invalid configuration: PERFORMANCE_TRICKS_OFF: ${parsed.error.issues[0].message}`);
    }
    // One unnamed path for both switches: the trick's, and a pooler that cannot keep named statements.
    tricksOff = preparedStatementsWanted(process.env) ? parsed.data : new Set([...parsed.data, 'prepared-statements']);
  }
  return !tricksOff.has(trick);
}

/**
 * DATABASE_PREPARED_STATEMENTS; unset, on unless DATABASE_DIRECT_URL is set, which says DATABASE_URL
 * is a pooler in transaction mode: PgBouncer before 1.21 cannot keep a client's named statements
 * (each transaction may run on another server connection), 1.21+ only with `max_prepared_statements`.
 */
function preparedStatementsWanted(vars: { DATABASE_PREPARED_STATEMENTS?: string; DATABASE_DIRECT_URL?: string }): boolean {
  if (vars.DATABASE_PREPARED_STATEMENTS) return vars.DATABASE_PREPARED_STATEMENTS === 'true';
  return !vars.DATABASE_DIRECT_URL;
}

function parseDuration(text: string, variable: string): number {
  const [, amount, unit] = /^(\d+)([smhd]?)$/.exec(text)!;
  const seconds = Number(amount) * DURATION_UNITS[unit];
  if (seconds <= 0) throw new ConfigError(`Invalid configuration: ${variable} must be positive`);
  return seconds;
}

/**
 * A hop count, or a list of proxy addresses and ranges (IPv4 written out in full, or IPv6), as
 * express's `trust proxy` takes them; undefined when it is neither.
 */
function parseTrustProxy(text: string): number | string[] | undefined {
  if (/^\s*\d+\s*$/.test(text)) return Number(text);
  const entries = text.split(',').map((entry) => entry.trim());
  return entries.every(isAddressOrRange) ? entries : undefined;
}

function isAddressOrRange(entry: string): boolean {
  const [address, prefixLength] = entry.split('/');
  const written = ipaddr.IPv4.isValidFourPartDecimal(address) || ipaddr.IPv6.isValid(address);
  if (!written || prefixLength === undefined) return written;
  try {
    ipaddr.parseCIDR(entry);
    return true;
  } catch {
    return false;
  }
}

/**
 * Production must be given a strong secret. Elsewhere a random one is generated on the first
 * start and kept in DATA_DIR, so tokens survive a restart without anyone choosing a weak secret.
 */
function resolveJwtSecret(given: string | undefined, nodeEnv: Config['env'], dataDir: string): string {
  if (given !== undefined) {
    if (nodeEnv === 'production' && Buffer.byteLength(given) < MIN_PRODUCTION_SECRET_BYTES) {
      throw new ConfigError(
        `Invalid configuration: JWT_SECRET must be at least ${MIN_PRODUCTION_SECRET_BYTES} bytes in production`,
      );
    }
    return given;
  }
  if (nodeEnv === 'production') {
    throw new ConfigError('Invalid configuration: JWT_SECRET is required in production (at least 32 random bytes)');
  }
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
