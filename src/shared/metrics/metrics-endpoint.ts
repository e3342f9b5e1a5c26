import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../logger';
import type { GatewayMetrics } from './gateway-metrics';

export const METRICS_PATH = '/metrics';

/**
 * `GET /metrics` (and HEAD) in Prometheus's text format; anything else is a 404. A plain Node
 * listener, so the same answers come from the metrics port's own server and from the main app
 * when METRICS_PORT equals PORT.
 */
export function metricsListener(metrics: GatewayMetrics, logger: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== METRICS_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    metrics.scrape().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'collecting the metrics failed');
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('the metrics could not be collected\n');
      },
    );
  };
}

/** The metrics port's own server (METRICS_HOST:METRICS_PORT): only `/metrics`, nothing of the gateway. */
export async function listenForMetrics(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  host: string,
  port: number,
): Promise<Server> {
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
