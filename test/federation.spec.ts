import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { parse } from 'graphql';
import { printSubgraphSchema } from '../src/graphql/emit-schema';
import type { Actor } from './helpers/fixtures';
import { REVIEWS_SDL, type ReviewsSubgraph, startReviewsSubgraph } from './helpers/reviews-subgraph';
import { useTestWorld } from './helpers/setup';

/**
 * The gateway as an Apollo Federation 2 subgraph: its `_service` SDL composes with a second
 * subgraph that extends `User`, and an Apollo Gateway (the router) run in-process answers queries
 * that cross both, forwarding the viewer's Authorization header to the gateway.
 */

const { app, world } = useTestWorld();

interface RouterContext {
  authorization?: string;
}

let reviews: ReviewsSubgraph;
let router: ApolloServer<RouterContext>;
let supergraphSdl: string;

beforeAll(async () => {
  reviews = await startReviewsSubgraph([
    { body: 'Knows the east inside out', authorId: world.users.eastMember.id },
    { body: 'Second opinion', authorId: world.users.eastMember.id },
    // Globex's: the admin of Acme may not see this author.
    { body: 'From the west', authorId: world.users.westMember.id },
  ]);
  const service = await app.graphql('{ _service { sdl } }');
  const composed = composeServices([
    { name: 'leadsy', typeDefs: parse(service.body.data._service.sdl), url: `${app.url}/graphql` },
    { name: 'reviews', typeDefs: parse(REVIEWS_SDL), url: reviews.url },
  ]);
  expect(composed.errors).toBeUndefined();
  supergraphSdl = composed.supergraphSdl!;
  // Unless told not to, an ApolloGateway reports its use to Apollo's servers, last when it stops: a test
  // sends nothing out, and its router's stop does not wait for a network that may hang.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<RouterContext>({
        url,
        willSendRequest({ request, context }) {
          if (context.authorization) request.http?.headers.set('authorization', context.authorization);
        },
      }),
  });
  router = new ApolloServer<RouterContext>({ gateway });
  await router.start();
});

afterAll(async () => {
  await router?.stop();
  await reviews?.stop();
});

async function throughRouter(query: string, actor: Actor) {
  const response = await router.executeOperation(
    { query },
    { contextValue: { authorization: world.headers(actor).authorization } },
  );
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult as { data?: Record<string, any> | null; errors?: { message: string; extensions?: any }[] };
}

describe('the gateway as a Federation 2 subgraph', () => {
  it('serves the SDL of schema/subgraph.graphql, linked to Federation 2 with User, Company, Access and Membership keyed by id', async () => {
    const { body } = await app.graphql('{ _service { sdl } }');
    expect(body.data._service.sdl).toBe(await printSubgraphSchema());
    expect(body.data._service.sdl).toMatch(/^extend schema @link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/);
    for (const entity of ['User', 'Company', 'Access', 'Membership']) {
      expect(body.data._service.sdl).toContain(`type ${entity} @key(fields: "id")`);
    }
    // The federation's own fields are for routers, not part of what they compose.
    expect(body.data._service.sdl).not.toMatch(/_entities|_service|_Any|_Entity/);
  });

  it('composes with a subgraph that extends User into a supergraph where User has both subgraphs’ fields', () => {
    expect(supergraphSdl).toMatch(/join__type\(graph: LEADSY, key: "id"\)/);
    expect(supergraphSdl).toMatch(/reviewsCount: Int! @join__field\(graph: REVIEWS\)/);
  });

  it('answers a query from the gateway, extended by the other subgraph (me → reviewsCount)', async () => {
    const result = await throughRouter('{ me { id email fullName reviewsCount } }', 'eastMember');
    expect(result.errors).toBeUndefined();
    expect(result.data?.me).toEqual({
      id: String(world.users.eastMember.id),
      email: 'eastmember@example.com',
      fullName: 'EastMember Tester',
      reviewsCount: 2,
    });
  });

  it('resolves the users the other subgraph references through _entities, with the viewer’s visibility', async () => {
    const query = '{ reviews { body author { id email primaryCompany { name } reviewsCount } } }';
    const asAcmeAdmin = await throughRouter(query, 'acmeAdmin');
    const [east, second, west] = asAcmeAdmin.data!.reviews;
    expect(east).toEqual({
      body: 'Knows the east inside out',
      author: {
        id: String(world.users.eastMember.id),
        email: 'eastmember@example.com',
        primaryCompany: { name: 'Acme East' },
        reviewsCount: 2,
      },
    });
    expect(second.author).toEqual(east.author);
    // The admin of Acme may not see Globex's member: the gateway answers null, as for an id never
    // used, and the router makes the author null, without an error that would tell it exists.
    expect(west).toEqual({ body: 'From the west', author: null });
    expect(asAcmeAdmin.errors).toBeUndefined();

    const asGlobexAdmin = await throughRouter(query, 'globexAdmin');
    expect(asGlobexAdmin.data?.reviews[2].author.email).toBe('westmember@example.com');
  });

  it('refuses an anonymous caller as the gateway does (UNAUTHENTICATED), without data', async () => {
    const result = await throughRouter('{ reviews { author { email } } }', 'anonymous');
    expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(result.data ?? null)).not.toContain('@example.com');
  });
});
