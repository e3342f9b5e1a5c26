import type { Request, RequestHandler } from 'express';
import { STATUS_BY_CODE } from '../errors';

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;

/** JSON between systems is UTF-8 (RFC 8259), even where the parser could decode UTF-16 or UTF-32. */
export function declaresOnlyUtf8(req: Request): boolean {
  const charset = CHARSET.exec(req.headers['content-type'] ?? '')?.[1];
  return charset === undefined || charset.toLowerCase() === 'utf-8';
}

/**
 * A POST to /graphql is JSON (UTF-8) or a multipart upload; anything else is refused with 415
 * before its body is read, in the GraphQL error shape.
 */
export const graphqlMediaTypes: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST') return next();
  if (req.is('multipart/form-data') || (req.is('application/json') && declaresOnlyUtf8(req))) return next();
  res.status(STATUS_BY_CODE.UNSUPPORTED_MEDIA_TYPE).json({
    errors: [
      {
        message: 'send the operation as UTF-8 application/json, or as multipart/form-data with a file',
        extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' },
      },
    ],
  });
};
