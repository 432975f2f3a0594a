import { collectDefaultMetrics } from 'prom-client';
import type { Config } from '../config/index.ts';
import type { Sql } from '../db/client.ts';
import type { ApiMetrics } from './api-metrics.ts';
import { registerDatabaseGauges } from './database-gauges.ts';
import { sdkMetricsAppendix } from './sdk-exporter.ts';
import { startMetricsServer, type MetricsServer } from './server.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

type MetricsConfig = Config['metrics'];

/**
 * The api's /metrics on METRICS_PORT: its requests, sign-ins and SCIM calls, the gauges read
 * from PostgreSQL at scrape time, and Node's process metrics. Undefined when METRICS_PORT is unset.
 */
export async function serveApiMetrics(config: MetricsConfig, metrics: ApiMetrics, sql: Sql): Promise<MetricsServer | undefined> {
  if (config.port === undefined) return undefined;
  collectDefaultMetrics({ register: metrics.registry });
  registerDatabaseGauges(metrics.registry, sql);
  return startMetricsServer({ registry: metrics.registry, port: config.port, host: config.host });
}

/**
 * The worker's /metrics on METRICS_PORT: its digests, Node's process metrics, and the Temporal
 * Core SDK's exporter (slots, polls, schedule-to-start, task failures) read through from
 * SDK_METRICS_ADDRESS. The business gauges are the api's alone: the worker's pool is exactly sized
 * to its slots (worker/capacity.ts) and has no connection to spare for scrapes.
 */
export async function serveWorkerMetrics(config: MetricsConfig, metrics: WorkerMetrics): Promise<MetricsServer | undefined> {
  if (config.port === undefined) return undefined;
  collectDefaultMetrics({ register: metrics.registry });
  return startMetricsServer({ registry: metrics.registry, port: config.port, host: config.host, appendix: sdkMetricsAppendix(metrics.registry, config.sdkAddress) });
}

/** Runtime telemetry for the worker: Core's Prometheus exporter on loopback, when /metrics is served at all. */
export function sdkTelemetry(config: MetricsConfig) {
  if (config.port === undefined) return {};
  return { metrics: { prometheus: { bindAddress: config.sdkAddress, countersTotalSuffix: true, useSecondsForDurations: true } } };
}
