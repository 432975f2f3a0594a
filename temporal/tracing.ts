import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { ClientInterceptors } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { TracingConfig } from '../config/tracing.ts';
import { errorTextDropped } from './span-error-text.ts';

/** A process's running tracer provider: where its spans (and its workflows' spans, on a worker) go. */
export interface Tracing {
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Exports what is still buffered, then stops; call once the process's work has drained. */
  shutdown(): Promise<void>;
}

/**
 * Installs the global tracer provider (and with it the context manager that carries the active
 * span across awaits, and W3C trace-context propagation into Temporal headers). Spans leave in
 * batches over OTLP/HTTP; with tracing off nothing is installed and every span is a no-op.
 */
export function startTracing(config: TracingConfig, defaultServiceName: string): Tracing {
  const resource = new Resource({ 'service.name': config.serviceName ?? defaultServiceName });
  const spanProcessor = errorTextDropped(new BatchSpanProcessor(new OTLPTraceExporter({ url: config.tracesUrl.href })));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return { spanProcessor, resource, shutdown: () => provider.shutdown() };
}

/** Starts, signals, updates and queries become spans whose context travels to the workflow in its headers. */
export function tracingClientInterceptors(tracing: Tracing | undefined): ClientInterceptors {
  return tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : {};
}
