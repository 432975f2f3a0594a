import { fileURLToPath } from 'node:url';
import ley from 'ley';
import postgres from 'postgres';

const dbDir = fileURLToPath(new URL('.', import.meta.url));

/** Creates the database named in the URL when it does not exist yet (dev and test convenience). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!name) throw new Error('DATABASE_URL names no database');
  url.pathname = '/postgres';
  const admin = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    const [found] = await admin`select 1 from pg_database where datname = ${name}`;
    if (!found) await admin.unsafe(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
}

/** Applies pending migrations in order, inside one transaction; returns the names applied. */
export async function migrate(databaseUrl: string): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const url = new URL(databaseUrl);
  // ley spreads `config` into postgres() options, so it takes parts rather than a URL.
  const config = {
    host: url.hostname,
    port: Number(url.port || 5432),
    database: decodeURIComponent(url.pathname.slice(1)),
    username: decodeURIComponent(url.username || 'postgres'),
    password: decodeURIComponent(url.password),
  };
  return ley.up({ cwd: dbDir, dir: 'migrations', driver: 'postgres', config });
}
