/**
 * Which PostgreSQL `npm run dev` uses: DATABASE_URL when set (it must answer), else the default
 * server when one answers, else an embedded one (PGlite) persisted under .data/pglite.
 */
import postgres from 'postgres';
import { DEFAULT_DATABASE_URL } from '../config/index.ts';
import { connectionErrorCode, connectionFailure, databaseHost } from '../operator/database-connection.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { portTakenMessage } from './port-check.ts';
import type { DevSettings } from './settings.ts';
import { DevStartError } from './start-error.ts';

export interface DevDatabase {
  url: string;
  /** For the banner. */
  description: string;
  stop(): Promise<void>;
}

const CONNECT_TIMEOUT_SECONDS = 3;

/**
 * Why PostgreSQL at `url` cannot be used, or undefined when it answers; `refused` when nothing
 * listens. Asks the `postgres` database, as migrate() does, since the app's may not exist yet.
 */
async function probe(url: string): Promise<{ refused: boolean; why: string } | undefined> {
  const admin = Object.assign(new URL(url), { pathname: '/postgres' }).toString();
  const sql = postgres(admin, { max: 1, connect_timeout: CONNECT_TIMEOUT_SECONDS, onnotice: () => {} });
  try {
    await sql`select 1`;
    return undefined;
  } catch (err) {
    return { refused: connectionErrorCode(err) === 'ECONNREFUSED', why: connectionFailure(err) ?? `answered with an error: ${(err as Error).message}` };
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function embedded(settings: DevSettings, dataDir: string): Promise<DevDatabase> {
  try {
    const db = await startEmbeddedPostgres({ port: settings.databasePort, dataDir });
    return { url: db.url, description: `embedded PostgreSQL (PGlite) on ${databaseHost(db.url)}, files in ${dataDir}`, stop: db.stop };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    throw new DevStartError(portTakenMessage({ port: settings.databasePort, what: 'embedded PostgreSQL', variable: 'DEV_DATABASE_PORT' }));
  }
}

/** `dataDir`: the embedded PostgreSQL's files, if it comes to that. */
export async function provideDatabase(env: NodeJS.ProcessEnv, settings: DevSettings, dataDir: string): Promise<DevDatabase> {
  if (settings.database === 'embedded') return embedded(settings, dataDir);
  const url = env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const problem = await probe(url);
  const server = { url, description: `PostgreSQL at ${databaseHost(url)}`, stop: async () => {} };
  if (!problem) return server;
  if (env.DATABASE_URL) {
    throw new DevStartError(`PostgreSQL at ${databaseHost(url)} (DATABASE_URL) ${problem.why}: start it or correct DATABASE_URL, or unset DATABASE_URL to use an embedded PostgreSQL`);
  }
  if (problem.refused) return embedded(settings, dataDir);
  throw new DevStartError(`PostgreSQL at ${databaseHost(url)} ${problem.why}: fix that server, set DATABASE_URL to another one, or set DEV_DATABASE=embedded`);
}
