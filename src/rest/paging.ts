import { z, type ZodType } from 'zod';
import { encodeOffsetCursor } from '../graphql/cursor';
import { PageMetaJson } from './legacy-objects';
import { presentPageMeta } from './presenters';
import type { GraphData } from './rest-route';

/** `?page=&per_page=` as the graph's `first` / `after` (an offset cursor for pages after the first). */
export function pageVariables({ page, per_page }: { page: number; per_page: number }) {
  return { first: per_page, after: page > 1 ? encodeOffsetCursor((page - 1) * per_page) : null };
}

/** `{ <plural>: [...], meta }` from a connection selected with `connectionOf`. */
export function presentList<T>(
  plural: string,
  connection: { totalCount: number; edges: { node: GraphData }[] },
  present: (node: GraphData) => T,
  { page, per_page }: { page: number; per_page: number },
) {
  return {
    [plural]: connection.edges.map((edge) => present(edge.node)),
    meta: presentPageMeta(page, per_page, connection.totalCount),
  };
}

/** The response schema of a list route, for the OpenAPI document. */
export function listBody(plural: string, item: ZodType) {
  return z.object({ [plural]: z.array(item), meta: PageMetaJson });
}
