/**
 * /setup/domains: an IT contact verifies the organisation's domains from a setup session, with the
 * same actions and refusals as /admin/domains, over HTTP against the real api, Temporal, PostgreSQL
 * and a DNS server on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengeRecord } from '../domain/domain-verification.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { createOrg, makeOrgAdmin } from '../operator/operations.ts';
import { TestBrowser, type Page } from './support/browser.ts';
import { startDnsServer, type TestDnsServer } from './support/dns-server.ts';
import { unclaimableDomains, uniqueSlug } from './support/fixtures.ts';
import { setupPages } from './support/setup-pages.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, terminateRunningWorkflows, type TestHarness } from './support/temporal.ts';

let smtp: SmtpSink;
let zone: TestDnsServer;
let h: TestHarness;
let world: SsoWorld;
let rivalWorld: SsoWorld;
let admin: TestBrowser;
let contact: TestBrowser;

const IT = 'it-domains@partner.example';

beforeAll(async () => {
  [smtp, zone] = await Promise.all([startSmtpSink(), startDnsServer()]);
  h = await startHarness({ smtpUrl: smtp.url, dns: { servers: [zone.server], timeoutMs: 300, tries: 1 } });
  world = await startSsoWorld(h, (domain) => [{ login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' }], { SMTP_URL: smtp.url });
  rivalWorld = await startSsoWorld(h, () => []);
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  admin = new TestBrowser();
  await world.signIn(admin, 'boss');
  contact = new TestBrowser();
  expect((await post(contact, '/setup/open', { token: tokenOf(await adminSendsLink(IT)) })).status).toBe(303);
});
afterAll(async () => {
  await terminateRunningWorkflows(h);
  await world?.stop();
  await rivalWorld?.stop();
  await h?.stop();
  await Promise.all([smtp?.stop(), zone?.stop()]);
});

const { post, get, adminSendsLink, tokenOf } = setupPages(() => ({ sso: world, smtp, admin }));
const sub = (label: string) => `${label}-${world.org.slug}.example`;

/** Follows a form's redirect as a browser does, so the notice shows on the page it lands on. */
async function submit(browser: TestBrowser, path: string, fields: Record<string, string>, from: Page) {
  const answer = await post(browser, path, fields, from);
  return answer.status === 303 ? get(browser, answer.headers.get('location')!) : answer;
}

const rows = (orgId = world.org.id) =>
  h.sql<{ domain: string; status: string; verifiedBy: string | null }[]>`select domain, status, verified_by as "verifiedBy" from org_domains where org_id = ${orgId} order by domain`;
const audit = (domain: string) => h.sql<{ type: string; actor: string }[]>`select type, actor from audit_events where org_id = ${world.org.id} and data->>'domain' = ${domain} order by id`;
const counts = async () => (await h.sql`select (select count(*) from org_domains)::int as domains, (select count(*) from audit_events where org_id = ${world.org.id})::int as audit`)[0];

describe('an IT contact verifies a domain from the setup session', () => {
  const domain = () => sub('setup');

  it('adds a domain: pending, with the exact TXT record to create, audited with the IT contact as actor', async () => {
    const page = await get(contact, '/setup/domains');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Domains</h1>');
    expect(page.body).toContain(world.domain);
    const added = await submit(contact, '/setup/domains', { domain: domain().toUpperCase() }, page);
    expect(added.status).toBe(200);
    expect(added.body).toContain(`${domain()} is added; create its TXT record below.`);
    const [row]: [{ token: string }] = await h.sql`select token from org_domains where org_id = ${world.org.id} and domain = ${domain()}`;
    const record = challengeRecord(domain(), row.token);
    expect(added.body).toContain(`<code id="record-name-${domain()}">${record.name}</code>`);
    expect(added.body).toContain('<code>TXT</code>');
    expect(added.body).toContain(`<code id="record-value-${domain()}">${record.value}</code>`);
    expect(added.body).toContain('pending: waiting for the DNS record');
    // The copy button is shown by the page's script only; without JavaScript the value stays selectable text.
    expect(added.body).toContain(`data-copy="record-value-${domain()}" aria-label="Copy record value of ${domain()}" hidden>Copy</button>`);
    expect((await rows()).find((r) => r.domain === domain())).toEqual({ domain: domain(), status: 'pending', verifiedBy: null });
    expect(await audit(domain())).toEqual([{ type: 'domain.claimed', actor: `setup:${IT}` }]);
  });

  it('"Check now" once the DNS server serves the record: verified, in the status feed and on the admin side', async () => {
    const page = await get(contact, '/setup/domains');
    const [row]: [{ token: string }] = await h.sql`select token from org_domains where org_id = ${world.org.id} and domain = ${domain()}`;
    const record = challengeRecord(domain(), row.token);
    zone.setTxt(record.name, [record.value]);
    const checked = await submit(contact, `/setup/domains/${domain()}/check`, {}, page);
    expect(checked.body).toContain(`${domain()} is being checked now`);
    await eventually(async () => ((await rows()).find((r) => r.domain === domain())?.status === 'verified' ? true : undefined));
    expect((await rows()).find((r) => r.domain === domain())).toEqual({ domain: domain(), status: 'verified', verifiedBy: 'dns' });
    expect(await audit(domain())).toEqual([
      { type: 'domain.claimed', actor: `setup:${IT}` },
      { type: 'domain.verified', actor: 'system:domain-verification' },
    ]);

    const feed = await contact.request(`${world.appUrl}/setup/domains/status`, { headers: { accept: 'application/json' } });
    expect(feed.status).toBe(200);
    expect(feed.headers.get('cache-control')).toBe('no-store');
    expect(JSON.parse(feed.body).domains).toContainEqual({ domain: domain(), status: 'verified', statusWords: 'verified (DNS)', lastCheck: { at: expect.any(String), description: expect.any(String) } });

    const adminPage = await get(admin, '/admin/domains');
    expect(adminPage.body).toMatch(new RegExp(`id="status-${domain()}" data-domain-status="verified"[^>]*>verified \\(DNS\\)`));
    const activity = (await get(admin, '/admin/setup')).body;
    expect(activity).toContain(`Domain ${domain()} added; waiting for its DNS record (by IT contact ${IT})`);
    expect(activity).toContain(`Domain ${domain()} verified by its DNS record (by the service)`);
  });

  it('removes a domain after a confirmation page that says what removing it does; audited, and gone from the page', async () => {
    const removable = sub('removable');
    await submit(contact, '/setup/domains', { domain: removable }, await get(contact, '/setup/domains'));
    const list = await get(contact, '/setup/domains');
    expect(list.body).toContain(`<a href="/setup/domains/${removable}/remove" aria-label="Remove: ${removable}">Remove</a>`);
    const confirm = await get(contact, `/setup/domains/${removable}/remove`);
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain(`<h1>Remove ${removable}?</h1>`);
    expect(confirm.body).toContain('Its check stops');
    expect((await rows()).map((r) => r.domain)).toContain(removable);

    const removed = await submit(contact, `/setup/domains/${removable}/remove`, {}, confirm);
    expect(removed.status).toBe(200);
    expect(removed.body).toContain(`${removable} is removed.`);
    expect(removed.body).not.toContain(`id="domain-${removable}"`);
    expect((await rows()).map((r) => r.domain)).not.toContain(removable);
    expect(await audit(removable)).toEqual([
      { type: 'domain.claimed', actor: `setup:${IT}` },
      { type: 'domain.removed', actor: `setup:${IT}` },
    ]);
    const again = await post(contact, `/setup/domains/${removable}/remove`, {}, confirm);
    expect(again.status).toBe(404);
  });

  it('warns before removing a verified domain that new people on it can no longer get an account', async () => {
    const confirm = await get(admin, `/admin/domains/${domain()}/remove`);
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('can no longer get an account by signing in');
  });

  it('the admin\'s status feed answers the same, for the admin\'s own organisation', async () => {
    const feed = await admin.request(`${world.appUrl}/admin/domains/status`, { headers: { accept: 'application/json' } });
    expect(feed.status).toBe(200);
    expect(JSON.parse(feed.body).domains.map((d: { domain: string }) => d.domain)).toEqual((await rows()).map((r) => r.domain));
  });
});

describe('refusals: a 4xx page saying why, nothing saved', () => {
  it.each(unclaimableDomains)('refuses %s', async (domain, status, message) => {
    const before = await counts();
    const refused = await post(contact, '/setup/domains', { domain }, await get(contact, '/setup/domains'));
    expect(refused.status).toBe(status);
    expect(refused.headers.get('content-type')).toContain('text/html');
    expect(refused.body).toMatch(message);
    expect(await counts()).toEqual(before);
  });

  it('refuses a domain another organisation has verified (409)', async () => {
    const before = await counts();
    const refused = await post(contact, '/setup/domains', { domain: rivalWorld.domain }, await get(contact, '/setup/domains'));
    expect(refused.status).toBe(409);
    expect(refused.body).toContain('already verified by another organisation');
    expect(await counts()).toEqual(before);
  });

  it('refuses a form without the setup session\'s form token (403)', async () => {
    const refused = await post(contact, '/setup/domains', { domain: sub('forged'), _csrf: 'forged' });
    expect(refused.status).toBe(403);
    expect((await rows()).map((r) => r.domain)).not.toContain(sub('forged'));
  });

  it('has no record to check, and no removal, on an operator-verified domain (409)', async () => {
    const page = await get(contact, '/setup/domains');
    expect(page.body).not.toContain(`/setup/domains/${world.domain}/remove`);
    for (const action of ['check', 'remove']) {
      const refused = await post(contact, `/setup/domains/${world.domain}/${action}`, {}, page);
      expect(refused.status).toBe(409);
      expect(refused.body).toContain('verified by the service operator');
    }
    // Nor a confirmation page whose button could only be refused.
    const confirm = await get(contact, `/setup/domains/${world.domain}/remove`);
    expect(confirm.status).toBe(409);
    expect(confirm.body).toContain('verified by the service operator');
    expect((await rows()).find((r) => r.domain === world.domain)).toMatchObject({ status: 'verified', verifiedBy: 'operator' });
  });

  it("another organisation's domain in the URL is a 404 and changes nothing", async () => {
    const other = await createOrg(h.sql, { slug: uniqueSlug('other'), name: 'Other' });
    const theirs = `theirs-${other.slug}.example`;
    await h.sql`insert into org_domains (domain, org_id, status, token) values (${theirs}, ${other.id}, 'failed', ${'a'.repeat(32)})`;
    const page = await get(contact, '/setup/domains');
    expect(page.body).not.toContain(theirs);
    const before = { mine: await rows(), theirs: await rows(other.id), counts: await counts() };
    for (const domain of [theirs, rivalWorld.domain, '..%2F..%2Fadmin']) {
      for (const action of ['check', 'remove']) {
        const refused = await post(contact, `/setup/domains/${domain}/${action}`, {}, page);
        expect(refused.status).toBe(404);
        expect(refused.body).toContain('has not added this domain');
      }
      expect((await get(contact, `/setup/domains/${domain}/remove`)).status).toBe(404);
    }
    expect({ mine: await rows(), theirs: await rows(other.id), counts: await counts() }).toEqual(before);
    expect(JSON.parse((await contact.request(`${world.appUrl}/setup/domains/status`)).body).domains.map((d: { domain: string }) => d.domain)).not.toContain(theirs);
  });
});

describe('each session opens only its own pages', () => {
  it('a member session, even an org admin\'s, opens no /setup/domains page or feed', async () => {
    for (const path of ['/setup/domains', '/setup/domains/status']) expect((await get(admin, path)).status).toBe(401);
    const refused = await post(admin, '/setup/domains', { domain: sub('member') }, await get(admin, '/admin/domains'));
    expect(refused.status).toBe(401);
    expect((await rows()).map((r) => r.domain)).not.toContain(sub('member'));
  });

  it('a setup session opens no /admin/domains page or feed', async () => {
    for (const path of ['/admin/domains', '/admin/domains/status']) expect((await get(contact, path)).status).toBe(401);
    const refused = await post(contact, '/admin/domains', { domain: sub('contact') }, await get(contact, '/setup/domains'));
    expect(refused.status).toBe(401);
    expect((await rows()).map((r) => r.domain)).not.toContain(sub('contact'));
  });
});
