import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import type { Logger } from '../logger';
import { sendError } from '../errors';
import { AVATAR_ROUTE_PREFIX } from './avatar-url';
import { isAvatarKey } from './avatar-files';
import type { FileStorage } from './file-storage';

const ONE_YEAR_SECONDS = 31_536_000;

/**
 * `GET /files/avatars/<key>`: public, since keys are unguessable and never reused. Only avatar
 * keys are served (never an import file), matched on the raw path, so nothing is decoded and
 * neither `..` nor an encoded slash can reach another file.
 */
export function avatarRouter(storage: FileStorage, logger: Logger): Router {
  const router = Router();
  router.get(`${AVATAR_ROUTE_PREFIX}*key`, async (req, res) => {
    const key = req.path.slice(AVATAR_ROUTE_PREFIX.length);
    const file = isAvatarKey(key) ? await storage.stream(key) : null;
    if (!file) {
      sendError(res, { code: 'NOT_FOUND', message: 'avatar not found' });
      return;
    }
    res.set({
      'Content-Type': file.contentType,
      'Content-Length': String(file.size),
      'Content-Disposition': 'inline',
      'Cache-Control': `public, max-age=${ONE_YEAR_SECONDS}, immutable`,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    });
    if (req.method === 'HEAD') {
      file.stream.destroy();
      res.end();
      return;
    }
    try {
      await pipeline(file.stream, res);
    } catch (error) {
      // The client went away mid-file; nothing to answer any more.
      if (!res.destroyed) logger.warn({ err: error, key }, 'serving an avatar failed');
    }
  });
  return router;
}
