/** Measuring helpers shared by the benches: percentiles and a fixed-concurrency runner. */

export const percentile = (xs: number[], p: number): number =>
  xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))]!;

export interface Measured {
  /** Milliseconds per call, as `call` reports them (or its whole duration). */
  times: number[];
  perSecond: number;
}

/**
 * `n` calls, `concurrency` in flight, each numbered once. A call may return the milliseconds that
 * count (a sign-in's callback inside the whole flow); otherwise its whole duration counts.
 */
export async function atConcurrency(n: number, concurrency: number, call: (i: number) => Promise<number | void>): Promise<Measured> {
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      for (let i = next++; i < n; i = next++) {
        const t = performance.now();
        const reported = await call(i);
        times.push(typeof reported === 'number' ? reported : performance.now() - t);
      }
    }),
  );
  return { times, perSecond: n / ((performance.now() - started) / 1000) };
}

/**
 * Paths measured in `rounds` alternating slices (calls numbered on across slices), so load from
 * elsewhere on a shared machine hits every path alike; per second over each path's own time,
 * which lasts until its `settle` says the work its calls set going is done, so none of it spills
 * into the next path's slice. Each round starts with the next path, so what one path leaves
 * behind does not always fall on the same other one.
 */
export async function interleaved(
  { rounds, n, concurrency, meter }: { rounds: number; n: number; concurrency: number; meter?: Meter },
  paths: { call: (i: number) => Promise<number | void>; settle?: () => Promise<void> }[],
): Promise<(Measured & { used: Record<string, number> })[]> {
  const results = paths.map(() => ({ times: [] as number[], seconds: 0, used: {} as Record<string, number> }));
  for (let round = 0; round < rounds; round++) {
    const from = Math.floor((round * n) / rounds);
    const size = Math.floor(((round + 1) * n) / rounds) - from;
    for (let turn = 0; turn < paths.length; turn++) {
      const k = (round + turn) % paths.length;
      const { call, settle } = paths[k]!;
      const stop = meter?.();
      const started = performance.now();
      const slice = await atConcurrency(size, concurrency, (i) => call(from + i));
      await settle?.();
      const result = results[k]!;
      result.times.push(...slice.times);
      result.seconds += (performance.now() - started) / 1000;
      for (const [name, amount] of Object.entries(stop?.() ?? {})) result.used[name] = (result.used[name] ?? 0) + amount;
    }
  }
  return results.map(({ times, seconds, used }) => ({ times, perSecond: n / seconds, used }));
}

/** Starts measuring something per name (CPU seconds by process); the returned function stops and reports. */
export type Meter = () => () => Record<string, number>;

/** `n` calls one after another. */
export const sequentially = (n: number, call: (i: number) => Promise<unknown>) => atConcurrency(n, 1, async (i) => void (await call(i)));

export const ms = (x: number) => `${Number.isFinite(x) ? x.toFixed(0) : '-'} ms`;
