import { createServer, type Server } from 'node:http';
import type { Metrics } from '../../api/src/infrastructure/metrics';

/**
 * Prometheus `/metrics` of a worker (WORKER_METRICS_PORT): the same registry as the API's,
 * so a sync worker's message counters and a projector's lag are scraped like the API's.
 */
export const serveMetrics = async (metrics: Metrics, port: number): Promise<Server> => {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics failed\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve());
  });
  return server;
};
