import type { Durations } from './measure';

/** The workloads, in the order they run: the import last, since it adds users the others would then read. */
export const WORKLOAD_NAMES = ['nested', 'rest', 'write', 'login', 'overload', 'rss', 'import'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

export interface BenchOptions {
  quick: boolean;
  /** How many times the main workload (nested query, first=100, on the gateway) runs for the RSS check. */
  repeat: number;
  connections: number[];
  firsts: number[];
  durations: Durations;
  importRows: number;
  skipBuild: boolean;
  keepDatabase: boolean;
  /** CPU-profiles the gateway during the nested query at first=10 and 100, the write and the overload, and reports its top functions by self time. */
  profile: boolean;
  /** The workloads to run (--only), all by default. */
  only: WorkloadName[];
}

export const USAGE = `npm run bench [-- options]
  --quick         about a minute: 2 s per run, 10 connections only, a 2,000-row import
  --repeat N      run the main workload (nested query, first=100) N times to compare RSS (default 3; 1 with --quick)
  --profile       CPU-profile the gateway during the nested query at first=10 and 100, the write and the overload, summarise its
                  hottest functions per workload, and write the report to bench/results/profile.md (not latest.md)
  --skip-build    use dist/ as it is instead of running npm run build
  --keep-db       leave the leadsy_bench database in place afterwards
  --only W[,W]    run only these workloads: ${WORKLOAD_NAMES.join(', ')} (e.g. --only import: the CSV import alone)
environment: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres)`;

export function parseOptions(argv: string[]): BenchOptions {
  const flags = new Set<string>();
  let repeat: number | undefined;
  let only: WorkloadName[] = [...WORKLOAD_NAMES];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--repeat') {
      repeat = Number(argv[++index]);
      if (!Number.isInteger(repeat) || repeat < 1 || repeat > 10) throw new Error('--repeat takes a whole number from 1 to 10');
    } else if (arg === '--only') {
      const names = (argv[++index] ?? '').split(',');
      const unknown = names.filter((name) => !(WORKLOAD_NAMES as readonly string[]).includes(name));
      if (unknown.length) throw new Error(`--only takes workloads among ${WORKLOAD_NAMES.join(', ')}; not ${unknown.join(', ')}`);
      only = WORKLOAD_NAMES.filter((name) => names.includes(name));
    } else if (['--quick', '--profile', '--skip-build', '--keep-db', '--help'].includes(arg)) {
      flags.add(arg);
    } else {
      throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  }
  if (flags.has('--help')) throw new Error(USAGE);
  const quick = flags.has('--quick');
  return {
    quick,
    repeat: repeat ?? (quick ? 1 : 3),
    connections: quick ? [10] : [10, 50],
    firsts: [10, 100, 1000],
    durations: quick ? { warmupS: 0.5, measureS: 2 } : { warmupS: 1.5, measureS: 8 },
    importRows: quick ? 2_000 : 10_000,
    skipBuild: flags.has('--skip-build'),
    keepDatabase: flags.has('--keep-db'),
    profile: flags.has('--profile'),
    only,
  };
}
