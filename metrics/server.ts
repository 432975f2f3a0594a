import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  /** The port it listens on (the configured one, or the system's pick for port 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * /metrics (and nothing else) on a listener of its own, apart from the public app: the port is
 * reached from the monitoring network only (docs/metrics.md). `appendix` adds exposition text of
 * another source (the worker's Temporal Core SDK exporter) to the same scrape.
 */
export async function startMetricsServer({ registry, port, host, appendix }: { registry: Registry; port: number; host: string; appendix?: () => Promise<string> }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: metrics are at GET /metrics\n');
      return;
    }
    // The appendix first: it sets gauges about itself that the registry's text then reports.
    collect(registry, appendix)
      .then(([own, other]) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : own + other))
      .catch(() => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be collected\n'));
  });
  // A scrape is one short request; nothing keeps a connection for long.
  server.headersTimeout = 5_000;
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper's kept-alive connection would otherwise hold the shutdown until it times out.
        server.closeIdleConnections();
      }),
  };
}

async function collect(registry: Registry, appendix: (() => Promise<string>) | undefined): Promise<[string, string]> {
  const other = (await appendix?.()) ?? '';
  return [await registry.metrics(), other];
}
