import type { ApolloServerOptions, BaseContext } from '@apollo/server';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';

const MEBIBYTE = 2 ** 20;

/**
 * Apollo's automatic persisted queries: a client sends a query's sha256 alone and, when the gateway
 * answers PERSISTED_QUERY_NOT_FOUND, the hash with the text, which registers it. Registered texts
 * live in this process's memory, bounded (least recently used first out, sized by their length)
 * rather than Apollo's default cache shared with everything else; they do not expire otherwise.
 */
export function persistedQueries(cacheMebibytes: number): ApolloServerOptions<BaseContext>['persistedQueries'] {
  return { cache: new InMemoryLRUCache<string>({ maxSize: cacheMebibytes * MEBIBYTE }), ttl: null };
}
