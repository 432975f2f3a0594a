import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { makeOrgAdmin } from '../operator/operations.ts';
import { startInvitationEmail } from '../temporal/invitation-email.ts';
import { startTracing, type Tracing } from '../temporal/tracing.ts';
import { firstSignInLifecycleId } from './support/provisioning.ts';
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
let smtp: SmtpSink;

beforeAll(async () => {
  collector = await startOtlpCollector();
  // The api and the worker share this test's process: one provider serves both, set up from config as main.ts does.
  const { tracing: config } = loadConfig({ APP_ENV: 'test', OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_SERVICE_NAME: 'tracing-test' });
  if (!config) throw new Error('an OTLP endpoint turns tracing on');
  tracing = startTracing(config, 'unused-default');
  // Refuses mailboxes as Postfix does, quoting the address: an error message that names a person.
  smtp = await startSmtpSink({ rejects: (address) => address.startsWith('refused.') });
  h = await startHarness({ tracing, smtpUrl: smtp.url });
  world = await startSsoWorld(h, (domain) => [{ login: SUBJECT, email: `ada.lovelace@${domain}`, email_verified: true, name: 'Ada Lovelace' }]);
});
afterAll(async () => {
  await terminateRunningWorkflows(h);
  await world?.stop();
  await h?.stop();
  await tracing?.shutdown();
  await collector?.stop();
  await smtp?.stop();
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
  // The sign-in started the member's lifecycle, which provisioned it. The lifecycle runs on, so its
  // own run span (ended with the run) is not exported here: its activity's spans are.
  const workflowId = firstSignInLifecycleId(world.org.slug, connection!.id, world.idp.issuer, SUBJECT);
  const runProvisioning = await flushedUntil((spans) => spans.find((s) => s.name === 'RunActivity:provisionIdentity' && s.attributes.temporalWorkflowId === workflowId));
  const trace = collector.spans.filter((s) => s.traceId === runProvisioning.traceId);
  const named = (name: string) => {
    const found = trace.filter((s) => s.name === name);
    expect(found.map((s) => s.name), name).toEqual([name]);
    return found[0]!;
  };

  const callback = named('GET /auth/:org/callback');
  expect(callback).toMatchObject({ kind: SERVER, parentSpanId: undefined, serviceName: 'tracing-test' });
  expect(callback.attributes).toEqual({ 'http.request.method': 'GET', 'http.route': '/auth/:org/callback', 'http.response.status_code': 302 });
  const updateWithStart = named('UpdateWithStartWorkflow:signIn');
  expect(updateWithStart.parentSpanId).toBe(callback.spanId);
  expect(updateWithStart.attributes).toMatchObject({ temporalWorkflowId: workflowId });
  expect(named('HandleUpdate:signIn').parentSpanId).toBe(updateWithStart.spanId);
  const startProvisioning = named('StartActivity:provisionIdentity');
  expect(runProvisioning.parentSpanId).toBe(startProvisioning.spanId);

  // Workflow spans carry the workflow's identifiers only: its info also holds the member's email (search attributes) and memo.
  const workflowIdentifiers = ['attempt', 'namespace', 'runId', 'taskQueue', 'workflowId', 'workflowType'];
  expect(Object.keys(startProvisioning.attributes).sort()).toEqual(workflowIdentifiers);
  const everything = JSON.stringify(collector.spans.map((s) => s.raw));
  for (const personal of [`ada.lovelace@${world.domain}`, 'Ada Lovelace', SUBJECT, world.domain]) expect(everything).not.toContain(personal);
  // Routes are named by their pattern: no span of a request names the organisation it was for.
  for (const span of collector.spans.filter((s) => s.kind === SERVER)) expect(JSON.stringify(span.raw)).not.toContain(world.org.slug);
});

it("a failed activity's span names the error's type, never the address its message quotes", async () => {
  const email = `refused.grace@${world.domain}`;
  const invited = await makeOrgAdmin(h.sql, { org: world.org.slug, email });
  if (invited.outcome !== 'invited') throw new Error('expected an invitation');
  await startInvitationEmail(h.client, { taskQueue: h.taskQueue, publicUrl: new URL(world.appUrl) }, invited);
  const failed = await flushedUntil((spans) => spans.find((s) => s.name === 'RunActivity:sendInvitationEmail' && (s.raw as { events?: unknown[] }).events?.length));
  const raw = failed.raw as { status: { code: number }; events: { name: string; attributes: { key: string; value: { stringValue?: string } }[] }[] };
  expect(raw.status.code).toBe(2); // OTLP's STATUS_CODE_ERROR: the failure still shows.
  const exception = raw.events.find((e) => e.name === 'exception');
  expect(exception?.attributes.find((a) => a.key === 'exception.type')?.value.stringValue).toBe('EENVELOPE'); // nodemailer's code
  const everything = JSON.stringify(collector.spans.map((s) => s.raw));
  expect(everything).not.toContain('refused.grace');
});
