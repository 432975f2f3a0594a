import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { migrate } from '../db/migrate.ts';

export const benchAdminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh, migrated database for one bench run; `drop` removes it, connections and all. */
export async function freshDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const url = Object.assign(new URL(benchAdminUrl), { pathname: `/${name}` }).toString();
  await migrate(url);
  return {
    url,
    async drop() {
      const admin = postgres(benchAdminUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}
