import {
  type ConstDirectiveNode,
  type DefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  lexicographicSortSchema,
  parse,
  print,
  printSchema,
  type ValidationRule,
} from 'graphql';
import { ENTITY_KEY_FIELDS, ENTITY_REFERENCES } from './entity-references';

/** The Federation version the subgraph declares (`@link`): v2.3 is understood by every Federation 2 router. */
export const FEDERATION_SPEC_URL = 'https://specs.apollo.dev/federation/v2.3';

/** What the federation specification adds to a subgraph's schema: not part of the SDL it serves. */
const FEDERATION_FIELDS = new Set(['_entities', '_service']);
const FEDERATION_TYPES = new Set(['_Any', '_Entity', '_Service']);

const KEY: ConstDirectiveNode = {
  kind: Kind.DIRECTIVE,
  name: { kind: Kind.NAME, value: 'key' },
  arguments: [
    {
      kind: Kind.ARGUMENT,
      name: { kind: Kind.NAME, value: 'fields' },
      value: { kind: Kind.STRING, value: ENTITY_KEY_FIELDS },
    },
  ],
};

const printed = new WeakMap<GraphQLSchema, string>();

/**
 * The subgraph SDL a router composes (`_service { sdl }`, and `schema/subgraph.graphql`): the
 * schema, sorted like `schema/schema.graphql`, linked to the federation specification, with a
 * `@key` on each entity and without the federation's own fields and types. Printed once per schema.
 */
export function subgraphSdl(schema: GraphQLSchema): string {
  let sdl = printed.get(schema);
  if (sdl === undefined) {
    sdl = printSubgraph(schema);
    printed.set(schema, sdl);
  }
  return sdl;
}

function printSubgraph(schema: GraphQLSchema): string {
  const queryType = schema.getQueryType()?.name;
  const definitions = parse(printSchema(lexicographicSortSchema(schema))).definitions.flatMap((definition): DefinitionNode[] => {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) {
      return 'name' in definition && definition.name && FEDERATION_TYPES.has(definition.name.value) ? [] : [definition];
    }
    const name = definition.name.value;
    if (name === queryType) {
      return [{ ...definition, fields: definition.fields?.filter((field) => !FEDERATION_FIELDS.has(field.name.value)) }];
    }
    if (FEDERATION_TYPES.has(name)) return [];
    return Object.hasOwn(ENTITY_REFERENCES, name)
      ? [{ ...definition, directives: [...(definition.directives ?? []), KEY] }]
      : [definition];
  });
  const link = parse(`extend schema @link(url: "${FEDERATION_SPEC_URL}", import: ["@key"])`).definitions;
  return `${print({ kind: Kind.DOCUMENT, definitions: [...link, ...definitions] })}\n`;
}

/**
 * Where introspection is off (production), `_service` would describe the schema all the same: it
 * is refused with introspection's answer unless GRAPHQL_SUBGRAPH_SDL serves it. A router there
 * composes from `schema/subgraph.graphql` instead.
 */
export const refuseSubgraphSdl: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value !== '_service' || context.getParentType() !== context.getSchema().getQueryType()) return;
    context.reportError(
      new GraphQLError(
        'The subgraph SDL (_service) is not served here, as introspection is not: compose from schema/subgraph.graphql',
        {
          nodes: node,
        },
      ),
    );
  },
});
