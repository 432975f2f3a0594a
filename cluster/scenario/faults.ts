/**
 * Faults during the load, each once the load is far enough along, one after the other: SIGKILL a
 * worker (and start it again), SIGTERM and restart an api, restart the Temporal server, stop
 * PostgreSQL for a while. Meanwhile every api's /readyz is polled directly (not through Caddy).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from '../start.ts';

export interface ReadyProbe {
  at: number;
  api: number;
  status: number;
  down: string[];
}

export interface Fault {
  name: string;
  /** The dependency /readyz must name while it is out, if any. */
  dependency?: string;
  startedAt: number;
  /** The fault's action is over (process back, server started again). */
  endedAt: number;
  /** Every api answers /readyz 200 again. */
  recoveredAt?: number;
}

const PROBE_EVERY_MS = 500;

export function watchReadiness(apiUrls: string[]) {
  const probes: ReadyProbe[] = [];
  let stopped = false;
  const loops = apiUrls.map(async (url, api) => {
    while (!stopped) {
      const at = Date.now();
      try {
        const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
        const body = (await res.json().catch(() => ({}))) as { down?: string[] };
        probes.push({ at, api, status: res.status, down: body.down ?? [] });
      } catch {
        probes.push({ at, api, status: 0, down: [] });
      }
      await sleep(PROBE_EVERY_MS);
    }
  });
  const allReadySince = (since: number) => apiUrls.every((_, api) => probes.some((p) => p.api === api && p.at >= since && p.status === 200));
  return {
    probes,
    async untilAllReady(since: number, timeoutMs: number): Promise<number | undefined> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (allReadySince(since)) return Date.now();
        await sleep(PROBE_EVERY_MS);
      }
      return undefined;
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

export async function runFaults(options: {
  cluster: Cluster;
  readiness: ReturnType<typeof watchReadiness>;
  /** How far the load is, 0 to 1. */
  progress: () => number;
  /** Faults not begun by then are left out (and reported missing). */
  deadline: number;
  outageSeconds: number;
  log: (line: string) => void;
}): Promise<{ faults: Fault[]; leftOut: string[] }> {
  const { cluster, readiness, log } = options;
  const faults: Fault[] = [];
  const leftOut: string[] = [];
  const when = async (fraction: number) => {
    while (options.progress() < fraction && Date.now() < options.deadline) await sleep(250);
  };
  const fault = async (name: string, dependency: string | undefined, act: () => Promise<void>) => {
    if (Date.now() >= options.deadline) return void leftOut.push(name);
    const startedAt = Date.now();
    log(`fault: ${name}`);
    await act();
    const endedAt = Date.now();
    const recoveredAt = await readiness.untilAllReady(endedAt, 120_000);
    faults.push({ name, ...(dependency ? { dependency } : {}), startedAt, endedAt, ...(recoveredAt ? { recoveredAt } : {}) });
    log(`fault over: ${name} (${((endedAt - startedAt) / 1000).toFixed(1)} s; every api ready ${recoveredAt ? `${((recoveredAt - endedAt) / 1000).toFixed(1)} s later` : 'NOT within 120 s'})`);
  };

  await when(0.1);
  await fault('SIGKILL worker-1, started again 3 s later', undefined, async () => {
    await cluster.killWorker(0);
    await sleep(3_000);
    await cluster.startWorker(0);
  });
  await when(0.25);
  await fault('SIGTERM api-1 and start it again', undefined, () => cluster.restartApi(0));
  await when(0.4);
  // Down for a few seconds, so every api's /readyz poll sees it (a bare restart can be quicker than a poll).
  await fault('restart the Temporal server (down 5 s)', 'temporal', () => cluster.restartTemporal(5_000));
  await when(0.55);
  await fault(`stop PostgreSQL for ${options.outageSeconds} s`, 'postgres', async () => {
    await cluster.stopPostgres();
    await sleep(options.outageSeconds * 1_000);
    await cluster.startPostgres();
  });
  return { faults, leftOut };
}
