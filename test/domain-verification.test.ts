/**
 * Domain verification end to end: the api, the workflow on the real Temporal dev server, a real DNS
 * server (dns2) on loopback, the SMTP sink, PostgreSQL, and JIT sign-ins through the dev IdP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../db/client.ts';
import { claimForDnsVerification } from '../db/org-domains.ts';
import { MAX_DOMAINS_PER_ORG } from '../domain/domain-claim.ts';
import { challengeRecord, type DomainCheckSchedule } from '../domain/domain-verification.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { addDomain, addItContact, makeOrgAdmin } from '../operator/operations.ts';
import { requestDomainCheck } from '../temporal/domain-verification.ts';
import { domainVerificationWorkflowId } from '../workflows/definitions.ts';
import { TestBrowser } from './support/browser.ts';
import { unclaimableDomains } from './support/fixtures.ts';
import { recordHistory } from './support/histories.ts';
import { startDnsServer, type TestDnsServer } from './support/dns-server.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, terminateRunningWorkflows, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let smtp: SmtpSink;
let zone: TestDnsServer;
let world: SsoWorld;
let rivalWorld: SsoWorld;
let boss: TestBrowser;
let plain: TestBrowser;
let rival: TestBrowser;

/** Domains each test claims, under the world's slug so runs never meet. */
const sub = (label: string) => `${label}-${world.org.slug}.example`;

/** A schedule of seconds instead of days, same shape. */
const fast: DomainCheckSchedule = { firstDelaysMs: [200, 400], thenEveryMs: 500, deadlineMs: 3_000, recheckEveryMs: 500, rechecksPerRun: 500 };

beforeAll(async () => {
  [smtp, zone] = await Promise.all([startSmtpSink(), startDnsServer()]);
  h = await startHarness({ smtpUrl: smtp.url, dns: { servers: [zone.server], timeoutMs: 300, tries: 1 } });
  world = await startSsoWorld(h, (domain) => [
    { login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' },
    { login: 'plain', email: `plain@${domain}`, email_verified: true, name: 'Plain Member' },
    { login: 'pat', email: `pat@pending-${domain.replace('.test', '')}.example`, email_verified: true, name: 'Pat Pending' },
    { login: 'fay', email: `fay@failing-${domain.replace('.test', '')}.example`, email_verified: true, name: 'Fay Failed' },
  ]);
  rivalWorld = await startSsoWorld(h, (domain) => [{ login: 'rival', email: `rival@${domain}`, email_verified: true, name: 'Rival Admin' }]);
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  await makeOrgAdmin(h.sql, { org: rivalWorld.org.slug, email: `rival@${rivalWorld.domain}` });
  await addItContact(h.sql, { org: world.org.slug, email: `it@${world.domain}`, name: 'IT' });
  [boss, plain, rival] = [new TestBrowser(), new TestBrowser(), new TestBrowser()];
  await world.signIn(boss, 'boss');
  await world.signIn(plain, 'plain');
  await rivalWorld.signIn(rival, 'rival');
});
afterAll(async () => {
  await terminateRunningWorkflows(h);
  await world?.stop();
  await rivalWorld?.stop();
  await h?.stop();
  await Promise.all([smtp?.stop(), zone?.stop()]);
});

async function api(browser: TestBrowser, path: string, init: { method?: string; body?: unknown; org?: string } = {}) {
  const page = await browser.request(`${world.appUrl}/api/orgs/${init.org ?? world.org.slug}/domains${path}`, {
    method: init.method ?? 'GET',
    headers: { origin: world.appUrl, 'content-type': 'application/json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: page.status, json: page.body ? JSON.parse(page.body) : undefined };
}

const statusOf = async (domain: string, orgId = world.org.id) => {
  const [row]: [{ status: string; verifiedBy: string | null }?] = await h.sql`
    select status, verified_by as "verifiedBy" from org_domains where org_id = ${orgId} and domain = ${domain}`;
  return row;
};
const untilStatus = (domain: string, status: string, timeoutMs = 15_000) =>
  eventually(async () => ((await statusOf(domain))?.status === status ? true : undefined), timeoutMs);
const mailTo = (address: string, subject: RegExp) => smtp.messages.filter((m) => m.to && !Array.isArray(m.to) && m.to.text === address && subject.test(m.subject ?? ''));
const auditTypes = async (domain: string) =>
  (await h.sql<{ type: string }[]>`select type from audit_events where org_id = ${world.org.id} and data->>'domain' = ${domain} order by id`).map((r) => r.type);

/**
 * Runs `act` while a transaction holds the lock `lock` takes, releases it once `waiters` sessions
 * wait on a lock (after `meanwhile` ran in that transaction), and returns what `act` answered.
 */
async function whileLocked<T>(lock: (tx: Queryable) => PromiseLike<unknown>, waiters: number, act: () => Promise<T>, meanwhile?: (tx: Queryable) => PromiseLike<unknown>): Promise<T> {
  let acting!: Promise<T>;
  await h.sql.begin(async (tx) => {
    await lock(tx);
    acting = act();
    await eventually(async () => {
      const [{ n }]: [{ n: number }] = await h.sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
      return n >= waiters ? true : undefined;
    });
    await meanwhile?.(tx);
  });
  return acting;
}

/** Claims `domain` for the world's org and starts its workflow on the fast schedule, as the api would. */
async function claimFast(domain: string, schedule = fast) {
  const answer = await claimForDnsVerification(h.sql, world.org.id, domain, { memberId: null, actor: 'test' });
  if ('refusal' in answer) throw new Error(answer.refusal);
  await requestDomainCheck(h.client, h.taskQueue, { org: world.org, domain, schedule });
  return challengeRecord(domain, answer.row.token!);
}

describe('the API', () => {
  it('adds a domain as pending with the exact TXT record to create, and "check now" verifies it once the record exists', async () => {
    const domain = sub('api');
    const added = await api(boss, '', { method: 'POST', body: { domain: domain.toUpperCase() } });
    expect(added.status).toBe(201);
    expect(added.json.domain).toMatchObject({ domain, status: 'pending', verifiedBy: null });
    const { name, value, type } = added.json.domain.record;
    expect(name).toBe(`_sso-provisioning-challenge.${domain}`);
    expect(type).toBe('TXT');
    expect(value).toMatch(/^sso-provisioning-verification=[0-9a-f]{32}$/);
    // The first check (at start) finds nothing; the production schedule then waits a minute.
    await eventually(async () => ((await api(boss, '')).json.domains.find((d: { domain: string }) => d.domain === domain)?.lastCheck?.outcome === 'no_record' ? true : undefined));

    const again = await api(boss, '', { method: 'POST', body: { domain } });
    expect(again.status).toBe(200);
    expect(again.json.domain.record.value).toBe(value);

    zone.setTxt(name, [value]);
    expect((await api(boss, `/${domain}/check`, { method: 'POST' })).status).toBe(202);
    await untilStatus(domain, 'verified');
    expect(await statusOf(domain)).toEqual({ status: 'verified', verifiedBy: 'dns' });
    expect(await auditTypes(domain)).toEqual(['domain.claimed', 'domain.verified']);
    await eventually(async () => (mailTo(`boss@${world.domain}`, new RegExp(`${domain} is verified`)).length === 1 ? true : undefined));
    expect(mailTo(`it@${world.domain}`, new RegExp(`${domain} is verified`))).toHaveLength(1);
    expect(mailTo(`plain@${world.domain}`, /is verified/)).toHaveLength(0);
  });

  it.each(unclaimableDomains)('refuses %s with a clear message and saves nothing', async (domain, status, message) => {
    const before = await h.sql`select count(*)::int as n from org_domains where org_id = ${world.org.id}`;
    const audit = await h.sql`select count(*)::int as n from audit_events where org_id = ${world.org.id}`;
    const answer = await api(boss, '', { method: 'POST', body: { domain } });
    expect(answer.status).toBe(status);
    expect(answer.json.message).toMatch(message);
    expect(await h.sql`select count(*)::int as n from org_domains where org_id = ${world.org.id}`).toEqual(before);
    expect(await h.sql`select count(*)::int as n from audit_events where org_id = ${world.org.id}`).toEqual(audit);
  });

  it("refuses a domain another organisation has verified (409), and the database allows one owner only", async () => {
    const answer = await api(boss, '', { method: 'POST', body: { domain: rivalWorld.domain } });
    expect(answer.status).toBe(409);
    expect(answer.json.message).toMatch(/already verified by another organisation/);
    expect(await statusOf(rivalWorld.domain)).toBeUndefined();
    await expect(h.sql`insert into org_domains (domain, org_id, status, verified_by, verified_at) values (${rivalWorld.domain}, ${world.org.id}, 'verified', 'operator', now())`).rejects.toThrow(/org_domains_one_owner/);
  });

  it(`holds an organisation to ${MAX_DOMAINS_PER_ORG} domains: of two new ones racing for the last place one is added, the other refused (409) and saved nowhere`, async () => {
    const fillers = await h.sql<{ domain: string }[]>`
      insert into org_domains (domain, org_id, status, token)
      select 'filler-' || n || '-' || ${world.org.slug} || '.example', ${world.org.id}, 'pending', md5(n::text)
      from generate_series(1, ${MAX_DOMAINS_PER_ORG} - 1 - (select count(*)::int from org_domains where org_id = ${world.org.id})) n
      returning domain`;
    try {
      const racing = [sub('last-place-a'), sub('last-place-b')];
      const answers = await Promise.all(racing.map((domain) => api(boss, '', { method: 'POST', body: { domain } })));
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
      const refused = answers.find((a) => a.status === 409)!;
      expect(refused.json).toMatchObject({ error: 'too_many_domains' });
      expect(refused.json.message).toMatch(new RegExp(`already has ${MAX_DOMAINS_PER_ORG} domains.*Remove one`));
      expect((await h.sql`select domain from org_domains where org_id = ${world.org.id} and domain in ${h.sql(racing)}`).length).toBe(1);
      // At the limit, a domain the organisation already holds is still answered as it stands.
      expect((await api(boss, '', { method: 'POST', body: { domain: fillers[0]!.domain } })).status).toBe(200);
    } finally {
      await terminateRunningWorkflows(h);
      await h.sql`delete from org_domains where org_id = ${world.org.id} and (domain like 'filler-%' or domain like 'last-place-%')`;
    }
  });

  it(`at ${MAX_DOMAINS_PER_ORG - 1} domains, one new domain added twice at once is added once and answered twice, never refused as one too many`, async () => {
    await h.sql`
      insert into org_domains (domain, org_id, status, token)
      select 'filler-' || n || '-' || ${world.org.slug} || '.example', ${world.org.id}, 'pending', md5(n::text)
      from generate_series(1, ${MAX_DOMAINS_PER_ORG} - 1 - (select count(*)::int from org_domains where org_id = ${world.org.id})) n`;
    const domain = sub('last-place-twice');
    try {
      // Both requests pass their first look at the domain, then queue on the organisation's row.
      const answers = await whileLocked((tx) => tx`select 1 from organisations where id = ${world.org.id} for no key update`, 2, () =>
        Promise.all([1, 2].map(() => api(boss, '', { method: 'POST', body: { domain } }))),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
    } finally {
      await terminateRunningWorkflows(h);
      await h.sql`delete from org_domains where org_id = ${world.org.id} and (domain like 'filler-%' or domain = ${domain})`;
    }
  });

  it('does not remove a domain the operator asserts while the removal is on its way (409, still verified)', async () => {
    const domain = sub('asserted-while-removed');
    await claimForDnsVerification(h.sql, world.org.id, domain, { memberId: null, actor: 'test' });
    // The removal has read the pending claim and waits on its row while the operator takes it over.
    const answer = await whileLocked((tx) => tx`select 1 from org_domains where org_id = ${world.org.id} and domain = ${domain} for update`, 1, () => api(boss, `/${domain}`, { method: 'DELETE' }), (tx) =>
      tx`update org_domains set status = 'verified', verified_by = 'operator', verified_at = now(), token = null where org_id = ${world.org.id} and domain = ${domain}`,
    );
    expect(answer.status).toBe(409);
    expect(await statusOf(domain)).toEqual({ status: 'verified', verifiedBy: 'operator' });
  });

  it('lets org admins act only within their own organisation', async () => {
    expect((await api(plain, '')).status).toBe(403);
    expect((await api(plain, '', { method: 'POST', body: { domain: sub('plain') } })).status).toBe(403);
    expect((await api(rival, '')).status).toBe(403);
    expect((await api(rival, '', { method: 'POST', body: { domain: sub('rival') } })).status).toBe(403);
    expect((await api(rival, `/${world.domain}/check`, { method: 'POST' })).status).toBe(403);
    expect((await api(rival, `/${world.domain}`, { method: 'DELETE' })).status).toBe(403);
    expect((await api(new TestBrowser(), '')).status).toBe(401);
    // The rival's own view never shows this org's domains.
    expect((await api(rival, '', { org: rivalWorld.org.slug })).json.domains.map((d: { domain: string }) => d.domain)).toEqual([rivalWorld.domain]);
    expect(await statusOf(sub('rival'), rivalWorld.org.id)).toBeUndefined();
  });

  it('answers 404 for a domain the org has not added, 409 for checking or removing an operator-verified one', async () => {
    expect((await api(boss, `/${sub('unknown')}/check`, { method: 'POST' })).status).toBe(404);
    expect((await api(boss, `/..%2F/check`, { method: 'POST' })).status).toBe(404);
    const check = await api(boss, `/${world.domain}/check`, { method: 'POST' });
    expect(check.status).toBe(409);
    expect(check.json.message).toMatch(/verified by the service operator/);
    expect((await api(boss, `/${world.domain}`, { method: 'DELETE' })).status).toBe(409);
    expect(await statusOf(world.domain)).toEqual({ status: 'verified', verifiedBy: 'operator' });
  });

  it('lists existing domains as operator-verified, without a record', async () => {
    const { json } = await api(boss, '');
    expect(json.domains.find((d: { domain: string }) => d.domain === world.domain)).toMatchObject({ status: 'verified', verifiedBy: 'operator', record: null });
  });
});

describe('the workflow', () => {
  it('verifies a pending domain on its schedule once the record appears, and tells IT contacts and admins', async () => {
    const domain = sub('later');
    const record = await claimFast(domain);
    await eventually(async () => ((await h.sql`select 1 from org_domains where domain = ${domain} and check_outcome = 'no_record'`).length > 0 ? true : undefined));
    zone.setTxt(record.name, ['v=spf1 -all', [record.value.slice(0, 10), record.value.slice(10)]]);
    await untilStatus(domain, 'verified');
    await eventually(async () => (mailTo(`it@${world.domain}`, new RegExp(`${domain} is verified`)).length === 1 ? true : undefined));
  });

  it('fails a domain whose record never appears by the deadline; claiming it again restarts it', async () => {
    const domain = sub('never');
    const record = await claimFast(domain);
    const handle = h.client.workflow.getHandle(domainVerificationWorkflowId(world.org.slug, domain));
    expect(await handle.result()).toBe('failed');
    await recordHistory(handle, 'domain-verification-failed');
    expect(await statusOf(domain)).toEqual({ status: 'failed', verifiedBy: null });
    expect(await auditTypes(domain)).toEqual(['domain.claimed', 'domain.verification_failed']);

    zone.setTxt(record.name, [record.value]);
    const again = await claimFast(domain);
    expect(again).toEqual(record);
    await untilStatus(domain, 'verified');
  });

  it('keeps a verified domain verified when its record disappears, and warns once per absence', async () => {
    const domain = sub('vanish');
    const record = await claimFast(domain);
    zone.setTxt(record.name, [record.value]);
    await untilStatus(domain, 'verified');
    zone.remove(record.name);
    await eventually(async () => (mailTo(`boss@${world.domain}`, new RegExp(`record of ${domain} is missing`)).length === 1 ? true : undefined));
    expect(mailTo(`it@${world.domain}`, new RegExp(`record of ${domain} is missing`))[0]!.text).toContain(record.value);
    // Several re-checks later: still verified, still one warning.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await statusOf(domain)).toEqual({ status: 'verified', verifiedBy: 'dns' });
    expect(mailTo(`it@${world.domain}`, new RegExp(`record of ${domain} is missing`))).toHaveLength(1);
    expect(mailTo(`boss@${world.domain}`, new RegExp(`record of ${domain} is missing`))).toHaveLength(1);
    await recordHistory(h.client.workflow.getHandle(domainVerificationWorkflowId(world.org.slug, domain)), 'domain-verification-record-missing');
    zone.setTxt(record.name, [record.value]);
    await eventually(async () => ((await h.sql`select 1 from org_domains where domain = ${domain} and record_missing_since is null`).length > 0 ? true : undefined));
  });

  it('keeps watching a verified domain across continue-as-new, with its record and warnings', async () => {
    const domain = sub('long-watched');
    const record = await claimFast(domain, { ...fast, recheckEveryMs: 100, rechecksPerRun: 3 });
    zone.setTxt(record.name, [record.value]);
    await untilStatus(domain, 'verified');
    const handle = h.client.workflow.getHandle(domainVerificationWorkflowId(world.org.slug, domain));
    const firstRunId = (await handle.describe()).runId;
    // Three re-checks a run: a few runs on, the latest still re-checks the same claim.
    await eventually(async () => ((await h.client.workflow.getHandle(handle.workflowId, firstRunId).describe()).status.name === 'CONTINUED_AS_NEW' ? true : undefined));
    zone.remove(record.name);
    await eventually(async () => (mailTo(`it@${world.domain}`, new RegExp(`record of ${domain} is missing`)).length === 1 ? true : undefined));
    expect((await handle.describe()).runId).not.toBe(firstRunId);
    expect(await statusOf(domain)).toEqual({ status: 'verified', verifiedBy: 'dns' });
    expect((await api(boss, `/${domain}`, { method: 'DELETE' })).status).toBe(204);
    expect(await handle.result()).toBe('removed');
    await recordHistory(h.client.workflow.getHandle(handle.workflowId, firstRunId), 'domain-verification-continued-as-new');
  });

  it('ends when the domain is removed', async () => {
    const domain = sub('removed');
    const record = await claimFast(domain);
    zone.setTxt(record.name, [record.value]);
    await untilStatus(domain, 'verified');
    expect((await api(boss, `/${domain}`, { method: 'DELETE' })).status).toBe(204);
    const handle = h.client.workflow.getHandle(domainVerificationWorkflowId(world.org.slug, domain));
    expect(await handle.result()).toBe('removed');
    await recordHistory(handle, 'domain-verification-verified-then-removed');
  });

  it('stops checking a pending domain once it is removed', async () => {
    const domain = sub('dropped');
    await claimFast(domain);
    expect((await api(boss, `/${domain}`, { method: 'DELETE' })).status).toBe(204);
    expect(await h.client.workflow.getHandle(domainVerificationWorkflowId(world.org.slug, domain)).result()).toBe('removed');
    expect(await auditTypes(domain)).toEqual(['domain.claimed', 'domain.removed']);
  });

  it('checks a pending domain removed and added again against its new record, with a new deadline', async () => {
    const domain = sub('re-added');
    const first = await claimFast(domain);
    await eventually(async () => ((await h.sql`select 1 from org_domains where domain = ${domain} and check_outcome = 'no_record'`).length > 0 ? true : undefined));
    expect((await api(boss, `/${domain}`, { method: 'DELETE' })).status).toBe(204);
    const second = await claimFast(domain);
    expect(second.value).not.toBe(first.value);
    zone.setTxt(second.name, [second.value]);
    await untilStatus(domain, 'verified');
  });

  it('checks a verified domain removed and added again: the new claim gets a run of its own', async () => {
    const domain = sub('re-verified');
    // Re-checks a minute apart: only the new claim's request wakes the old run.
    const slowWatch = { ...fast, recheckEveryMs: 60_000 };
    const first = await claimFast(domain, slowWatch);
    zone.setTxt(first.name, [first.value]);
    await untilStatus(domain, 'verified');
    const handle = h.client.workflow.getHandle(domainVerificationWorkflowId(world.org.slug, domain));
    const firstRunId = (await handle.describe()).runId;
    expect((await api(boss, `/${domain}`, { method: 'DELETE' })).status).toBe(204);
    const second = await claimFast(domain, slowWatch);
    zone.setTxt(second.name, [second.value]);
    await untilStatus(domain, 'verified');
    await recordHistory(h.client.workflow.getHandle(handle.workflowId, firstRunId), 'domain-verification-replaced');
  });

  it('ends when the operator asserts the domain meanwhile', async () => {
    const domain = sub('asserted');
    await claimFast(domain);
    await addDomain(h.sql, { org: world.org.slug, domain });
    expect(await h.client.workflow.getHandle(domainVerificationWorkflowId(world.org.slug, domain)).result()).toBe('operator');
    expect(await statusOf(domain)).toEqual({ status: 'verified', verifiedBy: 'operator' });
  });

  it('loses to another organisation that verified the domain first', async () => {
    const domain = sub('contested');
    const record = await claimFast(domain);
    await addDomain(h.sql, { org: rivalWorld.org.slug, domain });
    zone.setTxt(record.name, [record.value]);
    const handle = h.client.workflow.getHandle(domainVerificationWorkflowId(world.org.slug, domain));
    expect(await handle.result()).toBe('taken');
    await recordHistory(handle, 'domain-verification-taken');
    expect(await statusOf(domain)).toEqual({ status: 'failed', verifiedBy: null });
  });
});

describe('JIT', () => {
  const refused = async (login: string) => {
    const page = await world.signIn(new TestBrowser(), login);
    expect(page.status).toBe(403);
    expect(page.body).toMatch(/Ask your admin to invite you/);
  };

  it('refuses sign-ins on a pending domain, then admits them once it is verified', async () => {
    const domain = `pending-${world.org.slug}.example`;
    const record = await claimFast(domain);
    await refused('pat');
    expect(await h.sql`select 1 from members where email = ${`pat@${domain}`}`).toHaveLength(0);
    zone.setTxt(record.name, [record.value]);
    await untilStatus(domain, 'verified');
    const page = await world.signIn(new TestBrowser(), 'pat');
    expect(page.status).toBeLessThan(400);
    expect(await h.sql`select source from members where email = ${`pat@${domain}`}`).toEqual([{ source: 'jit' }]);
  });

  it('refuses sign-ins on a failed domain', async () => {
    const domain = `failing-${world.org.slug}.example`;
    await claimFast(domain);
    await untilStatus(domain, 'failed');
    await refused('fay');
    expect(await h.sql`select 1 from members where email = ${`fay@${domain}`}`).toHaveLength(0);
  });
});

describe('the /admin/domains page', () => {
  const accept = { accept: 'text/html' };
  const tokenOf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
  const post = (browser: TestBrowser, path: string, fields: Record<string, string>) =>
    browser.follow(`${world.appUrl}${path}`, { method: 'POST', body: new URLSearchParams(fields), headers: { ...accept, origin: world.appUrl, 'content-type': 'application/x-www-form-urlencoded' } });

  it('adds a domain from the form, shows its status and the record to copy, and checks it now', async () => {
    const domain = sub('page');
    const shown = await boss.request(`${world.appUrl}/admin/domains`, { headers: accept });
    expect(shown.status).toBe(200);
    expect(shown.body).toContain(world.domain);
    expect(shown.body).toContain('verified (by the operator)');
    const added = await post(boss, '/admin/domains', { _csrf: tokenOf(shown.body), domain });
    expect(added.status).toBe(200);
    expect(added.body).toContain(`${domain} is added; create its TXT record below.`);
    const [row]: [{ token: string }] = await h.sql`select token from org_domains where org_id = ${world.org.id} and domain = ${domain}`;
    const record = challengeRecord(domain, row.token);
    expect(added.body).toContain(`<code id="record-name-${domain}">${record.name}</code>`);
    expect(added.body).toContain(`<code id="record-value-${domain}">${record.value}</code>`);
    expect(added.body).toContain('pending: waiting for the DNS record');

    zone.setTxt(record.name, [record.value]);
    const checked = await post(boss, `/admin/domains/${domain}/check`, { _csrf: tokenOf(added.body) });
    expect(checked.body).toContain(`${domain} is being checked now`);
    await untilStatus(domain, 'verified');
    expect((await boss.request(`${world.appUrl}/admin/domains`, { headers: accept })).body).toContain('verified (DNS)');
  });

  it('refuses a bad domain with a page that says why, saving nothing', async () => {
    const shown = await boss.request(`${world.appUrl}/admin/domains`, { headers: accept });
    const refused = await post(boss, '/admin/domains', { _csrf: tokenOf(shown.body), domain: 'hotmail.com' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatch(/public email provider/);
    expect(await statusOf('hotmail.com')).toBeUndefined();
  });

  it('refuses a form without the session token, and members who are not org admins', async () => {
    expect((await post(boss, '/admin/domains', { domain: sub('notoken') })).status).toBe(403);
    expect(await statusOf(sub('notoken'))).toBeUndefined();
    expect((await plain.request(`${world.appUrl}/admin/domains`, { headers: accept })).status).toBe(403);
    const rivalPage = await rival.request(`${world.appUrl}/admin/domains`, { headers: accept });
    expect(rivalPage.body).not.toContain(world.domain);
    // The page acts on the rival's own organisation, which has no such domain.
    expect((await post(rival, `/admin/domains/${world.domain}/check`, { _csrf: tokenOf(rivalPage.body) })).status).toBe(404);
  });
});
