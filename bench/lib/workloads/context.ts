import { join } from 'node:path';
import { RESULTS_DIR } from '../paths';
import type { Row, ServerName, Target } from '../measure';
import type { BenchOptions } from '../options';
import type { SeededData } from '../seed';

export interface BenchContext {
  targets: Record<ServerName, Target>;
  seeded: SeededData;
  /** A super_admin access token: every gateway request of the read and write workloads carries it. */
  gatewayToken: string;
  options: BenchOptions;
  rows: Row[];
  /** Workloads that could not run, with the reason, for the report. */
  skipped: string[];
  /** CPU profiles written with --profile, by the workload they profile. */
  profiles: Map<string, string[]>;
  log(line: string): void;
}

export const JSON_HEADERS = { 'content-type': 'application/json' } as const;

export function gatewayHeaders(ctx: BenchContext): Record<string, string> {
  return { ...JSON_HEADERS, authorization: `Bearer ${ctx.gatewayToken}` };
}

export interface GraphqlAnswer {
  status: number;
  json: { data?: Record<string, any> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

export async function postGraphql(baseUrl: string, body: string, headers: Record<string, string>): Promise<GraphqlAnswer> {
  const response = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers, body });
  return { status: response.status, json: (await response.json()) as GraphqlAnswer['json'] };
}

/**
 * Production mode has no introspection: a field is missing exactly when the gateway refuses the
 * document with "Cannot query field". (Another helper may still be adding `updateUser` or
 * `startImport` when the benchmark runs.)
 */
export async function gatewayHasMutation(ctx: BenchContext, field: string): Promise<boolean> {
  const body = JSON.stringify({ query: `mutation Probe { ${field} { __typename } }` });
  const { json } = await postGraphql(ctx.targets.gateway.server.baseUrl, body, gatewayHeaders(ctx));
  return !(json.errors ?? []).some((error) => error.message.includes(`Cannot query field "${field}"`));
}

/** The problem with a GraphQL answer, or null when it has data and no errors. */
export function graphqlProblem(status: number, json: unknown): string | null {
  const answer = json as GraphqlAnswer['json'];
  if (status !== 200) return `HTTP ${status}`;
  if (answer.errors?.length) return `errors: ${answer.errors.map((error) => error.message).join('; ')}`;
  if (!answer.data) return 'no data';
  return null;
}

/**
 * With --profile, where to write the gateway's CPU profile of one run of `workload` (registered for
 * the report's summary of that workload); otherwise undefined: the run is not profiled.
 */
export function gatewayProfilePath(ctx: BenchContext, workload: string, connections: number): string | undefined {
  if (!ctx.options.profile) return undefined;
  const path = join(RESULTS_DIR, `gateway-${workload.replace(/[^a-z0-9=]+/gi, '-')}-${connections}conns.cpuprofile`);
  ctx.profiles.set(workload, [...(ctx.profiles.get(workload) ?? []), path]);
  return path;
}
