// PostGraphile v5 over the gateway's `public` schema, as a reference point for `npm run bench`.
// Started by bench/lib/servers.ts with PORT and DATABASE_URL; no authentication, no GraphiQL, no
// watch mode, and a pool of the same size as the gateway's.
// First, before PostGraphile loads: it needs Node 22's Promise.withResolvers.
import './lib/promise-with-resolvers.mjs';
import { createServer } from 'node:http';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

const POOL_MAX = 10;

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ['public'],
      poolConfig: { max: POOL_MAX },
      pubsub: false,
    }),
  ],
  grafast: { explain: false },
  grafserv: { graphiql: false, watch: false, websockets: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on('error', (error) => {
  console.error(error);
  process.exit(1);
});
await serv.addTo(server);
server.listen(Number(process.env.PORT), '127.0.0.1');

const stop = async () => {
  server.close();
  server.closeAllConnections();
  await pgl.release();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
