import { afterAll, beforeAll, expect, it } from 'vitest';
import { identityKey } from '../auth/tokens.ts';
import { loadConfig } from '../config/index.ts';
import { startTracing, type Tracing } from '../temporal/tracing.ts';
import { memberWorkflowId, signInWorkflowId } from '../workflows/definitions.ts';
import { TestBrowser } from './support/browser.ts';
import { startOtlpCollector, type CollectedSpan, type OtlpCollector } from './support/otlp-collector.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, terminateRunningWorkflows, type TestHarness } from './support/temporal.ts';

const SUBJECT = 'subject-7f3a9c';
const SERVER = 2; // OTLP's SPAN_KIND_SERVER

let collector: OtlpCollector;
let tracing: Tracing;
let h: TestHarness;
let world: SsoWorld;

beforeAll(async () => {
  collector = await startOtlpCollector();
  // The api and the worker share this test's process: one provider serves both, set up from config as main.ts does.
  const { tracing: config } = loadConfig({ APP_ENV: 'test', OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_SERVICE_NAME: 'tracing-test' });
  if (!config) throw new Error('an OTLP endpoint turns tracing on');
  tracing = startTracing(config, 'unused-default');
  h = await startHarness({ tracing });
  world = await startSsoWorld(h, (domain) => [{ login: SUBJECT, email: `ada.lovelace@${domain}`, email_verified: true, name: 'Ada Lovelace' }]);
});
afterAll(async () => {
  await terminateRunningWorkflows(h);
  await world?.stop();
  await h?.stop();
  await tracing?.shutdown();
  await collector?.stop();
});

/** Flushes this process's spans until `find` sees what it waits for (workflow spans reach the sink after their task completes). */
function flushedUntil<T>(find: (spans: CollectedSpan[]) => T | undefined): Promise<T> {
  return eventually(async () => {
    await tracing.spanProcessor.forceFlush();
    return find(collector.spans);
  });
}

it('follows a first sign-in in one trace from the callback through the workflow to its local activity, and no span says who signed in', async () => {
  const page = await world.signIn(new TestBrowser(), SUBJECT);
  expect(page.status).toBe(200);
  const [connection] = await h.sql<{ id: string }[]>`select id from sso_connections where org_id = ${world.org.id}`;
  const workflowId = signInWorkflowId(world.org.slug, identityKey(connection!.id, world.idp.issuer, SUBJECT));
  const { memberId } = await h.client.workflow.getHandle(workflowId).result() as { memberId: string };

  const run = await flushedUntil((spans) => spans.find((s) => s.name === 'RunWorkflow:provisionIdentityWorkflow' && s.attributes.workflowId === workflowId));
  // The member's lifecycle, started by the sign-in as a child, runs its first activity in the same trace.
  const lifecycleActivity = await flushedUntil((spans) =>
    spans.find((s) => s.name.startsWith('StartActivity:') && s.attributes.workflowId === memberWorkflowId(world.org.slug, memberId)),
  );
  const trace = collector.spans.filter((s) => s.traceId === run.traceId);
  const named = (name: string) => {
    const found = trace.filter((s) => s.name === name);
    expect(found.map((s) => s.name), name).toEqual([name]);
    return found[0]!;
  };

  const callback = named('GET /auth/:org/callback');
  expect(callback).toMatchObject({ kind: SERVER, parentSpanId: undefined, serviceName: 'tracing-test' });
  expect(callback.attributes).toEqual({ 'http.request.method': 'GET', 'http.route': '/auth/:org/callback', 'http.response.status_code': 302 });
  const updateWithStart = named('UpdateWithStartWorkflow:signInOutcome');
  expect(updateWithStart.parentSpanId).toBe(callback.spanId);
  expect(updateWithStart.attributes).toMatchObject({ temporalWorkflowId: workflowId });
  expect(run.parentSpanId).toBe(updateWithStart.spanId);
  expect(named('HandleUpdate:signInOutcome').parentSpanId).toBe(updateWithStart.spanId);
  const startProvisioning = named('StartActivity:provisionIdentity');
  expect(startProvisioning.parentSpanId).toBe(run.spanId);
  const runProvisioning = named('RunActivity:provisionIdentity');
  expect(runProvisioning.parentSpanId).toBe(startProvisioning.spanId);
  expect(runProvisioning.attributes).toMatchObject({ temporalWorkflowId: workflowId });
  expect(named('StartChildWorkflow:memberLifecycleWorkflow').parentSpanId).toBe(run.spanId);
  expect(lifecycleActivity.traceId).toBe(run.traceId);

  // Workflow spans carry the workflow's identifiers only: its info also holds the member's email (search attributes) and memo.
  const workflowIdentifiers = ['attempt', 'namespace', 'runId', 'taskQueue', 'workflowId', 'workflowType'];
  expect(Object.keys(run.attributes).sort()).toEqual(workflowIdentifiers);
  expect(Object.keys(lifecycleActivity.attributes).sort()).toEqual(workflowIdentifiers);
  const everything = JSON.stringify(collector.spans.map((s) => s.raw));
  for (const personal of [`ada.lovelace@${world.domain}`, 'Ada Lovelace', SUBJECT, world.domain]) expect(everything).not.toContain(personal);
  // Routes are named by their pattern: no span of a request names the organisation it was for.
  for (const span of collector.spans.filter((s) => s.kind === SERVER)) expect(JSON.stringify(span.raw)).not.toContain(world.org.slug);
});
