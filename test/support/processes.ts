import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { Client } from '@temporalio/client';
import { maintenanceJobs } from '../../worker/maintenance-schedules.ts';
import { TEST_PAYLOAD_KEYS } from './payload-keys.ts';

export const root = join(import.meta.dirname, '..', '..');

/**
 * One of the project's entry points (`api/main.ts`, `worker/main.ts`, `cli/main.ts`) as a process of
 * its own, run with tsx against the run's database and Temporal server, plus `env`.
 */
export function spawnEntry(entry: string, args: string[], env: Record<string, string>): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: root,
    env: { ...process.env, APP_ENV: 'test', DATABASE_URL: inject('databaseUrl'), TEMPORAL_ADDRESS: inject('temporalAddress'), PAYLOAD_KEYS: TEST_PAYLOAD_KEYS, ...env },
  });
}

/** Runs an entry point to its end (asynchronously: in-process servers must keep answering meanwhile); `input` goes to its stdin. */
export function runEntry(entry: string, args: string[], env: Record<string, string>, input = ''): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawnEntry(entry, args, env);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

/** `worker/main.ts` as a process of its own on `taskQueue`, plus `env`; resolves once it polls. */
export async function startWorkerProcess(taskQueue: string, env: Record<string, string> = {}): Promise<ChildProcessWithoutNullStreams> {
  const worker = spawnEntry('worker/main.ts', [], { TASK_QUEUE: taskQueue, LOG_LEVEL: 'info', ...env });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    worker.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('"msg":"worker started"')) resolve();
    });
    worker.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    worker.once('exit', (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before it started:\n${output}`)));
  });
  return worker;
}

/** A worker process ensures the maintenance schedules of its task queue; a test removes them once done. */
export async function deleteMaintenanceSchedules(client: Client, taskQueue: string): Promise<void> {
  for (const { scheduleId } of Object.values(maintenanceJobs)) await client.schedule.getHandle(scheduleId(taskQueue)).delete().catch(() => undefined);
}
