import { readFileSync } from 'node:fs';
import { printGatewaySchema, SCHEMA_FILE } from '../src/graphql/emit-schema';

describe('schema/schema.graphql', () => {
  it('matches the schema the resolvers build (run `npm run schema` after changing them)', async () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(await printGatewaySchema());
  });

  it('names every root field of contract/graphql.md that is built so far', async () => {
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
