import cors from 'cors';
import type { RequestHandler } from 'express';

/**
 * The request headers browsers may send from an allowed origin: the credential, the body's type,
 * Apollo's preflight headers, and the client-awareness headers Apollo Client adds
 * (`apollographql-client-*` when the app names itself, `apollographql-library-*` when it sends the
 * library's name as headers). `Accept` is listed as well: urql's and Apollo Client's defaults fit
 * the CORS-safelisted form, but a longer one (an app adding media types) needs the allowance.
 */
const ALLOWED_REQUEST_HEADERS = [
  'Accept',
  'Authorization',
  'Content-Type',
  'Apollo-Require-Preflight',
  'X-Apollo-Operation-Name',
  'Apollographql-Client-Name',
  'Apollographql-Client-Version',
  'Apollographql-Library-Name',
  'Apollographql-Library-Version',
  'X-Request-Id',
];

/**
 * CORS for the allow-listed browser origins only (`CORS_ORIGINS`): any other origin gets no
 * `Access-Control-Allow-*` header, so browsers keep its pages from calling the API. Credentials
 * travel in the Authorization header, never in cookies, so none are allowed.
 */
export function crossOriginAccess(origins: string[]): RequestHandler {
  const allowed = new Set(origins);
  return cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ALLOWED_REQUEST_HEADERS,
    exposedHeaders: ['Retry-After', 'X-Request-Id'],
    credentials: false,
    maxAge: 600,
  });
}
