import { Hono } from 'hono';
import { withTimeout } from '../../domain/timeout.ts';

export type ReadinessCheck = () => Promise<unknown>;

const CHECK_TIMEOUT_MS = 2_000;

/**
 * `/healthz`: the process answers. `/readyz`: its dependencies answer too, naming any that do not,
 * and it is not shutting down (load balancers stop sending new requests while it drains).
 */
export function healthRoutes(checks: Record<string, ReadinessCheck>, draining: () => boolean) {
  return new Hono()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      if (draining()) return c.json({ status: 'draining', message: 'shutting down: finishing the requests in flight, send new ones elsewhere' }, 503);
      const names = Object.keys(checks);
      const results = await Promise.allSettled(names.map((name) => withTimeout(checks[name]!(), CHECK_TIMEOUT_MS, () => new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`))));
      const down = names.filter((_, i) => results[i]!.status === 'rejected');
      const body = Object.fromEntries(names.map((name) => [name, down.includes(name) ? 'down' : 'up']));
      if (down.length) return c.json({ status: 'unavailable', down, checks: body }, 503);
      return c.json({ status: 'ready', checks: body });
    });
}
