/**
 * `npm run bench:load`: the service under load, each phase judged against a floor measured in the
 * same run on the same Temporal server and database (a workflow start whose one local activity
 * inserts a member, at the phase's concurrency):
 *   - burst first sign-ins through the whole browser flow (real OpenID Provider) at 20 in flight,
 *     beside a ceiling: the same flow ending in one floor workflow at the bench's own relying party;
 *   - SCIM creates and deactivations at 8 in flight;
 *   - a storm of many organisations' first digests due within one minute, with a slow mail server:
 *     how late the last digest is, and sign-in p99 during the storm against the idle p99.
 * Prints a table of ratios per target; never asserts. Targets (`BENCH_TARGETS`, default both):
 * `dev`, the CLI dev server with one worker and one api, and `cluster`, the production topology
 * of `npm run test:cluster` (target.ts).
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createSql, type Sql } from '../db/client.ts';
import { countWorkflowActions } from '../test/support/actions.ts';
import { uniqueSlug } from '../test/support/fixtures.ts';
import { siteAccessRemindersWorkflowId } from '../workflows/definitions.ts';
import { startCeiling } from './ceiling.ts';
import { cpuMeter, databaseBackends, UNMETERED } from './cpu.ts';
import { startDigestStorm } from './digest-storm.ts';
import { startFloor, type Floor } from './floor.ts';
import { scimWrites } from './scim.ts';
import { startSignInOrg, type SignInOrg } from './sign-ins.ts';
import { atConcurrency, interleaved, percentile, type Measured } from './stats.ts';
import { startClusterTarget, startDevTarget, type Target } from './target.ts';
import { dataConverter } from '../temporal/data-converter.ts';
import { loadConfig } from '../config/index.ts';

const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SIGN_INS = setting('BENCH_SIGN_INS', 600);
const SIGN_IN_CONCURRENCY = 20;
/** Floor, burst and ceiling alternate in this many slices, so load from elsewhere hits them alike. */
const ROUNDS = 5;
const SCIM_N = setting('BENCH_SCIM_N', 200);
const SCIM_CONCURRENCY = 8;
const STORM_ORGS = setting('BENCH_STORM_ORGS', 200);
const STORM_LEAD_MS = setting('BENCH_STORM_LEAD_MS', 30_000);
/** Over how long the due times spread; 0 puts them all on one moment, as timers firing together after an outage. */
const STORM_SPREAD_MS = setting('BENCH_STORM_SPREAD_MS', 60_000);
const STORM_SIGN_INS = setting('BENCH_STORM_SIGN_INS', 60);
const STORM_SIGN_IN_CONCURRENCY = 4;
/** How long after the last due time the storm's digests are waited for: a stalled worker must not hang the bench. */
const STORM_DEADLINE_MS = setting('BENCH_STORM_DEADLINE_MS', 180_000);
const SMTP_LATENCY_MS = setting('BENCH_SMTP_LATENCY_MS', 300);

interface Row {
  phase: string;
  concurrency: number;
  result: Measured & { failed?: number; firstFailure?: string };
  floor?: Measured;
  goal?: string;
}

/** Transactions committed in the target's database so far (autocommit statements count one each). */
async function commits(sql: Sql): Promise<number> {
  await new Promise((r) => setTimeout(r, 1_500));
  await sql`select pg_stat_clear_snapshot()`;
  const [row]: [{ n: number }] = await sql`select (xact_commit + xact_rollback)::int as n from pg_stat_database where datname = current_database()`;
  return row.n;
}

/**
 * One first sign-in per call, where a failure (a 503 from a stalled worker) is recorded, not
 * fatal: the phase goes on, and `counted` makes throughput count only the sign-ins that made a session.
 */
function tolerantSignIns(org: Pick<SignInOrg, 'signIn'>, prefix: string) {
  const failures: string[] = [];
  return {
    call: (i: number) =>
      org.signIn(`${prefix}-${i}`).catch((err: unknown) => {
        failures.push((err as Error).message);
        return undefined;
      }),
    counted: (measured: Measured, n: number) => ({
      ...measured,
      perSecond: (measured.perSecond * (n - failures.length)) / n,
      failed: failures.length,
      ...(failures[0] ? { firstFailure: failures[0] } : {}),
    }),
  };
}

async function signIns(org: SignInOrg, prefix: string, n: number, concurrency: number) {
  const { call, counted } = tolerantSignIns(org, prefix);
  return counted(await atConcurrency(n, concurrency, call), n);
}

const num = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '-');

interface Phase {
  rows: Row[];
  /** Lines printed under the table. */
  notes: string[];
}

/** Until every member of the organisation has a running lifecycle: the rest of a sign-in's work after its answer. */
async function lifecyclesStarted(sql: Sql, slug: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row]: [{ waiting: number }] = await sql`
      select count(*)::int as waiting from members m join organisations o on o.id = m.org_id
      where o.slug = ${slug} and m.lifecycle_started_at is null`;
    if (row.waiting === 0 || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function burstPhase(sql: Sql, client: Client, target: Target, org: SignInOrg, floor: Floor): Promise<Phase> {
  const nudges = async () => (await countWorkflowActions(client, siteAccessRemindersWorkflowId(org.slug))).signals;
  const nudgesBefore = await nudges();
  const ceiling = await startCeiling(target);
  try {
    await atConcurrency(10, 5, (i) => ceiling.signIn(`warm-${i}`));
    const processes = {
      ...target.processes,
      'bench (browsers, burst IdP, floor worker)': [process.pid],
      'ceiling (RP, its IdP)': [ceiling.pid],
      postgres: await databaseBackends(sql, target.temporalDatabases),
    };
    const burstCalls = tolerantSignIns(org, 'burst');
    const ceilingCalls = tolerantSignIns(ceiling, 'ceiling');
    const floorCall = await floor.call();
    const before = await commits(sql);
    const [floor20, burstRaw, ceilingRaw] = await interleaved({ rounds: ROUNDS, n: SIGN_INS, concurrency: SIGN_IN_CONCURRENCY, meter: () => cpuMeter(processes) }, [
      { call: floorCall },
      { call: burstCalls.call, settle: () => lifecyclesStarted(sql, org.slug) },
      { call: ceilingCalls.call },
    ]);
    const burst = burstCalls.counted(burstRaw!, SIGN_INS);
    const ceiling20 = ceilingCalls.counted(ceilingRaw!, SIGN_INS);
    // Floor and ceiling workflows write too, one transaction each.
    const perSignIn = ((await commits(sql)) - before - 2 * SIGN_INS) / SIGN_INS;
    const nudged = (await nudges()) - nudgesBefore;
    const perCall = (seconds: Record<string, number>) => Object.entries(seconds).map(([name, s]) => `${name} ${num((1000 * s) / SIGN_INS)}`).join(', ');
    const cpu = (path: { used: Record<string, number> }) => Object.entries(path.used).reduce((total, [name, s]) => (name === UNMETERED ? total : total + s), 0);
    // The ratio the paths would reach if each kept the same cores busy; the cores they did keep busy are printed beside it.
    const byCpu = (path: { used: Record<string, number> }) => `${num((100 * cpu(floor20!)) / cpu(path))}%`;
    const cores = (path: Measured & { used: Record<string, number> }) => num((cpu(path) * path.perSecond) / SIGN_INS, 2);
    const machine = (path: Measured & { used: Record<string, number> }) => num(((cpu(path) + (path.used[UNMETERED] ?? 0)) * path.perSecond) / SIGN_INS, 2);
    return {
      rows: [
        { phase: 'floor: start + 1 local-activity insert', concurrency: SIGN_IN_CONCURRENCY, result: floor20! },
        { phase: 'burst first sign-ins (callback)', concurrency: SIGN_IN_CONCURRENCY, result: burst, floor: floor20, goal: '>= 70% of floor' },
        { phase: 'ceiling: same flow, least RP + floor', concurrency: SIGN_IN_CONCURRENCY, result: ceiling20, floor: floor20, goal: 'reference: least RP' },
      ],
      notes: [
        `database transactions per burst sign-in      ${num(perSignIn, 1)} (whole flow, worker included)`,
        `reminder nudges (signals) per burst sign-in  ${num(nudged / SIGN_INS, 2)}`,
        `CPU ms per burst sign-in: ${perCall(burstRaw!.used)}`,
        `CPU ms per floor workflow: ${perCall(floor20!.used)}`,
        `CPU ms per ceiling sign-in: ${perCall(ceilingRaw!.used)}`,
        `floor's CPU per unit against theirs (the ratio if each kept the same cores busy): burst ${byCpu(burstRaw!)}, ceiling ${byCpu(ceilingRaw!)}`,
        `cores busy in the measured processes (whole machine): floor ${cores(floor20!)} (${machine(floor20!)}), burst ${cores(burstRaw!)} (${machine(burstRaw!)}), ceiling ${cores(ceilingRaw!)} (${machine(ceilingRaw!)})`,
      ],
    };
  } finally {
    await ceiling.stop();
  }
}

async function scimPhase(sql: Sql, target: Target, floor: Floor): Promise<Phase> {
  const floor8 = await floor.measure(SCIM_N, SCIM_CONCURRENCY);
  const scim = await scimWrites(sql, target.apiUrl, uniqueSlug('scim'), { n: SCIM_N, concurrency: SCIM_CONCURRENCY });
  return {
    rows: [
      { phase: 'floor: start + 1 local-activity insert', concurrency: SCIM_CONCURRENCY, result: floor8 },
      { phase: 'SCIM creates', concurrency: SCIM_CONCURRENCY, result: await scim.create(), floor: floor8 },
      { phase: 'SCIM deactivations', concurrency: SCIM_CONCURRENCY, result: await scim.deactivate(), floor: floor8 },
    ],
    notes: [],
  };
}

async function stormPhase(sql: Sql, client: Client, target: Target, org: SignInOrg): Promise<Phase> {
  const idle = await signIns(org, 'idle', STORM_SIGN_INS, STORM_SIGN_IN_CONCURRENCY);
  const storm = await startDigestStorm(sql, client, target, { orgs: STORM_ORGS, leadMs: STORM_LEAD_MS, spreadMs: STORM_SPREAD_MS });
  await new Promise((r) => setTimeout(r, Math.max(0, storm.firstDueAt - Date.now())));
  const during = await signIns(org, 'storm', STORM_SIGN_INS, STORM_SIGN_IN_CONCURRENCY);
  const outcome = await storm.outcome(STORM_DEADLINE_MS);
  const missing = outcome.missing ? `; ${outcome.missing} of ${STORM_ORGS} not sent within ${STORM_DEADLINE_MS / 1000} s of the last due time` : '';
  return {
    rows: [
      { phase: 'sign-ins, idle', concurrency: STORM_SIGN_IN_CONCURRENCY, result: idle },
      { phase: 'sign-ins during the digest storm', concurrency: STORM_SIGN_IN_CONCURRENCY, result: during, goal: 'p99 <= 3x idle' },
    ],
    notes: [
      `digest storm: last digest after its due time  ${num(Math.max(...outcome.lateness) / 1000, 1)} s (p50 ${num(percentile(outcome.lateness, 50) / 1000, 1)} s)${missing}   goal <= 60 s`,
      `sign-in p99 during the storm / idle          ${num(percentile(during.times, 99) / percentile(idle.times, 99), 2)}x   goal <= 3x`,
    ],
  };
}

async function measureAll(target: Target, sql: Sql, client: Client, floor: Floor): Promise<Phase[]> {
  const org = await startSignInOrg(sql, target, uniqueSlug('burst'));
  try {
    await atConcurrency(10, 5, (i) => org.signIn(`warm-${i}`));
    await floor.measure(10, 5);
    return [
      await burstPhase(sql, client, target, org, floor),
      ...(SCIM_N > 0 ? [await scimPhase(sql, target, floor)] : []),
      ...(STORM_ORGS > 0 ? [await stormPhase(sql, client, target, org)] : []),
    ];
  } finally {
    await org.idp.stop();
  }
}

function printTable(target: Target, phases: Phase[]) {
  console.log(`\n${target.name}: ${SIGN_INS} sign-ins, ${SCIM_N} SCIM writes per phase, ${STORM_ORGS} organisations' digests due over ${STORM_SPREAD_MS / 1000} s (SMTP ${SMTP_LATENCY_MS} ms per recipient)\n`);
  console.log(`${'phase'.padEnd(40)} ${'in flight'.padStart(9)} ${'per s'.padStart(7)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'of floor'.padStart(9)}  goal`);
  for (const { phase, concurrency, result, floor, goal } of phases.flatMap((p) => p.rows)) {
    const ratio = floor ? `${num((100 * result.perSecond) / floor.perSecond)}%` : '';
    const failed = result.failed ? `  (${result.failed} failed, first: ${result.firstFailure?.slice(0, 160)})` : '';
    console.log(
      `${phase.padEnd(40)} ${String(concurrency).padStart(9)} ${num(result.perSecond, 1).padStart(7)} ${num(percentile(result.times, 50)).padStart(7)} ${num(percentile(result.times, 99)).padStart(7)} ${ratio.padStart(9)}  ${goal ?? ''}${failed}`,
    );
  }
  console.log(`\n${phases.flatMap((p) => p.notes).join('\n')}`);
}

/** Every phase against one target, its table printed as soon as it is done. */
async function benchTarget(target: Target) {
  const sql = createSql(target.databaseUrl);
  const connection = await Connection.connect({ address: target.temporal.address });
  const client = new Client({ connection, namespace: target.temporal.namespace, dataConverter: dataConverter(loadConfig(target.env).payloadKeys) });
  const floor = await startFloor(target);
  try {
    printTable(target, await measureAll(target, sql, client, floor));
  } finally {
    await floor.stop();
    await Promise.all([connection.close(), sql.end()]);
    await target.stop();
  }
}

const targets = { dev: startDevTarget, cluster: startClusterTarget };
const chosen = (process.env.BENCH_TARGETS ?? 'dev,cluster').split(',').map((name) => name.trim());
const unknown = chosen.filter((name) => !(name in targets));
if (unknown.length > 0) throw new Error(`BENCH_TARGETS: unknown ${unknown.join(', ')} (known: ${Object.keys(targets).join(', ')})`);

Runtime.install({ logger: new DefaultLogger('WARN') });
for (const name of chosen) await benchTarget(await targets[name as keyof typeof targets]({ smtpLatencyMs: SMTP_LATENCY_MS }));
