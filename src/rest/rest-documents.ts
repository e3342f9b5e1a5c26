import { REST_ROUTES, REST_STREAM_ROUTES } from './route-table';

/**
 * The GraphQL documents the REST routes run, each once: trusted whatever GRAPHQL_TRUSTED_DOCUMENTS
 * holds, and written by `npm run documents` for teams to merge into their own manifest.
 */
export const REST_DOCUMENTS: readonly string[] = [
  ...new Set([...REST_ROUTES, ...REST_STREAM_ROUTES].map((route) => route.document)),
];
