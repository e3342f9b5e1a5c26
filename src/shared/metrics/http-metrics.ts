import type { RequestHandler } from 'express';
import { routeTemplateOf } from '../http/route-template';
import type { GatewayMetrics } from './gateway-metrics';

/**
 * Counts every request once its response is finished or its connection closed (a client that
 * left), by method, route template and status, with its duration. The route is read then, when
 * routing is done: a template, never the raw path (`routeTemplateOf`).
 */
export function httpMetrics(metrics: GatewayMetrics): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    let counted = false;
    const count = () => {
      if (counted) return;
      counted = true;
      metrics.httpRequestEnded(req.method, routeTemplateOf(req), res.statusCode, (performance.now() - started) / 1000);
    };
    res.once('finish', count);
    res.once('close', count);
    next();
  };
}
