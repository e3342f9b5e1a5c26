import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './paths';

const PACKAGES = [
  '@apollo/server',
  'type-graphql',
  'graphql',
  'graphql-jit',
  '@mikro-orm/core',
  'express',
  '@node-rs/argon2',
  'postgraphile',
  'pg',
  'autocannon',
];

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  kernel: string;
  node: string;
  postgres: string;
  packages: Record<string, string>;
}

export function describeMachine(postgresVersion: string): Machine {
  const version = (packageJson: string) => {
    try {
      return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
    } catch {
      return 'not installed';
    }
  };
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: totalmem() / 1024 ** 3,
    kernel: `Linux ${release()}`,
    node: process.version,
    postgres: postgresVersion,
    packages: Object.fromEntries([
      ['leadsy-gateway', version(join(ROOT, 'package.json'))],
      ...PACKAGES.map((name) => [name, version(join(ROOT, 'node_modules', name, 'package.json'))]),
    ]),
  };
}
