import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { inject } from 'vitest';

export const root = join(import.meta.dirname, '..', '..');

/**
 * One of the project's entry points (`api/main.ts`, `worker/main.ts`, `cli/main.ts`) as a process of
 * its own, run with tsx against the run's database and Temporal server, plus `env`.
 */
export function spawnEntry(entry: string, args: string[], env: Record<string, string>): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: root,
    env: { ...process.env, APP_ENV: 'test', DATABASE_URL: inject('databaseUrl'), TEMPORAL_ADDRESS: inject('temporalAddress'), ...env },
  });
}
