import { trace, type ProxyTracerProvider } from '@opentelemetry/api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { startTracing } from '../temporal/tracing.ts';
import { memberStateQuery } from '../workflows/definitions.ts';
import { firstSignInLifecycleId } from './support/provisioning.ts';
import { TestBrowser } from './support/browser.ts';
import { startOtlpCollector, type OtlpCollector } from './support/otlp-collector.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { startHarness, terminateRunningWorkflows, type TestHarness } from './support/temporal.ts';

let collector: OtlpCollector;
let h: TestHarness;
let world: SsoWorld;

beforeAll(async () => {
  collector = await startOtlpCollector();
  // The endpoint is there, and the standard switch turns the SDK off: nothing may reach it.
  const config = loadConfig({ APP_ENV: 'test', OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint });
  // As api/main.ts and worker/main.ts decide.
  h = await startHarness({ tracing: config.tracing && startTracing(config.tracing, 'tracing-off-test') });
  world = await startSsoWorld(h, (domain) => [{ login: 'grace', email: `grace@${domain}`, email_verified: true, name: 'Grace Hopper' }]);
});
afterAll(async () => {
  await terminateRunningWorkflows(h);
  await world?.stop();
  await h?.stop();
  await collector?.stop();
});

it('signs in through the bundled tracing interceptors with no tracer provider installed and exports nothing', async () => {
  const page = await world.signIn(new TestBrowser(), 'grace');
  expect(page.status).toBe(200);
  const [connection] = await h.sql<{ id: string }[]>`select id from sso_connections where org_id = ${world.org.id}`;
  const lifecycle = h.client.workflow.getHandle(firstSignInLifecycleId(world.org.slug, connection!.id, world.idp.issuer, 'grace'));
  expect(await lifecycle.query(memberStateQuery)).toMatchObject({ status: 'active' });

  expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false);
  // Whatever provider the API holds, flushed: had one been installed, its spans would arrive now.
  const provider = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate();
  if ('forceFlush' in provider && typeof provider.forceFlush === 'function') await provider.forceFlush();
  expect(collector.requests).toBe(0);
});
