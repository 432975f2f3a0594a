/**
 * `npm run test:cluster`: issue 15's many-organisation scenario on the production topology
 * (cluster/start.ts), with faults during the load and invariants after it. Exits 1 if any
 * invariant failed, keeping the cluster's folder (data and every process's log) for a look.
 * Sizes come from CLUSTER_* variables (cluster/scenario/settings.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { createSql } from '../db/client.ts';
import { runDirectories } from './scenario/directory.ts';
import { runFaults, watchReadiness } from './scenario/faults.ts';
import {
  deactivationsApplied,
  digestsOnce,
  everyoneSignedIn,
  faultsRan,
  malformedRefused,
  noDuplicates,
  oneMemberIdentityLifecycle,
  only503DuringOutages,
  readinessFollowedOutages,
} from './scenario/invariants.ts';
import { sendMalformed, type MalformedAnswer } from './scenario/malformed.ts';
import { scenarioSettings } from './scenario/settings.ts';
import { runSignIns, signInQueue } from './scenario/sign-ins.ts';
import { printSummary } from './scenario/summary.ts';
import { answers, recordTraffic } from './scenario/traffic.ts';
import { idpAccounts, idpClients, planOrgs, seedOrgs } from './scenario/world.ts';
import { startCluster } from './start.ts';
import { dataConverter } from '../temporal/data-converter.ts';
import { loadConfig } from '../config/index.ts';

const began = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const settings = scenarioSettings();
log(`scenario: ${JSON.stringify(settings)}`);
const planned = planOrgs(settings);
const cluster = await startCluster({
  env: { REMINDER_SCHEDULE: settings.reminderSchedule, REMINDER_DIGEST_WINDOW: settings.digestWindow },
  idpClients: idpClients(planned),
  idpAccounts: idpAccounts(planned),
  log,
});
const startupMs = Date.now() - began;
let failed = true;
// Ctrl-C or a CI timeout still stops every process of the cluster (its folder is kept).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cluster.stop(true).finally(() => process.exit(130)));
}
const readiness = watchReadiness(cluster.apiUrls);
try {
  recordTraffic([cluster.url, ...cluster.apiUrls]);
  const orgs = await seedOrgs(cluster, planned);
  const seedMs = Date.now() - began - startupMs;
  log(`${orgs.length} organisations seeded`);

  const queue = signInQueue(orgs.filter((o) => o.people.length > 0), settings.signIns);
  let done = 0;
  let loading = true;
  const loadStart = Date.now();
  const deadline = loadStart + settings.loadDeadlineSeconds * 1000;
  const malformed: MalformedAnswer[] = [];
  const mixMalformed = (async () => {
    while (loading) {
      const due = Math.floor((answers.filter((a) => a.path !== '/readyz').length * settings.malformedPerMille) / 1000);
      while (malformed.length < due) malformed.push(await sendMalformed(cluster.url, malformed.length, orgs));
      await sleep(250);
    }
  })();
  const progress = setInterval(() => {
    const seconds = (Date.now() - loadStart) / 1000;
    log(`load: ${done}/${queue.length} sign-ins done (${(done / seconds).toFixed(1)}/s), ${answers.length} answers, ${malformed.length} malformed`);
  }, 15_000);
  const [, directory, { faults, leftOut }] = await Promise.all([
    runSignIns(cluster.url, queue, settings.concurrency, deadline, () => done++),
    runDirectories(cluster.url, orgs, queue, settings.scimConcurrency, deadline),
    runFaults({ cluster, readiness, progress: () => done / queue.length, outageSeconds: settings.outageSeconds, deadline, log }),
  ]);
  loading = false;
  clearInterval(progress);
  await mixMalformed;
  const loadMs = Date.now() - loadStart;
  log('load over; checking the invariants');

  const sql = createSql(cluster.databaseUrl, { max: 4 });
  const connection = await Connection.connect({ address: cluster.temporalAddress });
  const client = new Client({ connection, namespace: cluster.namespace, dataConverter: dataConverter(loadConfig(cluster.appEnv).payloadKeys) });
  try {
    const digests = await digestsOnce(sql, cluster.smtp, settings.reminderSchedule, settings.digestWindow, faults.filter((f) => f.dependency === 'postgres'));
    const verdicts = [
      everyoneSignedIn(queue),
      faultsRan(leftOut),
      await oneMemberIdentityLifecycle(sql, client, queue),
      await noDuplicates(sql),
      digests,
      await deactivationsApplied(sql, cluster.url, directory),
      readinessFollowedOutages(faults, readiness.probes, cluster.apiUrls.length),
      only503DuringOutages(answers, faults),
      malformedRefused(malformed, faults),
    ];
    failed = verdicts.some((v) => !v.held);
    printSummary({
      timings: { startupMs, seedMs, loadMs, totalMs: Date.now() - began },
      orgs: orgs.length,
      signIns: queue,
      directory,
      malformed,
      answers,
      faults,
      probes: readiness.probes,
      digests,
      verdicts,
    });
  } finally {
    await Promise.all([sql.end(), connection.close()]);
  }
} catch (err) {
  console.error(err);
  console.error(cluster.logTails());
} finally {
  await readiness.stop();
  await cluster.stop(failed);
}
log(failed ? 'cluster scenario FAILED' : 'cluster scenario passed');
process.exit(failed ? 1 : 0);
