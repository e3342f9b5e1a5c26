import { GraphQLScalarType } from 'graphql';
import { DateTimeISOResolver, JSONResolver } from 'graphql-scalars';

/** ISO-8601 UTC strings (`2026-02-17T19:55:10.000Z`) under the contract's name `DateTime`. */
export const DateTimeScalar = new GraphQLScalarType({
  ...DateTimeISOResolver.toConfig(),
  name: 'DateTime',
  description: 'An ISO-8601 instant in UTC, e.g. 2026-02-17T19:55:10.000Z',
});

/** Any JSON value, as stored (the `changes` of an audit event): objects, arrays, strings, numbers, booleans, null. */
export const JSONScalar = new GraphQLScalarType({
  ...JSONResolver.toConfig(),
  name: 'JSON',
  description: 'A JSON value, as it was stored',
});
