/**
 * The Temporal server on the private PostgreSQL: its schemas and namespace set up by the same
 * scripts docker-compose runs (deploy/temporal-schema.sh, deploy/temporal-namespace.sh), its
 * configuration after the module's config/development-postgres12.yaml.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { waitForTemporal } from '../dev/temporal-server.ts';
import { freePort, freePortIn } from '../dev/ports.ts';
import { SearchAttributeType } from '@temporalio/common';
import { searchAttributes } from '../workflows/definitions.ts';
import { managedProcess, type ManagedProcess } from './process.ts';
import type { PrivatePostgres } from './postgres.ts';
import type { TemporalServerBinaries } from './temporal-binaries.ts';

const run = promisify(execFile);
const deploy = (script: string) => join(import.meta.dirname, '..', 'deploy', script);

export interface ClusterTemporal {
  address: string;
  process: ManagedProcess;
  /** Starts the server and waits until it answers. */
  start(): Promise<void>;
}

/** `name` on PATH as `target`: the deploy scripts call the tools by their names in the admin-tools image. */
function toolsOnPath(dir: string, tools: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, target] of Object.entries(tools)) symlinkSync(target, join(dir, name));
  return `${dir}:${process.env.PATH ?? ''}`;
}

function serverConfig(pg: PrivatePostgres, ports: Record<'frontend' | 'http' | 'history' | 'matching' | 'worker', number> & { membership: number[] }): string {
  const store = (database: string, maxConns: number) => `
      sql:
        pluginName: postgres12
        databaseName: ${database}
        connectAddr: 127.0.0.1:${pg.port}
        connectProtocol: tcp
        user: ${pg.superuser.user}
        password: ${pg.superuser.password}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h`;
  const service = (grpc: number, membership: number, extra = '') => `
    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${extra}`;
  const [fm, hm, mm, wm] = ports.membership;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:${store('temporal', 20)}
    visibility:${store('temporal_visibility', 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
  frontend:${service(ports.frontend, fm!, `\n      httpPort: ${ports.http}`)}
  history:${service(ports.history, hm!)}
  matching:${service(ports.matching, mm!)}
  worker:${service(ports.worker, wm!)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:${ports.frontend}
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: ${deploy('dynamicconfig/production-sql.yaml')}
  pollInterval: 10s
`;
}

export async function setUpTemporal(options: { dir: string; pg: PrivatePostgres; binaries: TemporalServerBinaries; cliPath: string; namespace: string }): Promise<ClusterTemporal> {
  const { dir, pg, binaries } = options;
  const path = toolsOnPath(join(dir, 'bin'), { 'temporal-sql-tool': binaries.sqlTool, temporal: options.cliPath });
  await run('sh', [deploy('temporal-schema.sh')], {
    env: {
      ...process.env,
      PATH: path,
      POSTGRES_SEEDS: '127.0.0.1',
      POSTGRES_PORT: String(pg.port),
      POSTGRES_USER: pg.superuser.user,
      SQL_PASSWORD: pg.superuser.password,
      TEMPORAL_SCHEMA_DIR: binaries.schemaDir,
    },
  });

  const ports = {
    frontend: await freePort(),
    http: await freePort(),
    history: await freePort(),
    matching: await freePort(),
    worker: await freePort(),
    // Stored as smallint in cluster_membership: below the kernel's ephemeral range.
    membership: [await freePortIn(20_000, 32_000), await freePortIn(20_000, 32_000), await freePortIn(20_000, 32_000), await freePortIn(20_000, 32_000)],
  };
  mkdirSync(join(dir, 'config'), { recursive: true });
  writeFileSync(join(dir, 'config', 'cluster.yaml'), serverConfig(pg, ports));
  const address = `127.0.0.1:${ports.frontend}`;
  const server = managedProcess({
    name: 'temporal',
    command: binaries.server,
    args: ['--root', dir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'],
    logFile: join(dir, 'temporal.log'),
  });
  const start = async () => {
    server.start();
    await waitForTemporal(address, 120_000, () => (server.running() ? undefined : server.tail(5)));
  };
  await start();
  await run('sh', [deploy('temporal-namespace.sh')], { env: { ...process.env, PATH: path, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: options.namespace } });
  await untilSearchAttributesAccepted(address, options.namespace);
  return { address, process: server, start };
}

/**
 * The frontend caches the namespace and its search attributes; a workflow started with them
 * before the cache has them is refused. Waits until a start carrying every one of them is taken.
 */
async function untilSearchAttributesAccepted(address: string, namespace: string, timeoutMs = 90_000): Promise<void> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const probe: Record<SearchAttributeType, unknown> = {
    [SearchAttributeType.TEXT]: 'probe',
    [SearchAttributeType.KEYWORD]: 'probe',
    [SearchAttributeType.INT]: 1,
    [SearchAttributeType.DOUBLE]: 1.5,
    [SearchAttributeType.BOOL]: false,
    [SearchAttributeType.DATETIME]: new Date(),
    [SearchAttributeType.KEYWORD_LIST]: ['probe'],
  };
  const typedSearchAttributes = Object.values(searchAttributes).map((key) => ({ key, value: probe[key.type] }) as never);
  const deadline = Date.now() + timeoutMs;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await client.workflow.start('cluster-probe', { taskQueue: 'cluster-probe', workflowId: `cluster-probe-${attempt}`, typedSearchAttributes });
        await handle.terminate('probe');
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`Temporal at ${address} still refuses the search attributes after ${timeoutMs} ms: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  } finally {
    await connection.close();
  }
}
