// A federation router for `npm run bench:features`: @apollo/gateway in front of one gateway process,
// composed from the committed subgraph SDL (schema/subgraph.graphql) as a supergraph of that one
// subgraph, forwarding the client's Authorization. What it adds to the nested query is what a
// supergraph costs a client of the gateway. Started by bench/features.ts with PORT and SUBGRAPH_URL.
import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { parse } from 'graphql';

const { PORT, SUBGRAPH_URL } = process.env;
const composed = composeServices([
  { name: 'leadsy', typeDefs: parse(readFileSync('schema/subgraph.graphql', 'utf8')), url: SUBGRAPH_URL },
]);
if (composed.errors) throw new Error(`composition failed: ${composed.errors.map((error) => error.message).join('; ')}`);

const gateway = new ApolloGateway({
  supergraphSdl: composed.supergraphSdl,
  buildService: ({ url }) =>
    new RemoteGraphQLDataSource({
      url,
      willSendRequest({ request, context }) {
        if (context.authorization) request.http.headers.set('authorization', context.authorization);
      },
    }),
});
const server = new ApolloServer({ gateway, csrfPrevention: false });
await startStandaloneServer(server, {
  listen: { port: Number(PORT), host: '127.0.0.1' },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});
