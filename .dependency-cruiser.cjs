/**
 * The layers of src/, enforced by `npm run lint`:
 *
 *   entry (main.ts, app.ts, shutdown.ts)
 *     → transports (graphql/, rest/, and the resolvers of modules/)
 *       → modules (modules/<domain>/: services, loaders, entities, the request context)
 *         → auth (modules/auth/: who the viewer is, what it sees, what it may do)
 *           → db/ and shared/ (and config.ts)
 *
 * An arrow may only point down. REST never reaches a service: it runs GraphQL operations.
 * Nothing in shared/ knows a domain or a transport.
 */
/** The GraphQL face of a module: its resolvers, and the object types they return (connections...). */
const GRAPHQL_IN_MODULES = '^src/modules/[^/]+/[^/]+[.](resolver|types)[.]ts$';
const RESOLVERS = '^src/modules/[^/]+/[^/]+[.]resolver[.]ts$';

module.exports = {
  forbidden: [
    {
      name: 'shared-knows-no-domain-or-transport',
      comment: 'shared/ is domain-free plumbing: it imports nothing of the gateway but shared/ and the config.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^src/', pathNot: '^src/(shared/|config[.]ts$)' },
    },
    {
      name: 'db-knows-no-domain',
      comment:
        'db/ runs SQL for anyone; only the entity registry MikroORM needs and the seeders (reference data) know the domain.',
      severity: 'error',
      from: { path: '^src/db/', pathNot: '^src/db/(seeders/|entities[.]ts$)' },
      to: { path: '^src/(modules|graphql|rest|app|main|shutdown)' },
    },
    {
      name: 'auth-below-the-modules',
      comment: 'auth may read entities, but no service, loader or transport of a module.',
      severity: 'error',
      from: { path: '^src/modules/auth/' },
      to: {
        path: '^src/(modules/(?!auth/)|graphql|rest|app|main|shutdown)',
        pathNot: '^src/modules/[^/]+/[^/]+[.]entity[.]ts$',
      },
    },
    {
      name: 'modules-know-no-transport',
      comment: 'Services, loaders and entities know neither GraphQL nor REST; resolvers and GraphQL types may.',
      severity: 'error',
      from: { path: '^src/modules/', pathNot: GRAPHQL_IN_MODULES },
      to: { path: `^src/(graphql|rest|app|main|shutdown)|${RESOLVERS}` },
    },
    {
      name: 'rest-reaches-no-service',
      comment: 'A REST route runs a GraphQL document; it never calls a service or a module directly.',
      severity: 'error',
      from: { path: '^src/rest/' },
      to: { path: '^src/(modules|db|app|main|shutdown)' },
    },
    {
      name: 'graphql-knows-no-rest',
      severity: 'error',
      from: { path: '^src/graphql/' },
      to: { path: '^src/(rest|app|main|shutdown)' },
    },
    {
      name: 'no-circular',
      comment: 'Type-only imports do not count: services name the request context that holds them.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^src/db/migrations/' },
  },
};
