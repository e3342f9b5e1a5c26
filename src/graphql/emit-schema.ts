import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildGatewaySchema } from './schema';

export const SCHEMA_FILE = 'schema/schema.graphql';

/** The SDL committed in `schema/schema.graphql`: sorted, so that a diff shows only real changes. */
export async function printGatewaySchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildGatewaySchema()))}\n`;
}

if (require.main === module) {
  printGatewaySchema()
    .then((sdl) => writeFileSync(SCHEMA_FILE, sdl))
    .catch((error) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    });
}
