import type { MiddlewareHandler } from 'hono';

/**
 * While draining, every answer closes its connection: keep-alive clients reconnect (to another
 * instance), and the server can close once the requests in flight are answered instead of waiting
 * for idle keep-alive connections to time out.
 */
export function closeConnectionsWhileDraining(draining: () => boolean): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (draining()) c.header('Connection', 'close');
  };
}
