/**
 * `npm run bench`: the cost of provisioning an identity through Temporal (workflow + activity +
 * lifecycle child start, as the sign-in callback runs it) against a floor measured in the same run:
 * the same provisioning transaction called directly. Reports ratios, not absolute targets.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import postgres from 'postgres';
import { provisioningActivities } from '../activities/provisioning.ts';
import { provisionSignIn } from '../api/temporal.ts';
import { createSql } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { resolveTemporalCli } from '../dev/temporal-cli.ts';
import { startTemporalDevServer } from '../dev/temporal-server.ts';
import { createWorker } from '../worker/create-worker.ts';
import { createMailer } from '../worker/mailer.ts';
import { insertSsoOrg } from '../test/support/fixtures.ts';

const N = Number(process.env.BENCH_N ?? 40);
const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function timed(n: number, run: (i: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await run(i);
    times.push(performance.now() - started);
  }
  return times;
}

Runtime.install({ logger: new DefaultLogger('WARN') });
const dbName = `sso_bench_${randomBytes(4).toString('hex')}`;
const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
const server = await startTemporalDevServer({ cli: await resolveTemporalCli(), namespace: 'default' });
await migrate(databaseUrl);
const sql = createSql(databaseUrl);
const native = await NativeConnection.connect({ address: server.address });
const worker = await createWorker({ connection: native, namespace: 'default', taskQueue: 'bench', sql, mailer: createMailer('smtp://127.0.0.1:1', 'x@y') });
const running = worker.run();
const connection = await Connection.connect({ address: server.address });
const client = new Client({ connection });

try {
  const { signIn } = await insertSsoOrg(sql, 'bench');
  const input = (prefix: string, i: number) => signIn(`${prefix}-${i}`);
  const { provisionIdentity } = provisioningActivities(sql);

  await timed(5, (i) => provisionSignIn(client, 'bench', input('warm', i)));
  const floor = await timed(N, (i) => provisionIdentity(input('direct', i)));
  const viaTemporal = await timed(N, (i) => provisionSignIn(client, 'bench', input('temporal', i)));
  const again = await timed(N, (i) => provisionSignIn(client, 'bench', input('temporal', i)));

  const row = (name: string, xs: number[]) =>
    `${name.padEnd(40)} p50 ${percentile(xs, 50).toFixed(1).padStart(7)} ms   p95 ${percentile(xs, 95).toFixed(1).padStart(7)} ms   ratio(p50) ${(percentile(xs, 50) / percentile(floor, 50)).toFixed(1)}x`;
  console.log(`\nN = ${N} sequential sign-ins each\n`);
  console.log(row('floor: provisioning transaction, direct', floor));
  console.log(row('first sign-in via Temporal (JIT create)', viaTemporal));
  console.log(row('repeat sign-in via Temporal', again));
} finally {
  worker.shutdown();
  await running;
  await Promise.all([connection.close(), native.close(), sql.end()]);
  await server.stop();
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
  await admin.end();
}
