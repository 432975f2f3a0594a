import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One span as OTLP/HTTP JSON carries it (ids in hex), its attributes flattened to plain values. */
export interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  serviceName: unknown;
  attributes: Record<string, unknown>;
  /** The span exactly as received, for checks over everything it carries. */
  raw: unknown;
}

interface OtlpValue { stringValue?: string; intValue?: number | string; boolValue?: boolean; doubleValue?: number }
interface OtlpAttribute { key: string; value: OtlpValue }
interface OtlpSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: OtlpAttribute[] }
interface OtlpRequest { resourceSpans?: { resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[] }

export interface OtlpCollector {
  /** What to set OTEL_EXPORTER_OTLP_ENDPOINT to. */
  endpoint: string;
  spans: CollectedSpan[];
  /** Export requests received, whatever they held. */
  requests: number;
  stop(): Promise<void>;
}

const plain = (value: OtlpValue) => value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue ?? value;
const flatten = (attributes: OtlpAttribute[] = []) => Object.fromEntries(attributes.map((a) => [a.key, plain(a.value)]));

/** An OTLP/HTTP trace receiver on loopback (the JSON encoding, which the http exporter sends), keeping what it is sent. */
export async function startOtlpCollector(): Promise<OtlpCollector> {
  const collector = { spans: [] as CollectedSpan[], requests: 0 };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || req.url !== '/v1/traces' || !req.headers['content-type']?.startsWith('application/json')) {
      res.writeHead(404).end();
      return;
    }
    collector.requests++;
    const body = Buffer.concat(chunks);
    const request = JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8')) as OtlpRequest;
    for (const { resource, scopeSpans = [] } of request.resourceSpans ?? []) {
      const serviceName = flatten(resource?.attributes)['service.name'];
      for (const span of scopeSpans.flatMap((scope) => scope.spans ?? [])) {
        collector.spans.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId || undefined,
          name: span.name,
          kind: span.kind,
          serviceName,
          attributes: flatten(span.attributes),
          raw: span,
        });
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(collector, {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
