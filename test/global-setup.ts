import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { migrate } from '../db/migrate.ts';
import { startEmbeddedPostgres } from '../dev/embedded-postgres.ts';
import { freePort } from '../dev/ports.ts';
import { resolveTemporalCli } from '../dev/temporal-cli.ts';
import { startTemporalDevServer } from '../dev/temporal-server.ts';
import { bundleOptions } from '../worker/workflow-code.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
    workflowBundlePath: string;
    /** The same workflows with the OpenTelemetry workflow interceptors, for workers that trace. */
    tracedWorkflowBundlePath: string;
  }
}

const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database on the PostgreSQL server, dropped at the end; or, opted in with TEST_DATABASE=embedded, an in-memory PGlite. */
async function testDatabase(): Promise<{ databaseUrl: string; drop(): Promise<void> }> {
  if (process.env.TEST_DATABASE === 'embedded') {
    const embedded = await startEmbeddedPostgres({ port: await freePort() });
    return { databaseUrl: embedded.url, drop: embedded.stop };
  }
  const dbName = `sso_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  return {
    databaseUrl: Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString(),
    async drop() {
      const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
      await admin.end();
    },
  };
}

/** One Temporal dev server, one fresh database and one workflow bundle for the whole run. */
export default async function setup(project: TestProject) {
  const cacheDir = join(import.meta.dirname, '..', '.cache', 'test');
  mkdirSync(cacheDir, { recursive: true });

  const { databaseUrl, drop } = await testDatabase();

  const [server, , bundle, tracedBundle] = await Promise.all([
    resolveTemporalCli().then((cli) => startTemporalDevServer({ cli, namespace: 'default' })),
    migrate(databaseUrl),
    bundleWorkflowCode({ ...bundleOptions(false), logger: new DefaultLogger('WARN') }),
    bundleWorkflowCode({ ...bundleOptions(true), logger: new DefaultLogger('WARN') }),
  ]);
  const run = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const workflowBundlePath = join(cacheDir, `workflow-bundle-${run}.js`);
  const tracedWorkflowBundlePath = join(cacheDir, `workflow-bundle-traced-${run}.js`);
  writeFileSync(workflowBundlePath, bundle.code);
  writeFileSync(tracedWorkflowBundlePath, tracedBundle.code);

  project.provide('databaseUrl', databaseUrl);
  project.provide('temporalAddress', server.address);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('tracedWorkflowBundlePath', tracedWorkflowBundlePath);

  return async () => {
    await server.stop();
    rmSync(workflowBundlePath, { force: true });
    rmSync(tracedWorkflowBundlePath, { force: true });
    await drop();
  };
}
