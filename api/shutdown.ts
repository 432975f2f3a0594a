import type { ServerType } from '@hono/node-server';

/**
 * Stops accepting connections and resolves `true` once every request in flight has been answered
 * (idle keep-alive connections close at once), or `false` at the deadline, after cutting the rest.
 */
export function closeServer(server: ServerType, deadlineMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const deadline = setTimeout(() => {
      if ('closeAllConnections' in server) server.closeAllConnections();
      resolve(false);
    }, deadlineMs);
    server.close(() => {
      clearTimeout(deadline);
      resolve(true);
    });
  });
}
