/**
 * Every answer the cluster gave the scenario, through Caddy or from an api directly: status, path
 * and timing, so the invariants can judge each 5xx against the outages it fell in.
 */
export interface Answer {
  at: number;
  ms: number;
  method: string;
  path: string;
  /** 0: no answer (connection refused or reset). */
  status: number;
}

export const answers: Answer[] = [];

/** Records every request to `origins` made with the global fetch (TestBrowser, SCIM, probes). */
export function recordTraffic(origins: string[]): void {
  const original = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!origins.includes(url.origin)) return original(input, init);
    const at = Date.now();
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    // Paths only: query strings carry states and codes, and the report groups by route.
    const path = url.pathname;
    try {
      const res = await original(input, init);
      answers.push({ at, ms: Date.now() - at, method, path, status: res.status });
      return res;
    } catch (err) {
      answers.push({ at, ms: Date.now() - at, method, path, status: 0 });
      throw err;
    }
  };
}

export const percentile = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/** Runs `work` over `items` with at most `concurrency` at once. */
export async function pool<T>(items: T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}
