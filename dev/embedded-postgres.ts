/**
 * PostgreSQL without a server: PGlite (PostgreSQL compiled to WebAssembly) persisted in a folder,
 * served on loopback through pglite-socket, so api, worker, migrations and the CLI connect to it
 * with an ordinary postgres:// URL. One session serves every connection, one exchange or
 * transaction at a time (see SessionQueue). Development and opt-in tests only.
 */
import { createServer, type Server } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { citext } from '@electric-sql/pglite/contrib/citext';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import { SessionQueue } from './pglite-session-queue.ts';

export interface EmbeddedPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres: PGlite has one database and ignores the name asked for. */
  url: string;
  stop(): Promise<void>;
}

/** `dataDir` keeps the database across restarts; omit it for an in-memory one. */
export async function startEmbeddedPostgres(options: { port: number; dataDir?: string }): Promise<EmbeddedPostgres> {
  // citext: the schema's email columns.
  const db = await PGlite.create({ ...(options.dataDir ? { dataDir: options.dataDir } : {}), extensions: { citext } });
  // The handler expects pglite-socket's own queue class; SessionQueue has the same three methods.
  const queryQueue = new SessionQueue(db) as unknown as PGLiteSocketHandlerOptions['queryQueue'];
  const handlers = new Set<PGLiteSocketHandler>();
  const server = createServer((socket) => {
    const handler = new PGLiteSocketHandler({ queryQueue, closeOnDetach: true });
    handlers.add(handler);
    const forget = () => handlers.delete(handler);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    handler.attach(socket).catch(() => socket.destroy());
  });
  try {
    await listen(server, options.port);
  } catch (err) {
    await db.close();
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...handlers].map((h) => h.detach(true)));
      await closed;
      await db.close();
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
