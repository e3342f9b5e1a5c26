import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

/**
 * A second, tiny Federation 2 subgraph for the federation tests: reviews of users. It extends the
 * gateway's `User` entity with `reviewsCount`, and references users by id as review authors, so a
 * query through a router crosses both subgraphs in both directions.
 */
export const REVIEWS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type User @key(fields: "id") {
    id: ID!
    reviewsCount: Int!
  }

  type Review {
    body: String!
    author: User
  }

  type Query {
    reviews: [Review!]!
  }
`;

export interface Review {
  body: string;
  authorId: number;
}

export interface ReviewsSubgraph {
  url: string;
  stop(): Promise<void>;
}

/** Serves the reviews subgraph on a loopback port. */
export async function startReviewsSubgraph(reviews: Review[]): Promise<ReviewsSubgraph> {
  const countOf = (id: string) => reviews.filter((review) => String(review.authorId) === id).length;
  const server = new ApolloServer({
    schema: buildSubgraphSchema({
      typeDefs: parse(REVIEWS_SDL),
      resolvers: {
        Query: { reviews: () => reviews },
        Review: { author: (review: Review) => ({ id: String(review.authorId) }) },
        // Whether the router hands it a reference or a review's author, a user is its id here.
        User: { reviewsCount: (user: { id: string }) => countOf(user.id) },
      },
    }),
    // Traces for a router's reports: nothing reads them here.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => server.stop() };
}
