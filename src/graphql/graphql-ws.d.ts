// graphql-ws declares `graphql-ws/use/ws` in its package exports only, which the `node` module
// resolution of this project does not read; Node itself resolves it (to dist/use/ws.cjs).
declare module 'graphql-ws/use/ws' {
  export * from 'graphql-ws/dist/use/ws';
}
