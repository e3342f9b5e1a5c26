import { readFileSync } from 'node:fs';
import { printGatewaySchema, printSubgraphSchema, SCHEMA_FILE, SUBGRAPH_SCHEMA_FILE } from '../src/graphql/emit-schema';

describe('schema/schema.graphql', () => {
  it('matches the schema the resolvers build (run `npm run schema` after changing them)', async () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(await printGatewaySchema());
  });

  it('schema/subgraph.graphql matches the Federation subgraph SDL `_service` serves (run `npm run schema`)', async () => {
    expect(readFileSync(SUBGRAPH_SCHEMA_FILE, 'utf8')).toBe(await printSubgraphSchema());
  });

  it('names the root fields clients, tests and benchmarks rely on', async () => {
    const sdl = await printGatewaySchema();
    for (const field of [
      'me: User!',
      'validateToken: TokenInfo!',
      'users(',
      'companies(',
      'stages: [Stage!]!',
      'currentLegalTerm: LegalTerm',
      'login(',
    ]) {
      expect(sdl).toContain(field);
    }
  });
});
