import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql } from '../db/client.ts';
import { dueDirectoryEvents, recordDeliveryFailure } from '../db/directory-events.ts';
import { drainSiteAccessQueue } from '../db/site-rules.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { DELIVERY_ATTEMPTS } from '../domain/directory-delivery.ts';
import { createApiMetrics, type ApiMetrics } from '../metrics/api-metrics.ts';
import { registerDatabaseGauges } from '../metrics/database-gauges.ts';
import { serveApiMetrics, serveWorkerMetrics } from '../metrics/endpoints.ts';
import type { MetricsServer } from '../metrics/server.ts';
import { createWorkerMetrics, type WorkerMetrics } from '../metrics/worker-metrics.ts';
import { createScimToken } from '../operator/scim-tokens.ts';
import { nudgeReminders } from '../temporal/site-access.ts';
import { TestBrowser } from './support/browser.ts';
import { insertOrg, insertSiteAssignment } from './support/fixtures.ts';
import { parseSamples, sampleSum, scrape } from './support/metrics.ts';
import { privateDatabase } from './support/private-database.ts';
import { cutOffScimApp, directoryUsersInDatabase, scimOrg, scimOverHttp, unreachableAtOnce } from './support/scim.ts';
import { okta } from './support/scim-fixtures.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, reminderSettings, startHarness, terminateRunningWorkflows, type TestHarness } from './support/temporal.ts';

// A database of its own: the gauges count every organisation's rows, and other files' must not move them.
let db: Awaited<ReturnType<typeof privateDatabase>>;
let smtp: SmtpSink;
let h: TestHarness;
let world: SsoWorld;
let apiMetrics: ApiMetrics;
let workerMetrics: WorkerMetrics;
let metricsServer: MetricsServer | undefined;
let workerMetricsServer: MetricsServer | undefined;
let metricsUrl: string;
let workerMetricsUrl: string;

beforeAll(async () => {
  [db, smtp] = await Promise.all([privateDatabase(), startSmtpSink()]);
  workerMetrics = createWorkerMetrics();
  // A digest is due a second after a member starts waiting, so the digest test sends one at once.
  h = await startHarness({ databaseUrl: db.url, smtpUrl: smtp.url, reminders: reminderSettings({ REMINDER_SCHEDULE: '1s,1h', REMINDER_DIGEST_WINDOW: '1s' }), metrics: workerMetrics });
  apiMetrics = createApiMetrics();
  world = await startSsoWorld(
    h,
    (domain) => [
      { login: 'ada', email: `ada@${domain}`, email_verified: true, name: 'Ada' },
      { login: 'unverified', email: `unverified@${domain}`, email_verified: false, name: 'Unverified' },
      { login: 'lin', email: `lin@${domain}`, email_verified: true, name: 'Lin' },
    ],
    {},
    apiMetrics,
  );
  metricsServer = await serveApiMetrics({ port: 0, host: '127.0.0.1', sdkAddress: '127.0.0.1:1' }, apiMetrics, h.sql);
  metricsUrl = `http://127.0.0.1:${metricsServer!.port}/metrics`;
  // The harness's worker, served as worker/main.ts serves it; its Core SDK exporter is not running here (no telemetry in this process's runtime).
  workerMetricsServer = await serveWorkerMetrics({ port: 0, host: '127.0.0.1', sdkAddress: '127.0.0.1:1' }, workerMetrics);
  workerMetricsUrl = `http://127.0.0.1:${workerMetricsServer!.port}/metrics`;
}, 60_000);
afterAll(async () => {
  await Promise.all([metricsServer?.close(), workerMetricsServer?.close()]);
  await world?.stop();
  await terminateRunningWorkflows(h);
  await h?.stop();
  await Promise.all([smtp?.stop(), db?.drop()]);
});

const apiValue = async (name: string, labels: Record<string, string> = {}) => sampleSum(await scrape(metricsUrl), name, labels);
/** The gauges come from a snapshot reused for a few seconds: wait until the expected value shows. */
const untilGauge = (name: string, labels: Record<string, string>, expected: number) =>
  eventually(async () => ((await apiValue(name, labels)) === expected ? true : undefined), 15_000).catch(async () => {
    throw new Error(`${name}${JSON.stringify(labels)} stayed ${await apiValue(name, labels)}, expected ${expected}`);
  });

describe('the metrics endpoint', () => {
  it('is on its own listener: the public app answers 404 at /metrics', async () => {
    expect((await fetch(`${world.appUrl}/metrics`)).status).toBe(404);
    const res = await fetch(metricsUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toMatch(/^# HELP sso_http_request_duration_seconds /m);
    expect((await fetch(metricsUrl.replace('/metrics', '/'))).status).toBe(404);
  });
});

describe('the gauges read from PostgreSQL', () => {
  it('are left out, never reported as zero, while PostgreSQL does not answer, and the failure is counted', async () => {
    const unreachable = createSql('postgres://postgres@127.0.0.1:1/nothing', { max: 1, connect_timeout: 1 });
    try {
      const { registry } = createApiMetrics();
      registerDatabaseGauges(registry, unreachable);
      const first = await registry.metrics();
      expect(parseSamples(first).filter((s) => s.name.startsWith('sso_members_') || s.name.startsWith('sso_directory_'))).toEqual([]);
      await eventually(async () => (sampleSum(await registry.metrics(), 'sso_metrics_snapshot_failures_total') >= 1 ? true : undefined));
    } finally {
      await unreachable.end();
    }
  });

  it('scrapes while every pooled connection is held queue one read between them, not one each', { timeout: 30_000 }, async () => {
    let reads = 0;
    const pool = createSql(db.url, { max: 1, debug: (_connection, query) => void (query.includes('statement_timeout') && reads++) });
    let release = () => {};
    const held = pool.begin(() => new Promise<void>((resolve) => (release = resolve)));
    try {
      const { registry } = createApiMetrics();
      registerDatabaseGauges(registry, pool);
      // Each gives up waiting for the connection and answers without the gauges.
      for (let scrape = 0; scrape < 3; scrape++) expect(parseSamples(await registry.metrics()).filter((s) => s.name === 'sso_members_waiting_for_site')).toEqual([]);
      release();
      await held;
      await eventually(async () => (reads > 0 ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(reads).toBe(1);
    } finally {
      release();
      await pool.end();
    }
  });
});

describe('sign-ins, requests and waiting members', () => {
  it('a first sign-in counts as created, a refused one by its reason, and the new member shows as waiting', async () => {
    const created = { outcome: 'created', reason: 'none' };
    const refused = { outcome: 'refused', reason: 'email_not_verified' };
    const callbacks = { name: 'sso_http_request_duration_seconds_count', labels: { route: '/auth/:org/callback', method: 'GET', status: '302' } };
    const before = await scrape(metricsUrl);

    await world.signIn(new TestBrowser(), 'ada');
    await world.signIn(new TestBrowser(), 'unverified');

    const after = await scrape(metricsUrl);
    expect(sampleSum(after, 'sso_sign_ins_total', created)).toBe(sampleSum(before, 'sso_sign_ins_total', created) + 1);
    expect(sampleSum(after, 'sso_sign_ins_total', refused)).toBe(sampleSum(before, 'sso_sign_ins_total', refused) + 1);
    expect(sampleSum(after, callbacks.name, callbacks.labels)).toBe(sampleSum(before, callbacks.name, callbacks.labels) + 1);
    // Labels carry patterns and fixed words only: no slug, email or id of this sign-in.
    expect(after).not.toContain(world.org.slug);
    expect(after).not.toContain('@');

    // Ada is an active plain member without a site: she waits, for less than an hour yet.
    await untilGauge('sso_members_waiting_for_site', { waited_over: '0s' }, 1);
    expect(await apiValue('sso_members_waiting_for_site', { waited_over: '1h' })).toBe(0);

    // Signing in again is neither created nor linked.
    await world.signIn(new TestBrowser(), 'ada');
    expect(await apiValue('sso_sign_ins_total', { outcome: 'signed_in', reason: 'none' })).toBe(sampleSum(after, 'sso_sign_ins_total', { outcome: 'signed_in' }) + 1);
  }, 60_000);

  it('members waiting for days show under each threshold they passed', async () => {
    const org = await insertOrg(h.sql);
    const base = await apiValue('sso_members_waiting_for_site', { waited_over: '0s' });
    await h.sql`
      insert into members (org_id, email, name, source, created_at, site_access_pending_since)
      values (${org.id}, ${`old@${org.slug}.test`}, 'Old', 'jit', now() - interval '4 days', now() - interval '4 days')`;
    await untilGauge('sso_members_waiting_for_site', { waited_over: '0s' }, base + 1);
    const text = await scrape(metricsUrl);
    expect(['1h', '1d', '3d', '7d', '14d'].map((waited_over) => sampleSum(text, 'sso_members_waiting_for_site', { waited_over }))).toEqual([1, 1, 1, 0, 0]);
  }, 30_000);
});

describe('linked sign-ins', () => {
  it('a member the directory created, signing in for the first time, counts as linked', async () => {
    const { token } = await createScimToken(h.sql, { org: world.org.slug });
    expect((await scimOverHttp(world.appUrl, token, 'POST', '/Users', okta.create(`lin@${world.domain}`, 'ext-lin'))).status).toBe(201);
    const linked = { outcome: 'linked', reason: 'none' };
    const before = await apiValue('sso_sign_ins_total', linked);
    await world.signIn(new TestBrowser(), 'lin');
    expect(await apiValue('sso_sign_ins_total', linked)).toBe(before + 1);
  }, 30_000);
});

describe('SCIM and directory events', () => {
  it('counts SCIM requests by status and times them by route pattern', async () => {
    const org = await scimOrg(h);
    const before = await scrape(metricsUrl);
    const createdUser = await scimOverHttp(world.appUrl, org.token, 'POST', '/Users', okta.create(`kim@${org.domain}`, 'ext-kim'));
    expect(createdUser.status).toBe(201);
    expect((await scimOverHttp(world.appUrl, 'not-a-token', 'GET', '/Users')).status).toBe(401);
    expect((await scimOverHttp(world.appUrl, org.token, 'GET', `/Users/${createdUser.body.id}`)).status).toBe(200);

    const after = await scrape(metricsUrl);
    const moved = (name: string, labels: Record<string, string>) => sampleSum(after, name, labels) - sampleSum(before, name, labels);
    expect(moved('sso_scim_requests_total', { method: 'POST', status: '201' })).toBe(1);
    expect(moved('sso_scim_requests_total', { method: 'GET', status: '401' })).toBe(1);
    expect(moved('sso_scim_requests_total', { method: 'GET', status: '200' })).toBe(1);
    expect(moved('sso_http_request_duration_seconds_count', { route: '/scim/v2/Users/:id', method: 'GET', status: '200' })).toBe(1);
    expect(after).not.toContain(createdUser.body.id);
  }, 30_000);

  it('an event the lifecycle did not take shows as pending, and as parked once the backstop gives up on it', async () => {
    const org = await scimOrg(h);
    const user = await scimOverHttp(world.appUrl, org.token, 'POST', '/Users', okta.create(`lee@${org.domain}`, 'ext-lee'));
    expect(user.status).toBe(201);
    const pending = await apiValue('sso_directory_events_undelivered', { state: 'pending' });
    const parked = await apiValue('sso_directory_events_undelivered', { state: 'parked' });

    // A replica cut off from Temporal records the deactivation but cannot tell the lifecycle.
    const unreachable = unreachableAtOnce();
    try {
      const res = await cutOffScimApp(h, unreachable)('PATCH', `/Users/${user.body.id}`, org.token, okta.setActive(false));
      expect(res.status).toBe(503);
    } finally {
      await unreachable.close();
    }
    await untilGauge('sso_directory_events_undelivered', { state: 'pending' }, pending + 1);

    const [event] = await dueDirectoryEvents(h.sql, 10, org.id);
    for (let attempt = 0; attempt < DELIVERY_ATTEMPTS; attempt++) await recordDeliveryFailure(h.sql, event!, 'refused in a test');
    await untilGauge('sso_directory_events_undelivered', { state: 'parked' }, parked + 1);
    expect(await apiValue('sso_directory_events_undelivered', { state: 'pending' })).toBe(pending);
  }, 40_000);

  it('members a rule change queued show, and age, until a run works them out', async () => {
    const org = await scimOrg(h);
    const ids = (await directoryUsersInDatabase(h, org, 3, 'queued')).map((u) => u.memberId);
    const queued = await apiValue('sso_site_access_queued_members');
    await h.sql`insert into site_access_queue (org_id, member_id, queued_at) select ${org.id}, unnest(${ids}::uuid[]), now() - interval '1 hour'`;
    await untilGauge('sso_site_access_queued_members', {}, queued + 3);
    expect(await apiValue('sso_site_access_queue_oldest_seconds')).toBeGreaterThanOrEqual(3600);
    await drainSiteAccessQueue(h.sql, { orgId: org.id, limit: 10 });
    await untilGauge('sso_site_access_queued_members', {}, queued);
  }, 30_000);

  it('site-access announcements owed to Temporal show, and age, until they are told', async () => {
    const org = await scimOrg(h);
    const ids = (await directoryUsersInDatabase(h, org, 2, 'owed')).map((u) => u.memberId);
    const owed = await apiValue('sso_site_access_announcements_owed');
    await h.sql`insert into site_access_announcements (org_id, member_id, queued_at) select ${org.id}, unnest(${ids}::uuid[]), now() - interval '1 hour'`;
    await untilGauge('sso_site_access_announcements_owed', {}, owed + 2);
    expect(await apiValue('sso_site_access_announcement_oldest_seconds')).toBeGreaterThanOrEqual(3600);
    await h.sql`delete from site_access_announcements where member_id = any(${ids}::uuid[])`;
    await untilGauge('sso_site_access_announcements_owed', {}, owed);
  }, 30_000);
});

describe('reminder digests', () => {
  it('a digest sent counts once, with one delivered email per admin', async () => {
    const sent = async () => sampleSum(await scrape(workerMetricsUrl), 'sso_reminder_digests_total', { outcome: 'sent' });
    const delivered = async () => sampleSum(await scrape(workerMetricsUrl), 'sso_reminder_emails_total', { outcome: 'delivered' });
    const [sentBefore, deliveredBefore] = [await sent(), await delivered()];

    const org = await insertOrg(h.sql);
    const [site]: [{ id: string }] = await h.sql`insert into sites (org_id, name) values (${org.id}, 'HQ') returning id`;
    const [admin]: [{ id: string }] = await h.sql`
      insert into members (org_id, email, name, source, org_role) values (${org.id}, ${`boss@${org.slug}.test`}, 'Boss', 'jit', 'org_admin') returning id`;
    await insertSiteAssignment(h.sql, { orgId: org.id, memberId: admin.id, siteId: site.id });
    await h.sql`
      insert into members (org_id, email, name, source, created_at, site_access_pending_since)
      values (${org.id}, ${`new@${org.slug}.test`}, 'New', 'jit', now() - interval '1 minute', now() - interval '1 minute')`;
    await nudgeReminders(h.client, { orgId: org.id, orgSlug: org.slug }, h.taskQueue);

    await eventually(async () => ((await sent()) > sentBefore ? true : undefined), 20_000);
    expect(await sent()).toBe(sentBefore + 1);
    expect(await delivered()).toBe(deliveredBefore + 1);
    expect(smtp.messages.filter((m) => m.subject?.includes('waiting for site access'))).toHaveLength(1);
  }, 30_000);

  it("says the Core SDK's exporter is down instead of failing the worker's scrape", async () => {
    const text = await scrape(workerMetricsUrl);
    expect(sampleSum(text, 'sso_sdk_metrics_up')).toBe(0);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });
});
