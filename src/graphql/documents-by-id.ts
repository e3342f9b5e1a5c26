import type { RequestHandler } from 'express';
import { sendGraphQLError } from '../shared/errors';
import { documentReference, type OperationRequest, persistedQueryNotFound, type TrustedDocuments } from './trusted-documents';

/**
 * Lets `/graphql` take a known document by id alone: GraphQL-over-HTTP's `documentId` (the
 * persisted-documents mode of client-preset), or Apollo's APQ hash of a trusted document. Apollo
 * knows neither the manifest nor `documentId`, so the request reaches it with the document's text
 * in `query` (and no APQ hash: a manifest's id need not be the text's sha256). An APQ hash of no
 * known document is left to Apollo's APQ cache; an unknown `documentId` answers
 * PERSISTED_QUERY_NOT_FOUND. Mounted after the JSON body parser, before Apollo.
 */
export function documentsById(trusted: TrustedDocuments): RequestHandler {
  return (req, res, next) => {
    const search = req.method === 'GET' ? new URLSearchParams(req.url.split('?')[1] ?? '') : undefined;
    const body = isRecord(req.body) ? req.body : {};
    const request: OperationRequest = search
      ? {
          query: search.get('query') ?? undefined,
          documentId: search.get('documentId') ?? undefined,
          extensions: parsed(search.get('extensions')),
        }
      : body;
    const reference = documentReference(request);
    if (reference === undefined) return next();
    if (!('id' in reference)) return sendGraphQLError(res, reference);
    const text = trusted.textOf(reference.id);
    if (text === undefined) return reference.via === 'apq' ? next() : sendGraphQLError(res, persistedQueryNotFound(reference.id));
    if (search) {
      search.delete('documentId');
      search.delete('extensions');
      search.set('query', text);
      const extensions = withoutPersistedQuery(request.extensions);
      if (extensions) search.set('extensions', JSON.stringify(extensions));
      // Apollo's express integration reads a GET's operation from the URL.
      req.url = `${req.url.split('?')[0]}?${search}`;
    } else {
      const { documentId: _id, extensions, ...rest } = body;
      req.body = { ...rest, query: text, ...withExtensions(withoutPersistedQuery(extensions)) };
    }
    next();
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A GET's `extensions`; what is not JSON is left for Apollo to refuse. */
function parsed(json: string | null): unknown {
  if (json === null) return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

/** The request's other extensions, which plugins may read; undefined when none is left. */
function withoutPersistedQuery(extensions: unknown): Record<string, unknown> | undefined {
  if (!isRecord(extensions)) return undefined;
  const { persistedQuery: _hash, ...rest } = extensions;
  return Object.keys(rest).length ? rest : undefined;
}

function withExtensions(extensions: Record<string, unknown> | undefined): { extensions?: Record<string, unknown> } {
  return extensions ? { extensions } : {};
}
