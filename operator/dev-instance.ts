/**
 * The record a running `npm run dev` keeps in its state folder (DEV_DATA_DIR): the settings its api
 * and worker run with. The CLI reads it so that, with DATABASE_URL unset, it reaches the database
 * and Temporal that `npm run dev` uses, wherever their ports were moved; a second `npm run dev` on
 * the same folder reads it to refuse sharing the first one's Temporal server and task queue.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The state folder `npm run dev` uses unless DEV_DATA_DIR moves it. */
export const DEFAULT_DEV_DATA_DIR = fileURLToPath(new URL('../.data', import.meta.url));

export const devDataDir = (env: NodeJS.ProcessEnv): string => resolve(env.DEV_DATA_DIR || DEFAULT_DEV_DATA_DIR);

export interface DevInstance {
  pid: number;
  /** Its command line: a pid reused by an unrelated process after a crash is not this instance. */
  cmdline?: string;
  /** The variables the instance's api and worker run with. */
  env: { DATABASE_URL: string; TEMPORAL_ADDRESS: string; TEMPORAL_NAMESPACE: string; TASK_QUEUE: string; PUBLIC_URL: string; PAYLOAD_KEYS: string };
  /** The processes it started (Temporal dev server, worker, api), with their command lines: what a SIGKILL of it leaves behind. */
  children?: { name: string; pid: number; cmdline: string }[];
}

const fileIn = (dataDir: string) => join(dataDir, 'dev-instance.json');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The `npm run dev` running on this state folder, if any: a record left by one that was killed is
 * ignored, also when its pid now runs something else or is this very process (a container restarted after a SIGKILL hands
 * out the same pids, and the new instance would refuse itself).
 */
export function runningDevInstance(dataDir: string): DevInstance | undefined {
  const instance = recordedDevInstance(dataDir);
  if (!instance || !Number.isInteger(instance.pid) || instance.pid === process.pid || !alive(instance.pid)) return undefined;
  return instance.cmdline === undefined || commandLine(instance.pid) === instance.cmdline ? instance : undefined;
}

/** A process's command line (Linux /proc), or undefined where it cannot be read. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
}

/** The record in the state folder, whether or not the instance that wrote it still runs. */
export function recordedDevInstance(dataDir: string): DevInstance | undefined {
  try {
    return JSON.parse(readFileSync(fileIn(dataDir), 'utf8')) as DevInstance;
  } catch {
    return undefined;
  }
}

export function recordDevInstance(dataDir: string, instance: DevInstance): void {
  // Owner only: DATABASE_URL may carry a password.
  writeFileSync(fileIn(dataDir), `${JSON.stringify(instance, null, 2)}\n`, { mode: 0o600 });
}

export function forgetDevInstance(dataDir: string): void {
  rmSync(fileIn(dataDir), { force: true });
}
