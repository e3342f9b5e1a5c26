import type { Request, RequestHandler } from 'express';
import { sendGraphQLError } from '../errors';

/**
 * Refuses a GraphQL document (the `query` string) longer than `maxBytes` with 413, before Apollo
 * parses it: the body limit has to leave room for variables (an inline file), the parser's token
 * limit counts no whitespace or comments, and neither should decide how much text gets lexed.
 */
export function graphqlDocumentSize(maxBytes: number): RequestHandler {
  return (req, res, next) => {
    if (!documentsOf(req).some((document) => typeof document === 'string' && Buffer.byteLength(document) > maxBytes)) {
      return next();
    }
    sendGraphQLError(res, { code: 'PAYLOAD_TOO_LARGE', message: `the GraphQL document is larger than ${maxBytes} bytes` });
  };
}

/** The `query` strings of a GET's URL, or of a JSON or multipart body (one operation, or a batch Apollo will refuse). */
function documentsOf(req: Request): unknown[] {
  if (req.method === 'GET') return [req.query.query].flat();
  return [req.body].flat().map((operation: unknown) => (operation as { query?: unknown } | null)?.query);
}
