import { z } from 'zod';

/** Where one process sends its spans (docs/tracing.md); absent, tracing is off. */
export type TracingConfig = Readonly<{ tracesUrl: URL; serviceName: string | undefined }>;

// Blank is unset, as the OpenTelemetry specification reads its variables and as compose files pass an unset one.
const blankIsUnset = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const otlpUrl = z.preprocess(blankIsUnset, z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).optional());

/** The standard OpenTelemetry variable names, so a collector's usual setup works unchanged. */
export const tracingEnv = {
  OTEL_SDK_DISABLED: z.preprocess(blankIsUnset, z.enum(['true', 'false'], { error: 'must be true or false' }).optional()),
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl,
  OTEL_SERVICE_NAME: z.preprocess(blankIsUnset, z.string().max(100).optional()),
};

type TracingEnv = { [K in keyof typeof tracingEnv]?: z.infer<(typeof tracingEnv)[K]> };

/**
 * The traces-specific endpoint is used as given; the general one is a base that `v1/traces` is
 * appended to (OTLP/HTTP exporter specification). Neither set, or the SDK disabled: off.
 */
export function tracingConfig(env: TracingEnv): TracingConfig | undefined {
  if (env.OTEL_SDK_DISABLED === 'true') return undefined;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base && new URL('v1/traces', base.endsWith('/') ? base : `${base}/`).href);
  if (!tracesUrl) return undefined;
  return Object.freeze({ tracesUrl: new URL(tracesUrl), serviceName: env.OTEL_SERVICE_NAME });
}
