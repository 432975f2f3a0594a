/**
 * The production topology without containers, as docker-compose.yml describes it: a private
 * PostgreSQL, the Temporal server on it, several workers and api processes of the compiled build
 * as the least-privileged role, Caddy balancing over the apis; and the outside world on loopback
 * (a real OpenID Provider and a real SMTP sink). Returns addresses and the controls a fault
 * scenario or a benchmark needs.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOidcProvider, type IdpAccount, type IdpClient, type RunningIdp } from '../dev/oidc-provider.ts';
import { freePort } from '../dev/ports.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { resolveTemporalCli } from '../dev/temporal-cli.ts';
import { appProcess, readyLine, requireBuild, roleUrl, setUpDatabase } from './app.ts';
import { startCaddy } from './caddy.ts';
import { createPrivatePostgres } from './postgres.ts';
import type { ManagedProcess } from './process.ts';
import { resolveTemporalServer } from './temporal-binaries.ts';
import { setUpTemporal } from './temporal.ts';
import { formatPayloadKeys } from '../temporal/payload-codec.ts';

export interface ClusterOptions {
  workers?: number;
  apis?: number;
  /** Added to every worker's and api's environment (e.g. REMINDER_SCHEDULE). */
  env?: Record<string, string>;
  /** The IdP's clients, given the public URL their redirect URIs live under. */
  idpClients?: (publicUrl: string) => IdpClient[];
  idpAccounts?: IdpAccount[];
  /** The mail server the workers send through; one is started (and stopped) here when not given. */
  smtp?: SmtpSink;
  /** Keep the cluster's folder (data, logs) after stop(). */
  keep?: boolean;
  log?: (line: string) => void;
}

export interface Cluster {
  /** Caddy: where clients go. */
  url: string;
  /** Each api process directly, e.g. for its /readyz. */
  apiUrls: string[];
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** The environment the app processes run with (config, secrets), for operator code run beside them. */
  appEnv: Record<string, string>;
  /** Superuser URL of the app's database, for checks. */
  databaseUrl: string;
  idp: RunningIdp;
  smtp: SmtpSink;
  dir: string;
  killWorker(index: number): Promise<void>;
  startWorker(index: number): Promise<void>;
  /** SIGTERM (the api drains), then a new process on the same port. */
  restartApi(index: number): Promise<void>;
  /** SIGTERM the Temporal server, wait `downMs`, start it again. */
  restartTemporal(downMs?: number): Promise<void>;
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  /** Process ids by role (temporal, worker, api, caddy), e.g. to read their CPU time. */
  pids(): Record<string, number[]>;
  /** The last lines of every process's log, for a failure report. */
  logTails(lines?: number): string;
  /** Stops everything; `keep` (default: the option) leaves the folder for a look at the logs. */
  stop(keep?: boolean): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const log = options.log ?? ((line: string) => console.error(line));
  requireBuild();
  const [binaries, cli] = await Promise.all([resolveTemporalServer(log), resolveTemporalCli(log)]);
  if (cli.kind !== 'binary') throw new Error(`the cluster registers its namespace with the Temporal CLI: ${cli.why}`);

  const dir = mkdtempSync(join(tmpdir(), 'sso-cluster-'));
  // PostgreSQL runs as its own user (when started as root) and must reach its folder inside.
  chmodSync(dir, 0o755);
  const started: { stop(): Promise<void> | void }[] = [];
  const stopAll = async (keep = options.keep) => {
    for (const part of started.reverse()) await Promise.resolve(part.stop()).catch((err: unknown) => log(`cluster stop: ${String(err)}`));
    if (keep) log(`cluster data and logs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
  try {
    const pg = await createPrivatePostgres({ dir: join(dir, 'postgres'), port: await freePort() });
    await pg.start();
    started.push({ stop: () => pg.stop() });
    log(`PostgreSQL on 127.0.0.1:${pg.port}`);

    const namespace = 'default';
    const [temporal] = await Promise.all([
      setUpTemporal({ dir: join(dir, 'temporal'), pg, binaries, cliPath: cli.path, namespace }),
      setUpDatabase(pg),
    ]);
    started.push({ stop: () => temporal.process.stop('SIGTERM') });
    log(`Temporal server ${binaries.source} at ${temporal.address}; database migrated`);

    const publicPort = await freePort();
    const url = `http://127.0.0.1:${publicPort}`;
    const [idp, smtp] = await Promise.all([
      startOidcProvider({ accounts: options.idpAccounts ?? [], clients: options.idpClients?.(url) ?? [] }),
      options.smtp ?? startSmtpSink(),
    ]);
    started.push(idp);
    if (!options.smtp) started.push(smtp);

    const taskQueue = 'provisioning';
    const appEnv: Record<string, string> = {
      APP_ENV: 'test',
      DATABASE_URL: roleUrl(pg, 'app'),
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: namespace,
      TASK_QUEUE: taskQueue,
      PUBLIC_URL: url,
      SMTP_URL: smtp.url,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      PAYLOAD_KEYS: formatPayloadKeys([{ id: 'cluster-1', key: randomBytes(32) }]),
      // Caddy is the one hop in front, as in docker-compose.
      TRUST_PROXY_HOPS: '1',
      LOG_LEVEL: 'info',
      ...options.env,
    };

    const healthFile = (i: number) => join(dir, `worker-${i + 1}.healthy`);
    const workers = Array.from({ length: options.workers ?? 2 }, (_, i) =>
      appProcess(dir, `worker-${i + 1}`, 'worker/main.js', { ...appEnv, WORKER_HEALTH_FILE: healthFile(i) }),
    );
    const apiPorts = await Promise.all(Array.from({ length: options.apis ?? 2 }, () => freePort()));
    const apis = apiPorts.map((port, i) => appProcess(dir, `api-${i + 1}`, 'api/main.js', { ...appEnv, PORT: String(port) }));
    const startApp = async (p: ManagedProcess, ready: RegExp) => {
      p.start();
      await p.waitForLine(ready, 60_000);
    };
    started.push({ stop: () => Promise.all([...apis, ...workers].map((p) => p.stop('SIGTERM', 45_000))).then(() => undefined) });
    // Ready once it polls and reaches the database: its health file (a killed worker leaves an old one behind).
    const startWorker = async (i: number) => {
      rmSync(healthFile(i), { force: true });
      await startApp(workers[i]!, readyLine.worker);
      for (const deadline = Date.now() + 60_000; !existsSync(healthFile(i)); await sleep(200)) {
        if (Date.now() > deadline) throw new Error(`worker-${i + 1} started but wrote no health file within 60 s:\n${workers[i]!.tail()}`);
      }
    };
    await Promise.all([...workers.map((_, i) => startWorker(i)), ...apis.map((a) => startApp(a, readyLine.api))]);

    const apiUrls = apiPorts.map((port) => `http://127.0.0.1:${port}`);
    const caddy = await startCaddy({ dir: join(dir, 'caddy'), port: publicPort, upstreams: apiUrls.map((u) => u.replace('http://', '')) });
    started.push({ stop: () => caddy.stop('SIGTERM') });
    log(`${workers.length} workers, ${apis.length} apis behind Caddy at ${url}; logs in ${dir}`);

    const at = <T>(list: T[], index: number) => {
      const item = list[index];
      if (!item) throw new Error(`no process ${index} (there are ${list.length})`);
      return item;
    };
    const everyProcess = [temporal.process, ...workers, ...apis, caddy];
    return {
      url,
      apiUrls,
      temporalAddress: temporal.address,
      namespace,
      taskQueue,
      appEnv,
      databaseUrl: pg.url('sso_provisioning'),
      idp,
      smtp,
      dir,
      killWorker: (index) => at(workers, index).stop('SIGKILL'),
      startWorker: (index) => {
        at(workers, index);
        return startWorker(index);
      },
      async restartApi(index) {
        const api = at(apis, index);
        await api.stop('SIGTERM', 45_000);
        await startApp(api, readyLine.api);
      },
      async restartTemporal(downMs = 0) {
        await temporal.process.stop('SIGTERM');
        await sleep(downMs);
        await temporal.start();
      },
      stopPostgres: () => pg.stop(),
      startPostgres: () => pg.start(),
      pids: () => {
        const running = (ps: ManagedProcess[]) => ps.flatMap((p) => (p.running() && p.pid ? [p.pid] : []));
        return { temporal: running([temporal.process]), worker: running(workers), api: running(apis), caddy: running([caddy]) };
      },
      logTails: (lines = 20) => everyProcess.map((p) => `--- ${p.name}\n${p.tail(lines)}`).join('\n'),
      stop: (keep) => stopAll(keep),
    };
  } catch (err) {
    await stopAll(true);
    throw err;
  }
}
