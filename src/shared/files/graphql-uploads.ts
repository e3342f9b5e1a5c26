import type { ErrorRequestHandler, RequestHandler } from 'express';
import { graphqlUploadExpress } from 'graphql-upload-minimal';
import { type ErrorCode, sendGraphQLError } from '../errors';
import { MAX_UPLOAD_BYTES } from './file-input';

/**
 * Headers a cross-site page cannot put on a request without a CORS preflight, which only the
 * allow-listed origins pass: the credential (the gateway authenticates by header, never by cookie)
 * and Apollo's preflight headers, for tools that send those instead.
 */
const NOT_CROSS_SITE_HEADERS = ['authorization', 'apollo-require-preflight', 'x-apollo-operation-name'];

/**
 * Parses GraphQL multipart requests (one file, at most MAX_UPLOAD_BYTES) for Apollo.
 *
 * A multipart POST is a request any web page can send cross-site without a preflight, and JSON
 * POSTs are always preflighted while GET never runs a mutation: so the only way a foreign page
 * could run a mutation here is an anonymous multipart request (login attempts, password reset
 * mails, from the visitor's browser and network). Every operation that takes a file needs a
 * credential, and a credential is a header such a page cannot send: a multipart request without
 * one (nor a preflight header) is refused before its body is read. apollo-upload-client sends
 * uploads with the app's Authorization header and needs nothing more.
 *
 * Whatever part of an upload an operation did not read is discarded once the response is sent,
 * so a refused upload never leaves the connection hanging.
 */
export function graphqlMultipartUploads(): RequestHandler {
  const parseMultipart = graphqlUploadExpress({ maxFileSize: MAX_UPLOAD_BYTES, maxFiles: 1 });
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    res.once('finish', () => {
      if (req.complete) return;
      req.unpipe();
      req.resume();
    });
    if (!NOT_CROSS_SITE_HEADERS.some((header) => req.get(header))) {
      return sendGraphQLError(res, {
        code: 'BAD_USER_INPUT',
        message:
          'a multipart request needs an Authorization header (every upload does) or an Apollo-Require-Preflight header: ' +
          'without either it could come from a cross-site form',
      });
    }
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
  sendGraphQLError(res, { code, message });
};
