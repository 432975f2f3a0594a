import { Gauge, type Registry } from 'prom-client';

const SCRAPE_TIMEOUT_MS = 3_000;

/**
 * The worker's Temporal Core SDK exporter (Runtime telemetryOptions, bound on loopback) read
 * through to the worker's own /metrics, so one scrape target carries both. Its text is appended as
 * is: its names all start with `temporal_`, ours with `sso_`, `process_` or `nodejs_`, so no
 * family appears twice. When it does not answer, the scrape still succeeds with
 * `sso_sdk_metrics_up 0` instead of failing the whole target.
 */
export function sdkMetricsAppendix(registry: Registry, sdkAddress: string): () => Promise<string> {
  const up = new Gauge({ name: 'sso_sdk_metrics_up', help: "1 when the Temporal Core SDK's exporter answered this scrape, else 0.", registers: [registry] });
  up.set(0);
  return async () => {
    try {
      const response = await fetch(`http://${sdkAddress}/metrics`, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`the SDK exporter answered ${response.status}`);
      const text = await response.text();
      up.set(1);
      return text.endsWith('\n') || text === '' ? text : `${text}\n`;
    } catch {
      up.set(0);
      return '';
    }
  };
}
