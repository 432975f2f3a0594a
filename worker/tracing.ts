import { createRequire } from 'node:module';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerOptions } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { Tracing } from '../temporal/tracing.ts';

/**
 * The OpenTelemetry workflow interceptors, bundled only into the workflows of a worker that traces
 * (worker/workflow-code.ts builds both bundles): spans of workflows go to the sink below.
 */
export const workflowInterceptorModules = [createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

/** Activities (local ones too: they run through the same interceptors) continue the trace their workflow sent in the headers. */
export function tracingActivityInterceptors(tracing: Tracing | undefined): Pick<WorkerOptions, 'interceptors'> {
  if (!tracing) return {};
  return {
    interceptors: {
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
    },
  };
}

/**
 * The sink the bundled interceptors send workflow spans to; a worker without it would log an
 * unregistered sink on every workflow task. The library's exporter copies every field of the
 * workflow's info onto each span, and that info holds the search attributes (the member's email),
 * the memo and the last result: it gets the identifiers below and nothing else.
 */
export function workflowSpanSinks(tracing: Tracing | undefined): InjectedSinks<OpenTelemetrySinks> {
  if (!tracing) return { exporter: { export: { fn: () => {} } } };
  const library = makeWorkflowExporter(tracing.spanProcessor, tracing.resource);
  return {
    exporter: {
      export: {
        fn: (info, spans) => {
          const identifiers: Pick<WorkflowInfo, 'namespace' | 'taskQueue' | 'workflowType' | 'workflowId' | 'runId' | 'attempt'> = {
            namespace: info.namespace,
            taskQueue: info.taskQueue,
            workflowType: info.workflowType,
            workflowId: info.workflowId,
            runId: info.runId,
            attempt: info.attempt,
          };
          library.export.fn(identifiers as WorkflowInfo, spans);
        },
      },
    },
  };
}
