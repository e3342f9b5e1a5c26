import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { subgraphSdl } from './federation/subgraph-sdl';
import { buildGatewaySchema } from './schema';

export const SCHEMA_FILE = 'schema/schema.graphql';
export const SUBGRAPH_SCHEMA_FILE = 'schema/subgraph.graphql';

/** The SDL committed in `schema/schema.graphql`: sorted, so that a diff shows only real changes. */
export async function printGatewaySchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildGatewaySchema()))}\n`;
}

/** The subgraph SDL committed in `schema/subgraph.graphql`, what `_service { sdl }` answers: a router composes it. */
export async function printSubgraphSchema(): Promise<string> {
  return subgraphSdl(await buildGatewaySchema());
}

if (require.main === module) {
  Promise.all([printGatewaySchema(), printSubgraphSchema()])
    .then(([sdl, subgraph]) => {
      writeFileSync(SCHEMA_FILE, sdl);
      writeFileSync(SUBGRAPH_SCHEMA_FILE, subgraph);
    })
    .catch((error) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    });
}
