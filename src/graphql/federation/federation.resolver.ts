import { type GraphQLResolveInfo, GraphQLScalarType, valueFromASTUntyped } from 'graphql';
import { Arg, type ClassType, createUnionType, Ctx, Field, Info, ObjectType, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../modules/request-context';
import { invalidField } from '../../shared/errors';
import { parseId } from '../../shared/ids';
import { allOf, type MaybePromise } from '../../shared/maybe-promise';
import { MAX_PAGE_SIZE } from '../connection';
import { ENTITY_REFERENCES, type EntityReference } from './entity-references';
import { subgraphSdl } from './subgraph-sdl';

/**
 * The root fields and types the Apollo Federation subgraph specification adds to a schema: a
 * router reads the subgraph's SDL from `_service` and resolves entities other subgraphs reference
 * with `_entities`. Added by type-graphql like every other field, so they run through the same
 * server, limits and compiled execution as the rest of the graph.
 */

const AnyScalar = new GraphQLScalarType({
  name: '_Any',
  description: 'An entity representation a router sends: `{ "__typename": "User", "id": "12" }`.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => {
    const value = valueFromASTUntyped(ast, variables);
    // graphql-js builds a literal object without a prototype, and argument validation reads its constructor.
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : value;
  },
});

const EntityUnion = createUnionType({
  name: '_Entity',
  types: () => Object.values(ENTITY_REFERENCES).map((reference) => reference.type) as readonly ClassType[],
});

@ObjectType('_Service')
class SubgraphService {
  @Field(() => String, { nullable: true, description: 'The subgraph SDL, with its federation directives.' })
  sdl!: string;
}

const REFERENCES = new Map(Object.entries(ENTITY_REFERENCES));

interface Reference {
  entity: EntityReference;
  id: number;
}

function parseRepresentation(representation: unknown, index: number): Reference {
  const field = `representations[${index}]`;
  if (typeof representation !== 'object' || representation === null || Array.isArray(representation)) {
    throw invalidField(field, 'must be an object { __typename, id }');
  }
  const { __typename: typename, id } = representation as Record<string, unknown>;
  const entity = typeof typename === 'string' ? REFERENCES.get(typename) : undefined;
  if (!entity) throw invalidField(`${field}.__typename`, 'must name an entity type of this subgraph');
  if (typeof id !== 'string' && typeof id !== 'number') throw invalidField(`${field}.id`, 'must be a positive integer id');
  return { entity, id: parseId(id, `${field}.id`) };
}

@Resolver()
export class FederationResolver {
  @Query(() => [EntityUnion], {
    name: '_entities',
    nullable: 'items',
    description:
      'Federation: the entities a router references, in the order given; null for one that does not exist or that the viewer may not see.',
  })
  entities(
    @Arg('representations', () => [AnyScalar]) representations: unknown[],
    @Ctx() ctx: RequestContext,
  ): MaybePromise<(object | null)[]> {
    ctx.requireViewer();
    // As a connection's page: one bounded answer, whatever the router batches into one fetch.
    if (representations.length > MAX_PAGE_SIZE) {
      throw invalidField('representations', `must hold at most ${MAX_PAGE_SIZE} entities`);
    }
    // Every representation is checked before any is loaded: a bad one fails the whole field, at no cost.
    const references = representations.map(parseRepresentation);
    return allOf(references.map(({ entity, id }) => entity.resolve(ctx, id)));
  }

  @Query(() => SubgraphService, { name: '_service', description: "Federation: the subgraph's SDL, for a router to compose." })
  service(@Info() info: GraphQLResolveInfo): SubgraphService {
    return { sdl: subgraphSdl(info.schema) };
  }
}
