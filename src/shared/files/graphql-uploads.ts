import type { ErrorRequestHandler, RequestHandler } from 'express';
import { graphqlUploadExpress } from 'graphql-upload-minimal';
import { type ErrorCode, STATUS_BY_CODE } from '../errors';
import { MAX_UPLOAD_BYTES } from './file-input';

/** Apollo's CSRF prevention accepts a multipart request only with one of these headers. */
const PREFLIGHT_HEADERS = ['apollo-require-preflight', 'x-apollo-operation-name'];

/**
 * Parses GraphQL multipart requests (one file, at most MAX_UPLOAD_BYTES) for Apollo. A multipart
 * request without a preflight header is left unparsed, so Apollo refuses it (400, CSRF) without
 * the body being read. Whatever part of an upload an operation did not read is discarded once the
 * response is sent, so a refused upload never leaves the connection hanging.
 */
export function graphqlMultipartUploads(): RequestHandler {
  const parseMultipart = graphqlUploadExpress({ maxFileSize: MAX_UPLOAD_BYTES, maxFiles: 1 });
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    if (!PREFLIGHT_HEADERS.some((header) => req.get(header))) return next();
    res.once('finish', () => {
      if (req.complete) return;
      req.unpipe();
      req.resume();
    });
    return parseMultipart(req, res, next);
  };
}

/**
 * Errors raised before Apollo runs (a malformed or oversized body, a broken multipart request)
 * answered as a GraphQL error response instead of Express's HTML page.
 */
export const graphqlTransportErrors: ErrorRequestHandler = (error, _req, res, next) => {
  const status = typeof error?.status === 'number' ? error.status : 500;
  if (res.headersSent || status >= 500 || status < 400) return next(error);
  const code: ErrorCode = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_USER_INPUT';
  const message = error.type === 'entity.parse.failed' ? 'the request body is not valid JSON' : String(error.message);
  res.status(STATUS_BY_CODE[code]).json({ errors: [{ message, extensions: { code } }] });
};
