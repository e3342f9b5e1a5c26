import type { ApolloServer } from '@apollo/server';
import type { Request } from 'express';
import type { FormattedExecutionResult } from 'graphql';
import { type AppDeps, RequestContext } from '../modules/request-context';
import { requestInfoOf } from '../shared/http/request-info';

/** One fixed operation of the REST layer; `variables` may throw a DomainError for input the route's schemas cannot express. */
export interface FixedOperation {
  document: string;
  operationName?: string;
  variables(): Record<string, unknown>;
}

/** Runs an operation for an HTTP request, with the request context a `/graphql` request would get. */
export type OperationRunner = (req: Request, operation: FixedOperation) => Promise<FormattedExecutionResult>;

/**
 * How the REST layer executes: through Apollo, with the same context, limits, plugins and errors as
 * a GraphQL client. A failure to build the context (the database is down) is thrown, like a throwing
 * `variables`, for the caller to answer.
 */
export function operationRunner(apollo: ApolloServer<RequestContext>, deps: AppDeps): OperationRunner {
  // A request that runs several operations (a streamed export) counts once against an API key's rate.
  const counted = new WeakSet<Request>();
  return async (req, { document, operationName, variables }) => {
    const countRequest = !counted.has(req);
    counted.add(req);
    const contextValue = await RequestContext.create(deps, requestInfoOf(req), { countRequest });
    const response = await apollo.executeOperation({ query: document, variables: variables(), operationName }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('REST documents never defer or stream');
    return response.body.singleResult;
  };
}
