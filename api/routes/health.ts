import { Hono } from 'hono';

export type ReadinessCheck = () => Promise<unknown>;

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

/** `/healthz`: the process answers. `/readyz`: its dependencies answer too, naming any that do not. */
export function healthRoutes(checks: Record<string, ReadinessCheck>) {
  return new Hono()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      const names = Object.keys(checks);
      const results = await Promise.allSettled(names.map((name) => withTimeout(checks[name]!(), CHECK_TIMEOUT_MS)));
      const down = names.filter((_, i) => results[i]!.status === 'rejected');
      const body = Object.fromEntries(names.map((name) => [name, down.includes(name) ? 'down' : 'up']));
      if (down.length) return c.json({ status: 'unavailable', down, checks: body }, 503);
      return c.json({ status: 'ready', checks: body });
    });
}
