import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSql, type Sql } from '../db/client.ts';
import { freePort } from '../dev/ports.ts';
import { workflowSpanSinks } from '../worker/tracing.ts';
import { provisionSignIn } from '../api/temporal.ts';
import { composeConfig } from './support/compose.ts';
import { insertSsoOrg } from './support/fixtures.ts';
import { historiesDir } from './support/histories.ts';
import { quietRuntime } from './support/temporal.ts';
import { TEST_PAYLOAD_KEYS, testDataConverter } from './support/payload-keys.ts';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');
const sh = promisify(execFile);
const { services } = composeConfig();
const children = new Set<ChildProcess>();
let connection: Connection;
let sql: Sql;

/**
 * Runs a compiled entry module with plain node: no tsx loader, no NODE_OPTIONS inherited from vitest.
 * Resolves once it logs `ready` (pino JSON), with the line.
 */
function startCompiled(entry: string, env: Record<string, string>, ready: string) {
  const child = spawn(process.execPath, [entry], {
    cwd: root,
    env: { PATH: process.env.PATH, APP_ENV: 'test', LOG_LEVEL: 'info', DATABASE_URL: inject('databaseUrl'), TEMPORAL_ADDRESS: inject('temporalAddress'), PAYLOAD_KEYS: TEST_PAYLOAD_KEYS, ...env },
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  const started = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const line = output.split('\n').find((l) => l.includes(`"msg":"${ready}"`));
      if (line) resolve(JSON.parse(line) as Record<string, unknown>);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('exit', (code) => reject(new Error(`${entry} exited with ${code} before "${ready}":\n${output}`)));
  });
  return { child, started };
}

function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  return exited;
}

/** The worker's health check exactly as docker-compose.yml runs it (`$$` is Compose's escape for `$`). */
function workerHealthCheck(healthFile: string) {
  const [kind, command] = services.worker!.healthcheck!.test;
  expect(kind).toBe('CMD-SHELL');
  return sh('/bin/sh', ['-c', command!.replaceAll('$$', '$')], { env: { PATH: process.env.PATH, WORKER_HEALTH_FILE: healthFile } }).then(
    () => 'healthy',
    () => 'unhealthy',
  );
}

beforeAll(async () => {
  await sh('npm', ['run', 'build'], { cwd: root, env: { ...process.env, NODE_OPTIONS: '' } });
  quietRuntime();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  sql = createSql(inject('databaseUrl'), { max: 2 });
}, 300_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await connection?.close();
  await sql?.end();
});

describe('npm run build', () => {
  it('emits JavaScript that imports no TypeScript module', () => {
    const files = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    expect(files).toContain(join('db', 'migrations', '0001-schema.js'));
    const importsTs = files.filter((f) => /(from|import)\s*\(?\s*["'][^"']+\.ts["']/.test(readFileSync(join(dist, f), 'utf8')));
    expect(importsTs).toEqual([]);
  });

  it('builds what docker-compose and the Dockerfile run', () => {
    const entries = ['migrate', 'worker', 'api', 'codec-server'].map((name) => services[name]!.command![1]!);
    const dockerCmd = readFileSync(join(root, 'Dockerfile'), 'utf8').match(/^CMD (\[.*\])$/m)?.[1];
    entries.push((JSON.parse(dockerCmd ?? '[]') as string[])[1]!);
    for (const entry of entries) expect(existsSync(join(root, entry)), entry).toBe(true);
  });

  it('compiles from the folders the image copies, and those cover every module the build emits', () => {
    const copied = [...readFileSync(join(root, 'Dockerfile'), 'utf8').matchAll(/^COPY (\w[\w-]*) \.\/\1$/gm)].map((m) => m[1]);
    const included = (JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { include: string[] }).include;
    expect(copied.sort()).toEqual([...included].sort());
    const emittedFolders = readdirSync(dist, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(emittedFolders.sort()).toEqual([...included].sort());
  });

  it('makes the compiled worker load the prebuilt bundle instead of bundling at start', async () => {
    const compiled = (await import(pathToFileURL(join(dist, 'worker', 'workflow-code.js')).href)) as typeof import('../worker/workflow-code.ts');
    await expect(compiled.workflowCode()).resolves.toEqual({ workflowBundle: { codePath: join(dist, 'workflow-bundle.js') } });
  });

  it('bundles workflows that replay the recorded histories', async () => {
    for (const file of readdirSync(historiesDir).filter((f) => f.endsWith('.json'))) {
      const history = historyFromJSON(JSON.parse(readFileSync(join(historiesDir, file), 'utf8')));
      await Worker.runReplayHistory({ workflowBundle: { codePath: join(dist, 'workflow-bundle.js') }, sinks: workflowSpanSinks(undefined), dataConverter: testDataConverter }, history);
    }
  });

  it('gives a worker that starts with plain node from the prebuilt bundle, provisions a sign-in and keeps its health file fresh', async () => {
    const taskQueue = `build-${randomUUID()}`;
    const healthFile = join(tmpdir(), `worker-health-${randomBytes(4).toString('hex')}`);
    const worker = startCompiled('dist/worker/main.js', { TASK_QUEUE: taskQueue, WORKER_HEALTH_FILE: healthFile }, 'worker started');
    try {
      await worker.started;
      const { signIn } = await insertSsoOrg(sql);
      const client = new Client({ connection, dataConverter: testDataConverter });
      const result = await provisionSignIn({ client, connection }, sql, taskQueue, signIn('ada'));
      expect(result).toMatchObject({ outcome: 'created' });
      expect(await workerHealthCheck(healthFile)).toBe('healthy');
    } finally {
      expect(await stop(worker.child)).toBe(0);
    }
    expect(await workerHealthCheck(healthFile)).toBe('unhealthy');
  }, 60_000);

  it('gives an api that starts with plain node and is ready', async () => {
    const api = startCompiled('dist/api/main.js', { PORT: String(await freePort()) }, 'api listening');
    try {
      const { port } = await api.started;
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(res.status).toBe(200);
    } finally {
      expect(await stop(api.child)).toBe(0);
    }
  }, 60_000);
});
