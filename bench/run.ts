/**
 * `npm run bench`: sign-in latency through Temporal, as the callback sees it, against floors
 * measured in the same run on the same server: one workflow running the same provisioning
 * transaction once as a local activity (the floor each path is judged by) and as a regular
 * activity (why provisioning is local). Every path has its own floor: a first sign-in creates a
 * member, a repeat finds the identity. Reports ratios, not absolute targets.
 */
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import { activityPorts } from '../temporal/activity-ports.ts';
import { provisionSignIn } from '../api/temporal.ts';
import { loadConfig } from '../config/index.ts';
import { createSql } from '../db/client.ts';
import { resolveTemporalCli } from '../dev/temporal-cli.ts';
import { startTemporalDevServer } from '../dev/temporal-server.ts';
import { createWorker } from '../worker/create-worker.ts';
import { createMailer } from '../worker/mailer.ts';
import { insertSsoOrg } from '../test/support/fixtures.ts';
import type { ProvisionIdentityInput } from '../workflows/definitions.ts';
import { freshDatabase } from './database.ts';
import { oneActivityWorkflow, oneLocalActivityWorkflow } from './floor-workflows.ts';
import { percentile, sequentially } from './stats.ts';
import { dataConverter } from '../temporal/data-converter.ts';
import { memberEmailHasher } from '../temporal/member-email-hash.ts';

const N = Number(process.env.BENCH_N ?? 100);
const timed = async (n: number, run: (i: number) => Promise<unknown>) => (await sequentially(n, run)).times;

Runtime.install({ logger: new DefaultLogger('WARN') });
const server = await startTemporalDevServer({ cli: await resolveTemporalCli(), namespace: 'default' });
const database = await freshDatabase('sso_bench');
const sql = createSql(database.url);
const mailer = createMailer('smtp://127.0.0.1:1', 'x@y');
const native = await NativeConnection.connect({ address: server.address });
const connection = await Connection.connect({ address: server.address });
// The defaults: no reminder falls due during a run.
const { reminders: policy, publicUrl, reminderRecipientAttempts: recipientAttempts, workerConcurrency: concurrency, payloadKeys, encryptionKey } = loadConfig({ APP_ENV: 'test' });
// Encrypted as in production: the codec's cost is part of what the bench measures.
const converter = dataConverter(payloadKeys);
const hashMemberEmail = memberEmailHasher(encryptionKey);
const client = new Client({ connection, dataConverter: converter });
const deps = { sql, mailer, client, reminders: { policy, publicUrl, recipientAttempts } };
const workers = [
  await createWorker({ connection: native, namespace: 'default', taskQueue: 'bench', dataConverter: converter, hashMemberEmail, concurrency, ...deps }),
  await Worker.create({
    connection: native,
    taskQueue: 'bench-floor',
    dataConverter: converter,
    workflowsPath: fileURLToPath(new URL('./floor-workflows.ts', import.meta.url)),
    activities: createActivities({ ...deps, temporal: activityPorts(client, 'bench-floor', hashMemberEmail) }),
  }),
];
const running = workers.map((w) => w.run());

try {
  const { signIn } = await insertSsoOrg(sql, 'bench');
  let run = 0;
  const floor = (workflow: typeof oneLocalActivityWorkflow, input: ProvisionIdentityInput) =>
    client.workflow.execute(workflow, { taskQueue: 'bench-floor', workflowId: `floor-${run++}`, args: [input] });
  const viaApi = (input: ProvisionIdentityInput) => provisionSignIn({ client, connection }, sql, 'bench', input);

  await timed(10, (i) => viaApi(signIn(`warm-${i}`)));
  await timed(10, (i) => floor(oneLocalActivityWorkflow, signIn(`warm-floor-${i}`)));

  // Interleaved in rounds, so drift on a busy machine hits every path alike. Each path names its floor.
  const floorCreate = { name: 'floor: 1 workflow + 1 local activity (create)', times: [] as number[] };
  const floorRepeat = { name: 'floor: 1 workflow + 1 local activity (repeat)', times: [] as number[] };
  const measured = [
    { path: floorCreate, floor: floorCreate, call: (i: number) => floor(oneLocalActivityWorkflow, signIn(`floor-${i}`)) },
    { path: { name: 'first sign-in (JIT create)', times: [] as number[] }, floor: floorCreate, call: (i: number) => viaApi(signIn(`user-${i}`)) },
    { path: { name: 'variant: 1 workflow + 1 activity (create)', times: [] as number[] }, floor: floorCreate, call: (i: number) => floor(oneActivityWorkflow, signIn(`variant-${i}`)) },
    { path: floorRepeat, floor: floorRepeat, call: (i: number) => floor(oneLocalActivityWorkflow, signIn(`floor-${i}`)) },
    { path: { name: 'repeat sign-in', times: [] as number[] }, floor: floorRepeat, call: (i: number) => viaApi(signIn(`user-${i}`)) },
    { path: { name: 'variant: 1 workflow + 1 activity (repeat)', times: [] as number[] }, floor: floorRepeat, call: (i: number) => floor(oneActivityWorkflow, signIn(`variant-${i}`)) },
  ];
  const ROUND = 10;
  for (let first = 0; first < N; first += ROUND) {
    for (const { path, call } of measured) path.times.push(...(await timed(ROUND, (k) => call(first + k))));
  }

  const ms = (x: number) => `${x.toFixed(1).padStart(7)} ms`;
  console.log(`\nN = ${N} sequential sign-ins per path, interleaved in rounds of ${ROUND}\n`);
  console.log(`${'path'.padEnd(46)}        p50         p99  p50/floor  p99/floor`);
  for (const { path, floor: f } of measured) {
    const ratio = (p: number) => `${(percentile(path.times, p) / percentile(f.times, p)).toFixed(2)}x`.padStart(9);
    console.log(`${path.name.padEnd(46)} ${ms(percentile(path.times, 50))} ${ms(percentile(path.times, 99))}  ${ratio(50)}  ${ratio(99)}`);
  }
} finally {
  for (const w of workers) w.shutdown();
  await Promise.all(running);
  await Promise.all([connection.close(), native.close(), sql.end()]);
  await server.stop();
  await database.drop();
}
