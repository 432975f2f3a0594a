import { createServer } from 'node:net';
import { DevStartError } from './start-error.ts';

export interface PortUse {
  port: number;
  /** What listens there, e.g. "api". */
  what: string;
  /** The variable that moves it. */
  variable: string;
  /** Omitted: every interface, as the api listens. */
  host?: string;
}

export const portTakenMessage = ({ port, what, variable }: PortUse) =>
  `port ${port} (${what}) is already in use: stop what listens there, or set ${variable} to another port`;

function listenError(use: PortUse): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen({ port: use.port, ...(use.host ? { host: use.host } : {}), exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** Refuses to start anything while a port `npm run dev` needs is taken, naming the port and its variable. */
export async function checkPortsFree(uses: PortUse[]): Promise<void> {
  for (const use of uses) {
    const err = await listenError(use);
    if (!err) continue;
    if (err.code === 'EADDRINUSE') throw new DevStartError(portTakenMessage(use));
    throw new DevStartError(`cannot listen on port ${use.port} (${use.what}): ${err.code ?? err.message}; set ${use.variable} to another port`);
  }
}
