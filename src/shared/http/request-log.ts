import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The request's id: the client's `X-Request-Id` when well formed, a new UUID otherwise. */
      id: string;
    }
  }
}

const REQUEST_ID = /^[\w-]{8,64}$/;
/** Probes call these every few seconds: their lines would drown the others. */
const UNLOGGED_PATHS = new Set(['/healthz', '/readyz']);

/**
 * Gives every request an id, echoed in `X-Request-Id` and carried by every log line about it, and
 * writes one access-log line at `info` once its response is finished or its connection closed:
 * method, path (never the query string, which may carry what a client should have kept to the
 * body), status, duration and client address. No header is logged, so no credential can be.
 * Below `info`, a request costs an id and nothing more.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    req.id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    if (!logger.isLevelEnabled('info')) return next();
    // Read now: routers mounted on a prefix strip it from the URL while they handle the request,
    // and a socket the client closed no longer tells its address.
    const { path, ip: clientIp } = req;
    if (UNLOGGED_PATHS.has(path)) return next();

    const started = performance.now();
    let logged = false;
    const logLine = () => {
      if (logged) return;
      logged = true;
      logger.info(
        {
          requestId: req.id,
          method: req.method,
          path,
          status: res.statusCode,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          clientIp,
        },
        'request',
      );
    };
    res.once('finish', logLine);
    res.once('close', logLine);
    next();
  };
}
