/**
 * What a killed `npm run dev` leaves behind. SIGKILL gives it no chance to stop its Temporal dev
 * server, worker and api; they keep the ports and poll the task queue, and the next start would
 * refuse them as another instance. Its record names them with their command lines, so the next
 * start on the same state folder stops exactly those, never a process that merely reuses a pid.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { commandLine, recordedDevInstance, runningDevInstance } from '../operator/dev-instance.ts';

const STOP_GRACE_MS = 10_000;

/** Stops what the dead instance recorded in `dataDir` left running; returns what it stopped, for one line. */
export async function stopLeftovers(dataDir: string): Promise<string[]> {
  const instance = recordedDevInstance(dataDir);
  if (!instance || runningDevInstance(dataDir)) return [];
  // Still that process: the same command line (a zombie waiting to be reaped has none).
  const running = (child: { pid: number; cmdline: string }) => child.pid !== process.pid && commandLine(child.pid) === child.cmdline;
  const left = (instance.children ?? []).filter(running);
  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // Gone meanwhile.
    }
  };
  for (const child of left) signal(child.pid, 'SIGTERM');
  for (const deadline = Date.now() + STOP_GRACE_MS; left.some(running) && Date.now() < deadline; ) await sleep(100);
  for (const child of left.filter(running)) signal(child.pid, 'SIGKILL');
  return left.map((child) => `${child.name} (pid ${child.pid})`);
}
