/**
 * `npm run dev`: PostgreSQL (DATABASE_URL, the default server, or an embedded PGlite under .data/),
 * the Temporal dev server (SQLite under .data/, Web UI pointed at the codec server), migrations, an
 * SMTP sink with a mail page, a local OpenID Provider with a seeded demo organisation, then worker,
 * api and codec server as child processes.
 * Ctrl-C stops everything; so does any failure, after one line saying what failed and what to do.
 * Development only.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCodecServerConfig, type CodecServerConfig } from '../codec-server/config.ts';
import { loadConfig, type Config } from '../config/index.ts';
import { createSql } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { commandLine, forgetDevInstance, recordDevInstance, runningDevInstance, type DevInstance } from '../operator/dev-instance.ts';
import { startChild } from './children.ts';
import { devCodecServerEnv } from './codec-server-env.ts';
import { provideDatabase } from './database.ts';
import { stopLeftovers } from './leftovers.ts';
import { devLogFormatter } from './log-lines.ts';
import { serveMailPage } from './mail-page.ts';
import { openMailStore } from './mail-store.ts';
import { devPayloadKeys } from './payload-keys.ts';
import { checkPortsFree, type PortUse } from './port-check.ts';
import { DEMO_CLIENT, DEMO_DOMAIN, DEMO_ORG, demoAccounts, seedDemo, seedVerifiedDomain } from './seed.ts';
import { seedSiteContent } from './seed-site-content.ts';
import { loadDevSettings, type DevSettings } from './settings.ts';
import { startSmtpSink } from './smtp-sink.ts';
import { DevStartError, oneLine } from './start-error.ts';
import { resolveTemporalCli } from './temporal-cli.ts';
import { startTemporalDevServer, waitForTemporal } from './temporal-server.ts';
import { RUN_APART, workersPolling } from './temporal-sharing.ts';

const started = Date.now();
const root = fileURLToPath(new URL('..', import.meta.url));
const say = (line: string) => console.log(`[dev] ${line}`);

// Seconds instead of days, so a fresh sign-in's first reminder digest shows on the mail page within
// a minute; the environment (REMINDER_SCHEDULE, REMINDER_DIGEST_WINDOW) overrides either.
const devEnv: NodeJS.ProcessEnv = {
  REMINDER_SCHEDULE: '15s,30s,1m,2m,3m',
  REMINDER_DIGEST_WINDOW: '10s',
  ...(process.env.PORT && !process.env.PUBLIC_URL ? { PUBLIC_URL: `http://localhost:${process.env.PORT}` } : {}),
  ...process.env,
};

/** What was started so far, stopped in reverse order. */
const running: { name: string; stop: () => Promise<void> }[] = [];
const aborter = new AbortController();
let stopping = false;

async function stopEverything() {
  for (const { name, stop } of running.reverse()) {
    await stop().catch((err: unknown) => say(`could not stop ${name}: ${oneLine(err)}`));
  }
}

async function shutdown(exitCode: number, failure?: string) {
  if (stopping) return;
  stopping = true;
  aborter.abort();
  if (failure) console.error(`[dev] ${failure}`);
  // A step still under way ends soon after the abort; what it started is then in `running`.
  await startup.catch(() => {});
  say('stopping...');
  await stopEverything();
  say('stopped');
  process.exit(exitCode);
}

/** Runs one start-up step; an unexpected error becomes one line that names the step. */
async function step<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DevStartError || aborter.signal.aborted) throw err;
    throw new DevStartError(`${what}: ${oneLine(err)}`);
  }
}

function keep(name: string, stop: () => Promise<void>) {
  running.push({ name, stop });
  aborter.signal.throwIfAborted();
}

function portsToCheck(config: Config, codec: CodecServerConfig, settings: DevSettings, temporalRunning: boolean): PortUse[] {
  const loopback = '127.0.0.1';
  const uses: PortUse[] = [
    { port: config.port, what: 'api', variable: 'PORT' },
    { port: codec.port, what: 'codec server', variable: 'CODEC_SERVER_PORT', host: codec.host },
    { port: settings.idpPort, what: 'dev IdP', variable: 'DEV_IDP_PORT', host: loopback },
    { port: settings.mailPagePort, what: 'dev mail page', variable: 'DEV_MAIL_PAGE_PORT', host: loopback },
    { port: Number(new URL(config.smtpUrl).port || 25), what: 'dev SMTP sink', variable: 'SMTP_URL', host: loopback },
  ];
  if (temporalRunning) return uses;
  return [
    ...uses,
    { port: Number(config.temporal.address.split(':').pop()), what: 'Temporal dev server', variable: 'TEMPORAL_ADDRESS', host: loopback },
    { port: settings.temporalUiPort, what: 'Temporal UI', variable: 'DEV_TEMPORAL_UI_PORT', host: loopback },
  ];
}

/** A URL for the banner: a password given in DATABASE_URL is not printed back. */
function withoutPassword(url: string): string {
  const shown = new URL(url);
  if (shown.password) shown.password = '***';
  return shown.href;
}

/** Refuses to share a state folder, or a Temporal task queue, with another running `npm run dev` (see temporal-sharing.ts). */
async function refuseSharing(config: Config, settings: DevSettings, temporalRunning: boolean) {
  const other = runningDevInstance(settings.dataDir);
  if (other) throw new DevStartError(`another npm run dev (pid ${other.pid}) runs on the state folder ${settings.dataDir}: ${RUN_APART}`);
  if (!temporalRunning) return;
  const { address, namespace, taskQueue } = config.temporal;
  const workers = await step('Temporal', () => workersPolling(address, namespace, taskQueue));
  if (workers.length > 0) {
    throw new DevStartError(
      `the Temporal server at ${address} already has a worker on task queue "${taskQueue}" (${workers.join(', ')}; another npm run dev?), which would run this instance's workflows against its own database: ${RUN_APART}`,
    );
  }
}

/** Where a browser on this machine reaches the codec server. */
function codecServerUrl({ host, port }: CodecServerConfig): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

async function startTemporal(
  config: Config,
  settings: DevSettings,
  codecUrl: string,
  recordChild: (name: string, pid: number | undefined) => void,
): Promise<string | undefined> {
  const signal = aborter.signal;
  const cli = await resolveTemporalCli(say, signal);
  const dbFile = join(settings.dataDir, 'temporal.sqlite');
  say(`starting the Temporal dev server on ${config.temporal.address} (state in ${dbFile})`);
  const server = await startTemporalDevServer({
    cli,
    namespace: config.temporal.namespace,
    port: Number(config.temporal.address.split(':').pop()),
    uiPort: settings.temporalUiPort,
    uiCodecEndpoint: codecUrl,
    dbFile,
    signal,
  });
  keep('Temporal dev server', server.stop);
  recordChild('Temporal dev server', server.pid);
  return server.uiUrl;
}

async function seed(databaseUrl: string, config: Config, issuer: string) {
  const sql = createSql(databaseUrl, { max: 1 });
  try {
    if (await seedDemo(sql, config, issuer)) say(`seeded demo organisation "${DEMO_ORG}" using the dev IdP`);
    const domain = await seedVerifiedDomain(sql, { org: DEMO_ORG, domain: DEMO_DOMAIN });
    if (domain === 'added') say(`verified ${DEMO_DOMAIN} for "${DEMO_ORG}" (as the operator), so the demo accounts can sign in`);
    if (typeof domain === 'object') say(`${DEMO_DOMAIN} is verified by organisation "${domain.ownedBy}", not "${DEMO_ORG}": the demo accounts sign in there`);
    if (await seedSiteContent(sql, DEMO_ORG)) say(`seeded announcements, bookings and visitors for the sites of "${DEMO_ORG}"`);
  } finally {
    await sql.end();
  }
}

/** Resolves once the api answers /healthz, so the banner comes when everything is up. */
/** Polls until `ready` answers true; a child that exits meanwhile aborts the start (see shutdown). */
async function waitUntil(ready: () => Promise<boolean>) {
  while (!(await ready())) {
    aborter.signal.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const answers = (healthUrl: string) => () => fetch(healthUrl, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);

async function start() {
  const settings = loadDevSettings(process.env);
  const config = loadConfig(devEnv);
  if (config.env === 'production') throw new DevStartError('npm run dev embeds a dev identity provider and mail sink; it refuses APP_ENV=production');
  const stopped = await stopLeftovers(settings.dataDir);
  if (stopped.length > 0) say(`stopped what a killed npm run dev on ${settings.dataDir} left running: ${stopped.join(', ')}`);
  const temporalRunning = await waitForTemporal(config.temporal.address, 1_000).then(() => true, () => false);
  await refuseSharing(config, settings, temporalRunning);
  mkdirSync(settings.dataDir, { recursive: true });
  // The environment's keys win; otherwise the state folder's own (dev/payload-keys.ts), for the
  // worker, the api, the CLI and the codec server; the codec server's own settings besides.
  const payloadKeys = process.env.PAYLOAD_KEYS ?? devPayloadKeys(settings.dataDir);
  const codecEnv = { ...devEnv, PAYLOAD_KEYS: payloadKeys, ...devCodecServerEnv(process.env, settings.dataDir, settings.temporalUiPort) };
  const codecConfig = loadCodecServerConfig(codecEnv);
  const codecUrl = codecServerUrl(codecConfig);
  await checkPortsFree(portsToCheck(config, codecConfig, settings, temporalRunning));

  const database = await step('PostgreSQL', () => provideDatabase(process.env, settings, join(settings.dataDir, 'pglite')));
  keep('PostgreSQL', database.stop);
  say(`database: ${database.description}`);
  // For the CLI (cli/environment.ts) and for a second npm run dev, which refuses to share this one's Temporal.
  const { address, namespace, taskQueue } = config.temporal;
  const instance: DevInstance = {
    pid: process.pid,
    cmdline: commandLine(process.pid),
    env: { DATABASE_URL: database.url, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, TASK_QUEUE: taskQueue, PUBLIC_URL: config.publicUrl.href, PAYLOAD_KEYS: payloadKeys },
    children: [],
  };
  // Each process started is recorded as it starts, so a SIGKILL at any point leaves a record of it (leftovers.ts).
  const recordChild = (name: string, pid: number | undefined) => {
    const cmdline = pid === undefined ? undefined : commandLine(pid);
    if (pid !== undefined && cmdline !== undefined) instance.children!.push({ name, pid, cmdline });
    recordDevInstance(settings.dataDir, instance);
  };
  recordDevInstance(settings.dataDir, instance);
  keep('instance record', async () => forgetDevInstance(settings.dataDir));

  const uiUrl = temporalRunning ? undefined : await step('Temporal dev server', () => startTemporal(config, settings, codecUrl, recordChild));
  if (temporalRunning) say(`using the Temporal server already answering at ${config.temporal.address}`);

  const applied = await step('migrations', () => migrate(database.url));
  say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database is up to date');

  const mailStore = openMailStore(join(settings.dataDir, 'mail'));
  const sink = await startSmtpSink({
    port: Number(new URL(config.smtpUrl).port || 25),
    onMessage: (mail) => {
      const stored = mailStore.add(mail);
      say(`mail to ${stored.to}: ${stored.subject}  (http://127.0.0.1:${settings.mailPagePort}/messages/${stored.id})`);
    },
  });
  keep('SMTP sink', sink.stop);
  const mailPage = await serveMailPage(mailStore, settings.mailPagePort);
  keep('mail page', () => new Promise((resolve) => mailPage.close(() => resolve())));
  // Imported here: oidc-provider prints warnings when loaded, which a failed start need not show.
  const { startOidcProvider } = await import('./oidc-provider.ts');
  const idp = await startOidcProvider({
    port: settings.idpPort,
    accounts: demoAccounts,
    clients: [{ client_id: DEMO_CLIENT.id, client_secret: DEMO_CLIENT.secret, redirect_uris: [new URL(`/auth/${DEMO_ORG}/callback`, config.publicUrl).href] }],
  });
  keep('dev IdP', idp.stop);
  await step('demo seed', () => seed(database.url, config, idp.issuer));

  const format = devLogFormatter({ level: config.logLevel, colors: Boolean(process.stdout.isTTY) });
  const childEnv = { ...devEnv, DATABASE_URL: database.url, PAYLOAD_KEYS: payloadKeys };
  // Written once the worker polls and reaches the database (worker/health-file.ts): "ready" means a sign-in works.
  const workerHealthFile = join(settings.dataDir, 'worker-healthy');
  rmSync(workerHealthFile, { force: true });
  for (const [name, entry, env] of [
    // The worker logs at debug so that the SDK's workflow and activity events reach the formatter.
    ['worker', 'worker/main.ts', { ...childEnv, LOG_LEVEL: process.env.LOG_LEVEL ?? 'debug', WORKER_HEALTH_FILE: workerHealthFile }],
    ['api', 'api/main.ts', childEnv],
    ['codec-server', 'codec-server/main.ts', codecEnv],
  ] as const) {
    const child = startChild({
      name,
      entry,
      cwd: root,
      env,
      format,
      onExit: (code, signal) => void shutdown(1, `${name} exited (${code ?? signal}) unexpectedly; its output above says why`),
    });
    keep(name, () => child.stop());
    recordChild(name, child.process.pid);
  }
  await Promise.all([
    waitUntil(answers(`http://127.0.0.1:${config.port}/healthz`)),
    waitUntil(answers(`${codecUrl}/healthz`)),
    waitUntil(async () => existsSync(workerHealthFile)),
  ]);

  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  say(`API:         ${config.publicUrl.href}  (health: ${new URL('/readyz', config.publicUrl).href})`);
  say(`Database:    ${database.description}`);
  say(`CLI:         npm run cli -- org list  (finds this database while this runs; elsewhere DATABASE_URL=${withoutPassword(database.url)})`);
  if (uiUrl) say(`Temporal UI: ${uiUrl}  (shows workflow inputs decrypted through the codec server)`);
  const codecAuth = process.env.CODEC_SERVER_TOKENS ? '<a CODEC_SERVER_TOKENS token>' : `$(cat ${join(settings.dataDir, 'codec-server-token')})`;
  say(`Codec:       ${codecUrl}  (CLI: temporal workflow show -w <id> --codec-endpoint ${codecUrl} --codec-auth "Bearer ${codecAuth}")`);
  say(`Dev IdP:     ${idp.issuer}  (log in as ${demoAccounts.map((a) => a.login).join(', ')}; any password)`);
  say(`Dev mail:    http://127.0.0.1:${settings.mailPagePort}  (SMTP sink on ${config.smtpUrl}; kept in ${join(settings.dataDir, 'mail')})`);
  say(`Try JIT:     ${new URL(`/login?email=alice@${DEMO_DOMAIN}`, config.publicUrl).href}  then log in as "alice"`);
  say(`Setup link:  npm run cli -- setup-link send ${DEMO_ORG} it@${DEMO_DOMAIN}  (an IT contact's setup pages: domains, single sign-on, SCIM, IT contacts; the email is on the dev mail page)`);
  say(`Reminders:   a member without a site is reminded to the admins after ${devEnv.REMINDER_SCHEDULE} (REMINDER_SCHEDULE); see the mail page`);
  say('Ctrl-C stops everything.');
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
// Whatever else goes wrong in this process still stops what it started.
process.on('uncaughtException', (err) => void shutdown(1, oneLine(err)));
process.on('unhandledRejection', (err) => void shutdown(1, oneLine(err)));
const startup = start();
startup.catch((err: unknown) => void shutdown(1, oneLine(err)));
