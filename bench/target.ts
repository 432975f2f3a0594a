/**
 * What `npm run bench:load` measures: a running deployment, named by its addresses. The bench
 * writes its fixtures straight into the database, runs its floor worker against the same Temporal
 * server and database, and drives everything else over HTTP at `apiUrl`, so the same phases run
 * against the dev server or the production-shaped cluster (cluster/start.ts) started here.
 */
import { fileURLToPath } from 'node:url';
import { startCluster } from '../cluster/start.ts';
import { startChild, type Child } from '../dev/children.ts';
import { freePort } from '../dev/ports.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { resolveTemporalCli } from '../dev/temporal-cli.ts';
import { startTemporalDevServer } from '../dev/temporal-server.ts';
import { pidsWithCommandLine } from './cpu.ts';
import { freshDatabase } from './database.ts';

export interface Target {
  name: string;
  temporal: { address: string; namespace: string; taskQueue: string };
  databaseUrl: string;
  /** The api's PUBLIC_URL, through its load balancer if it has one. */
  apiUrl: string;
  /** The api's environment as far as the bench needs it (ENCRYPTION_KEY to seal SSO secrets it writes, PAYLOAD_KEYS for its Temporal client). */
  env: NodeJS.ProcessEnv;
  /** The SMTP server the workers mail through; `delivered` records when each recipient got a message. */
  smtp: SmtpSink & { deliveredAt: Map<string, number> };
  /** Local processes by role, when the bench may read their CPU time (empty for remote targets). */
  processes: Record<string, number[]>;
  /** Temporal's own databases on the target's PostgreSQL, whose backends' CPU counts as PostgreSQL's. */
  temporalDatabases: string[];
  stop(): Promise<void>;
}

export const root = fileURLToPath(new URL('..', import.meta.url));

/** An SMTP sink taking `latencyMs` per recipient, like a real mail server under load, timing each delivery. */
export async function slowSmtpSink(latencyMs: number): Promise<Target['smtp']> {
  const deliveredAt = new Map<string, number>();
  const sink = await startSmtpSink({
    recipientDelayMs: latencyMs,
    onMessage: (mail) => {
      const to = [mail.to].flat().flatMap((a) => a?.value ?? []);
      for (const { address } of to) if (address && !deliveredAt.has(address)) deliveredAt.set(address, Date.now());
    },
  });
  return Object.assign(sink, { deliveredAt });
}

/**
 * The CLI dev server, a fresh database, one worker and one api as child processes (as `npm run dev`
 * runs them), with default settings except what `env` overrides.
 */
export async function startDevTarget({ smtpLatencyMs, env = {} }: { smtpLatencyMs: number; env?: NodeJS.ProcessEnv }): Promise<Target> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err: unknown) => console.error(`bench: stopping failed: ${String(err)}`));
  };
  try {
    const server = await startTemporalDevServer({ cli: await resolveTemporalCli(), namespace: 'default' });
    stops.push(() => server.stop());
    const database = await freshDatabase('sso_bench_load');
    stops.push(() => database.drop());
    const smtp = await slowSmtpSink(smtpLatencyMs);
    stops.push(() => smtp.stop());
    const port = await freePort();
    const apiUrl = `http://localhost:${port}`;
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      APP_ENV: 'development',
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: server.address,
      TASK_QUEUE: 'bench-load',
      PORT: String(port),
      PUBLIC_URL: apiUrl,
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'warn',
      ...env,
    };
    const children: Child[] = ['worker', 'api'].map((name) =>
      startChild({
        name,
        entry: `${name}/main.ts`,
        cwd: root,
        env: childEnv,
        format: (source, line) => `[${source}] ${line}`,
        onExit: (code, signal) => console.error(`bench: ${name} exited unasked (${code ?? signal})`),
      }),
    );
    stops.push(() => Promise.all(children.map((c) => c.stop(10_000))).then(() => undefined));
    await waitForHttp(`${apiUrl}/readyz`, 60_000);
    return {
      name: 'dev server (1 worker, 1 api)',
      temporal: { address: server.address, namespace: 'default', taskQueue: 'bench-load' },
      databaseUrl: database.url,
      apiUrl,
      env: childEnv,
      smtp,
      processes: {
        ...Object.fromEntries(children.map((c, i) => [['worker', 'api'][i]!, [c.process.pid!]])),
        temporal: pidsWithCommandLine('start-dev', `--port ${server.address.split(':')[1]} `),
      },
      // The dev server keeps its own state (SQLite), not in PostgreSQL.
      temporalDatabases: [],
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The production topology of `npm run test:cluster` (cluster/start.ts): Temporal server 1.29 on a
 * private PostgreSQL, two workers and two apis of the compiled build behind Caddy, mailing
 * through the bench's slow SMTP sink. Needs `npm run build` first.
 */
export async function startClusterTarget({ smtpLatencyMs, env = {} }: { smtpLatencyMs: number; env?: Record<string, string> }): Promise<Target> {
  const smtp = await slowSmtpSink(smtpLatencyMs);
  try {
    const cluster = await startCluster({ smtp, env });
    return {
      name: 'cluster (Temporal server on PostgreSQL, 2 workers, 2 apis behind Caddy)',
      temporal: { address: cluster.temporalAddress, namespace: cluster.namespace, taskQueue: cluster.taskQueue },
      databaseUrl: cluster.databaseUrl,
      apiUrl: cluster.url,
      env: cluster.appEnv,
      smtp,
      processes: cluster.pids(),
      temporalDatabases: ['temporal', 'temporal_visibility'],
      async stop() {
        await cluster.stop();
        await smtp.stop();
      },
    };
  } catch (err) {
    await smtp.stop();
    throw err;
  }
}

export async function waitForHttp(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(url).then((r) => r.status, () => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${status || 'no answer'})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
