import { createServer } from 'node:net';

/**
 * A free loopback port below Linux's ephemeral range (32768-60999): a port the kernel handed out
 * for listening can be handed out again as the local port of an outgoing connection before the
 * program it was chosen for binds it (seen: a dev run's api refused with EADDRINUSE).
 */
export const freePort = (): Promise<number> => freePortIn(10_000, 32_768);

/** A free loopback port in [min, max), for programs that store ports in narrower types (Temporal's membership: smallint). */
export async function freePortIn(min: number, max: number): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const port = min + Math.floor(Math.random() * (max - min));
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in [${min}, ${max}) after 100 tries`);
}
