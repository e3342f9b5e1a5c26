import type { Request, RequestHandler } from 'express';

/** What a request's metrics (and traces) may name it by: never its raw path, which carries ids. */
const templates = new WeakMap<Request, string>();

/** Records the route `req` was matched to (`/api/v1/users/:id`), for routers that match paths themselves. */
export function recordRouteTemplate(req: Request, template: string): void {
  templates.set(req, template);
}

/** Names every request below its mount point by `template` (a later, more specific one wins). */
export function routeTemplate(template: string): RequestHandler {
  return (req, _res, next) => {
    recordRouteTemplate(req, template);
    next();
  };
}

/**
 * The template `req` was answered under: the recorded one, else express's matched route with the
 * prefix of its router; undefined when nothing matched (a 404), so a client's invented path never
 * becomes a label.
 */
export function routeTemplateOf(req: Request): string | undefined {
  const recorded = templates.get(req);
  if (recorded) return recorded;
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : undefined;
}
