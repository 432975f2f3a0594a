import { spawn } from 'node:child_process';
import postgres from 'postgres';
import { expect, it } from 'vitest';
import { privateDatabase } from './support/private-database.ts';
import { root } from './support/processes.ts';

/**
 * In a process of its own, as api/main.ts and worker/main.ts run: a new connection whose array-type
 * read fails (here a lock on pg_type makes it time out; a restart or pg_terminate_backend does the
 * same) must fail the statement that wanted it, not end the process.
 */
const child = (survive: boolean, url: string) => `
  import { createSql } from './db/client.ts';
  import { createLogger } from './config/logger.ts';
  import { surviveArrayTypeReadFailures } from './db/driver-rejections.ts';
  if (${survive}) surviveArrayTypeReadFailures(createLogger('warn'));
  const sql = createSql(${JSON.stringify(url)}, { max: 1, connection: { lock_timeout: 300 } });
  const failed = await sql\`select 1 as one\`.then(() => 'no error', (err) => err.code);
  await new Promise((resolve) => setTimeout(resolve, 300));
  console.log('statement: ' + failed + '; still running');
  process.exit(0);
`;

async function run(survive: boolean) {
  const db = await privateDatabase();
  const admin = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    const locker = await admin.reserve();
    await locker`begin`;
    await locker`lock table pg_catalog.pg_type in access exclusive mode`;
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child(survive, db.url)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise<number | null>((resolve) => proc.once('close', resolve));
    await locker`rollback`;
    locker.release();
    return { code, out };
  } finally {
    await admin.end({ timeout: 1 });
    await db.drop();
  }
}

it('a failed array-type read of a new connection fails its statement and is logged; the process goes on', async () => {
  const { code, out } = await run(true);
  expect(out).toContain('statement: 55P03; still running');
  expect(out).toContain('failed while reading array types');
  expect(code).toBe(0);
}, 60_000);

it('without it, the same failure ends the process (the client behaviour it is for)', async () => {
  const { code, out } = await run(false);
  expect(out).toMatch(/55P03|lock timeout/);
  expect(out).not.toContain('still running');
  expect(code).not.toBe(0);
}, 60_000);
