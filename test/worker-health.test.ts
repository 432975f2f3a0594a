import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createSql, roundTrip } from '../db/client.ts';
import { freePort } from '../dev/ports.ts';
import { keepHealthFile } from '../worker/health-file.ts';
import { deleteMaintenanceSchedules, startWorkerProcess } from './support/processes.ts';
import { eventually } from './support/temporal.ts';
import { testDataConverter } from './support/payload-keys.ts';

const healthFile = () => join(tmpdir(), `worker-health-${randomBytes(4).toString('hex')}`);
const status = (activityPollerState: string) => ({ getStatus: () => ({ runState: 'RUNNING', workflowPollerState: 'POLLING', activityPollerState }) }) as never;
const polling = { main: status('POLLING'), mail: status('POLLING') };
const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('worker health file', () => {
  it('is not written while every connection of the activities’ pool is held, and is once one frees', async () => {
    const sql = createSql(inject('databaseUrl'), { max: 2 });
    cleanups.push(() => sql.end({ timeout: 1 }));
    const path = healthFile();
    const held = [await sql.reserve(), await sql.reserve()];
    const stop = keepHealthFile(path, polling, () => roundTrip(sql, 300), 100);
    cleanups.push(stop);
    await sleep(1_000);
    expect(existsSync(path)).toBe(false);
    held.forEach((connection) => connection.release());
    await eventually(async () => (existsSync(path) ? true : undefined), 5_000);
  });

  it('is not written while the mail worker’s poller has failed, though the main worker polls', async () => {
    const sql = createSql(inject('databaseUrl'), { max: 2 });
    cleanups.push(() => sql.end({ timeout: 1 }));
    const path = healthFile();
    cleanups.push(keepHealthFile(path, { main: status('POLLING'), mail: status('FAILED') }, () => roundTrip(sql, 300), 100));
    await sleep(1_000);
    expect(existsSync(path)).toBe(false);
  });

  it('stays unwritten by a polling worker process whose activities cannot reach PostgreSQL', async () => {
    const taskQueue = `health-${randomBytes(4).toString('hex')}`;
    const path = healthFile();
    cleanups.push(() => rmSync(path, { force: true }));
    const worker = await startWorkerProcess(taskQueue, { WORKER_HEALTH_FILE: path, DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/nothing` });
    cleanups.push(async () => {
      const connection = await Connection.connect({ address: inject('temporalAddress') });
      await deleteMaintenanceSchedules(new Client({ connection, dataConverter: testDataConverter }), taskQueue);
      await connection.close();
    });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    cleanups.push(async () => {
      worker.kill('SIGKILL');
      await exited;
    });
    // The first probe fails at once (connection refused); the file would be there by now.
    await sleep(3_000);
    expect(existsSync(path)).toBe(false);
  }, 60_000);
});
