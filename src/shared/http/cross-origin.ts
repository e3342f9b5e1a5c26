import cors from 'cors';
import type { RequestHandler } from 'express';

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
    allowedHeaders: ['Authorization', 'Content-Type', 'Apollo-Require-Preflight', 'X-Apollo-Operation-Name', 'X-Request-Id'],
    exposedHeaders: ['Retry-After', 'X-Request-Id'],
    credentials: false,
    maxAge: 600,
  });
}
