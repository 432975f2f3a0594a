/** CPU time of local processes, from /proc (Linux): where a phase's time went, by process. */
import { readdirSync, readFileSync } from 'node:fs';
import type { Sql } from '../db/client.ts';

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds the process has used so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** The PostgreSQL backends serving this database and `others` now (pooled connections outlive a phase). */
export async function databaseBackends(sql: Sql, others: readonly string[] = []): Promise<number[]> {
  const rows = await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database() or datname = any(${[...others]}::text[])`;
  return rows.map((r) => r.pid);
}

/** CPU seconds the whole machine has been busy so far, every process and the kernel (/proc/stat). */
export function machineBusySeconds(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal: all but idle and iowait is busy.
  const busy = ticks.slice(0, 8).reduce((total, t, i) => (i === 3 || i === 4 ? total : total + t), 0);
  return busy / TICKS_PER_SECOND;
}

/** What a meter names the machine's busy time that none of its processes account for (other jobs, the kernel). */
export const UNMETERED = 'rest of the machine';

/**
 * Starts counting; `stop` gives CPU seconds per name over the interval, and under UNMETERED the
 * machine's busy time beyond theirs.
 */
export function cpuMeter(processes: Record<string, number[]>) {
  const sum = (pids: number[]) => pids.reduce((total, pid) => total + cpuSeconds(pid), 0);
  const start = Object.fromEntries(Object.entries(processes).map(([name, pids]) => [name, sum(pids)]));
  const machineStart = machineBusySeconds();
  return () => {
    const used = Object.fromEntries(Object.entries(processes).map(([name, pids]) => [name, sum(pids) - start[name]!]));
    const metered = Object.values(used).reduce((a, b) => a + b, 0);
    return { ...used, [UNMETERED]: Math.max(0, machineBusySeconds() - machineStart - metered) };
  };
}

/** Processes whose command line contains every one of `parts` (to find a server started by a library). */
export function pidsWithCommandLine(...parts: string[]): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return parts.every((part) => cmdline.includes(part));
      } catch {
        return false;
      }
    })
    .map(Number);
}
