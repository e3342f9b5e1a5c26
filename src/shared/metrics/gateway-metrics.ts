import { Counter, Histogram, Registry } from 'prom-client';
import { ScrapeCollectors } from './collectors';
import { DatabaseMetrics } from './database-metrics';
import { JobMetrics } from './job-metrics';
import { processMetrics } from './process-metrics';

/** Why a login ended as it did: `success`, or the reason it failed (the client only ever learns "wrong email or password"). */
export const LOGIN_OUTCOMES = ['success', 'rate_limited', 'unknown_email', 'no_password', 'wrong_password', 'inactive'] as const;
export type LoginOutcome = (typeof LOGIN_OUTCOMES)[number];

/** The methods that get a label of their own; any other is `other` (Node accepts dozens). */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** A request answered outside every route (a 404 for a path a client made up). */
export const UNMATCHED_ROUTE = 'unmatched';

/** Seconds: from a cached read to a long export or a slow upload. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The metrics of one app, in a registry of its own (tests run many apps in one process): what
 * requests, operations, logins and rate limits report as they end. What can be read when
 * Prometheus scrapes (gates, pools, queued jobs) costs nothing in between (`collectors.ts`).
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  /** The admission gates, pools and queued jobs, read when scraped. */
  readonly scraped = new ScrapeCollectors(this.registry);
  readonly database = new DatabaseMetrics(this.registry, this.scraped);
  readonly jobs = new JobMetrics(this.registry, this.scraped, this.database);
  private readonly httpRequests = new Counter({
    name: 'leadsy_http_requests_total',
    help: 'HTTP requests answered, by method, route template (unmatched: no route) and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'leadsy_http_request_duration_seconds',
    help: 'Time from a request arriving to its response finishing (or its connection closing), by method and route template.',
    labelNames: ['method', 'route'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  private readonly operations = new Counter({
    name: 'leadsy_graphql_operations_total',
    help: 'GraphQL operations run through Apollo (REST routes included), by name, type and outcome (success or the first error code).',
    labelNames: ['operation', 'type', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly operationDuration = new Histogram({
    name: 'leadsy_graphql_operation_duration_seconds',
    help: 'Time from Apollo receiving an operation to its response, by name and type.',
    labelNames: ['operation', 'type'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  private readonly logins = new Counter({
    name: 'leadsy_logins_total',
    help: 'Logins by outcome: success, or why it failed.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly rateLimitRefusals = new Counter({
    name: 'leadsy_rate_limit_refusals_total',
    help: 'Attempts refused by a rate limit (429), by limiter: login, password-reset-request, password-reset, invitation-acceptance, invitation, api-key.',
    labelNames: ['limiter'] as const,
    registers: [this.registry],
  });

  constructor() {
    for (const outcome of LOGIN_OUTCOMES) this.logins.inc({ outcome }, 0);
  }

  httpRequestEnded(method: string, route: string | undefined, status: number, seconds: number): void {
    const labels = { method: METHODS.has(method) ? method : 'other', route: route ?? UNMATCHED_ROUTE };
    this.httpRequests.inc({ ...labels, status: String(status) });
    this.httpDuration.observe(labels, seconds);
  }

  /**
   * `operation`: its name as a bounded label (operation-names.ts); `type`: query, mutation or
   * subscription, unknown when the operation could not be resolved (a parse error).
   */
  operationEnded(operation: string, type: string, outcome: string, seconds: number): void {
    this.operations.inc({ operation, type, outcome });
    this.operationDuration.observe({ operation, type }, seconds);
  }

  loginEnded(outcome: LoginOutcome): void {
    this.logins.inc({ outcome });
  }

  /** `limiter`: the operation the refused counters count (the first part of their key prefix). */
  rateLimited(limiter: string): void {
    this.rateLimitRefusals.inc({ limiter });
  }

  /** This app's metrics and the process's, in Prometheus's text format. */
  async scrape(): Promise<string> {
    const [own, process] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return `${process}${own}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
