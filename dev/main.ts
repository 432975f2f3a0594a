/**
 * `npm run dev`: the embedded Temporal dev server (SQLite under .data/, Web UI), migrations, an
 * SMTP sink with a mail page, a local OpenID Provider with a seeded demo organisation, then worker
 * and api as child processes, all stopped together on Ctrl-C. Development only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/index.ts';
import { createSql } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { serveMailPage } from './mail-page.ts';
import { startOidcProvider } from './oidc-provider.ts';
import { DEMO_CLIENT, DEMO_DOMAIN, DEMO_ORG, demoAccounts, seedDemo } from './seed.ts';
import { seedSiteContent } from './seed-site-content.ts';
import { startSmtpSink } from './smtp-sink.ts';
import { resolveTemporalCli } from './temporal-cli.ts';
import { startTemporalDevServer, waitForTemporal, type DevServer } from './temporal-server.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = `${root}.data`;
const UI_PORT = 8233;
const IDP_PORT = Number(process.env.DEV_IDP_PORT ?? 9000);
const MAIL_PAGE_PORT = 8025;
// Seconds instead of days, so a fresh sign-in's first reminder digest shows on the mail page within
// a minute; the environment (REMINDER_SCHEDULE, REMINDER_DIGEST_WINDOW) overrides either.
const devEnv = {
  REMINDER_SCHEDULE: '15s,30s,1m,2m,3m',
  REMINDER_DIGEST_WINDOW: '10s',
  ...process.env,
};

const config = loadConfig(devEnv);
const say = (line: string) => console.log(`[dev] ${line}`);
if (config.env === 'production') {
  console.error('npm run dev embeds a dev identity provider and mail sink; it refuses APP_ENV=production.');
  process.exit(1);
}

async function ensureTemporal(): Promise<DevServer | undefined> {
  try {
    await waitForTemporal(config.temporal.address, 1_000);
    say(`using the Temporal server already answering at ${config.temporal.address}`);
    return undefined;
  } catch {
    const port = Number(config.temporal.address.split(':').pop());
    const cli = await resolveTemporalCli(say);
    say(`starting the Temporal dev server on ${config.temporal.address} (state in .data/temporal.sqlite)`);
    mkdirSync(dataDir, { recursive: true });
    return startTemporalDevServer({
      cli,
      namespace: config.temporal.namespace,
      port,
      uiPort: UI_PORT,
      dbFile: `${dataDir}/temporal.sqlite`,
    });
  }
}

function startChild(name: string, entry: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: root, stdio: 'inherit', env: devEnv });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${code ?? signal}); stopping everything`);
      void stop(1);
    }
  });
  return child;
}

// Ctrl-C during start-up reaches the Temporal child too (same process group), so nothing is left behind.
const temporal = await ensureTemporal();
let stopping = false;
const children: ChildProcess[] = [];

async function stop(exitCode: number) {
  if (stopping) return;
  stopping = true;
  say('stopping...');
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  await temporal?.stop();
  say('stopped');
  process.exit(exitCode);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

const applied = await migrate(config.databaseUrl);
say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database is up to date');

const smtpUrl = new URL(config.smtpUrl);
const sink = await startSmtpSink({
  port: Number(smtpUrl.port || 25),
  onMessage: (mail) => say(`mail to ${[mail.to].flat().map((a) => a?.text).join(', ')}: ${mail.subject}`),
});
await serveMailPage(sink.messages, MAIL_PAGE_PORT);

const idp = await startOidcProvider({
  port: IDP_PORT,
  accounts: demoAccounts,
  clients: [{ client_id: DEMO_CLIENT.id, client_secret: DEMO_CLIENT.secret, redirect_uris: [new URL(`/auth/${DEMO_ORG}/callback`, config.publicUrl).href] }],
});
const sql = createSql(config.databaseUrl, { max: 1 });
if (await seedDemo(sql, config, idp.issuer)) say(`seeded demo organisation "${DEMO_ORG}" (${DEMO_DOMAIN}) using the dev IdP`);
if (await seedSiteContent(sql, DEMO_ORG)) say(`seeded announcements, bookings and visitors for the sites of "${DEMO_ORG}"`);
await sql.end();

children.push(startChild('worker', 'worker/main.ts'), startChild('api', 'api/main.ts'));

say(`API:         ${config.publicUrl.href}  (health: ${new URL('/readyz', config.publicUrl).href})`);
if (temporal?.uiUrl) say(`Temporal UI: ${temporal.uiUrl}`);
say(`Dev IdP:     ${idp.issuer}  (log in as ${demoAccounts.map((a) => a.login).join(', ')}; any password)`);
say(`Dev mail:    http://127.0.0.1:${MAIL_PAGE_PORT}  (SMTP sink on ${config.smtpUrl})`);
say(`Try JIT:     ${new URL(`/login?email=alice@${DEMO_DOMAIN}`, config.publicUrl).href}  then log in as "alice"`);
say(`Reminders:   a member without a site is reminded to the admins after ${devEnv.REMINDER_SCHEDULE} (REMINDER_SCHEDULE); see the mail page`);
say('Ctrl-C stops everything.');
