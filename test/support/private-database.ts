import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { migrate } from '../../db/migrate.ts';

/**
 * A migrated database of its own beside the run's, on the same server: for a test whose subject
 * reads every organisation's rows (a backstop over all of them), which other files' rows must not reach.
 */
export async function privateDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const shared = new URL(inject('databaseUrl'));
  const name = `${decodeURIComponent(shared.pathname.slice(1))}_${randomBytes(3).toString('hex')}`;
  const url = Object.assign(new URL(shared), { pathname: `/${name}` }).toString();
  await migrate(url);
  return {
    url,
    async drop() {
      const admin = postgres(Object.assign(new URL(shared), { pathname: '/postgres' }).toString(), { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}
