import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETUP_STEPS } from '../api/setup/steps.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { createOrg } from '../operator/operations.ts';
import { revokeSetupLinksFor, sendSetupLinkFor } from '../operator/setup-links.ts';
import { TestBrowser } from './support/browser.ts';
import { scimOverHttp } from './support/scim.ts';
import type { SsoWorld } from './support/sso.ts';
import { setupPages, startSetupWorld, type SetupWorld } from './support/setup-pages.ts';
import type { TestHarness } from './support/temporal.ts';
import { uniqueSlug } from './support/fixtures.ts';

let smtp: SmtpSink;
let h: TestHarness;
let world: SsoWorld;
let admin: TestBrowser;
let setup: SetupWorld;

beforeAll(async () => {
  setup = await startSetupWorld();
  ({ smtp, h, world, admin } = setup);
});
afterAll(() => setup?.stop());

const { url, post, get, linkMailedTo, adminSendsLink, tokenOf } = setupPages(() => ({ sso: world, smtp, admin }));

/** Opens a link as its owner does: the confirm page (GET), then its button (POST). */
async function openLink(browser: TestBrowser, link: string) {
  const confirm = await browser.request(link, { headers: { accept: 'text/html' } });
  expect(confirm.status).toBe(200);
  return post(browser, '/setup/open', { token: tokenOf(link) });
}

const linkRow = (email: string) => h.sql<{ id: string; usedAt: Date | null; revokedAt: Date | null }[]>`
  select id, used_at as "usedAt", revoked_at as "revokedAt" from setup_links where org_id = ${world.org.id} and email = ${email} order by created_at desc`;

describe('setup links', () => {
  it('an admin emails a link; GET only shows it, POST opens a setup session once, then it refuses', async () => {
    const link = await adminSendsLink('it-one@partner.example');
    // The email says what the pages set up: every step the overview lists.
    const mailed = smtp.messages.findLast((m) => m.text?.includes(link))!.text!;
    for (const step of SETUP_STEPS) expect(mailed).toContain(`- ${step.title}: ${step.summary}`);
    const contact = new TestBrowser();
    // A mail scanner's prefetch (GET, twice) consumes nothing; the page's address, with the token, goes to no other site as Referer.
    const prefetched = await new TestBrowser().request(link);
    expect(prefetched.status).toBe(200);
    expect(prefetched.headers.get('referrer-policy')).toBe('same-origin');
    const opened = await openLink(contact, link);
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/setup');
    expect(contact.cookie(world.appUrl, 'setup-session')).toBeTruthy();
    const overview = await get(contact, '/setup');
    expect(overview.status).toBe(200);
    expect(overview.body).toContain('Directory sync (SCIM)');

    const again = await post(new TestBrowser(), '/setup/open', { token: tokenOf(link) });
    expect(again.status).toBe(410);
    expect(again.body).toContain('already used');
    expect((await new TestBrowser().request(link)).status).toBe(410);
    expect(await h.sql`select 1 from setup_sessions where org_id = ${world.org.id} and email = 'it-one@partner.example'`).toHaveLength(1);
  });

  it('a link past its expiry refuses with a page saying to ask for a new one, and starts no session', async () => {
    const link = await adminSendsLink('it-late@partner.example');
    const [row] = await linkRow('it-late@partner.example');
    await h.sql`update setup_links set expires_at = now() - interval '1 second' where id = ${row!.id}`;
    const page = await new TestBrowser().request(link, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(410);
    expect(page.body).toContain('has expired');
    expect(page.body).toContain('new setup link');
    const browser = new TestBrowser();
    expect((await post(browser, '/setup/open', { token: tokenOf(link) })).status).toBe(410);
    expect(browser.cookie(world.appUrl, 'setup-session')).toBeUndefined();
    expect((await linkRow('it-late@partner.example'))[0]!.usedAt).toBeNull();
  });

  it('a revoked link no longer opens; revoking an opened one ends its setup session', async () => {
    const unused = await adminSendsLink('it-revoked@partner.example');
    const [row] = await linkRow('it-revoked@partner.example');
    const revoked = await post(admin, `/admin/setup/links/${row!.id}/revoke`, {}, await get(admin, '/admin/setup'));
    expect(revoked.status).toBe(303);
    const refused = await new TestBrowser().request(unused, { headers: { accept: 'text/html' } });
    expect(refused.status).toBe(410);
    expect(refused.body).toContain('was revoked');

    const used = await adminSendsLink('it-revoked@partner.example');
    const contact = new TestBrowser();
    expect((await openLink(contact, used)).status).toBe(303);
    expect((await get(contact, '/setup')).status).toBe(200);
    await revokeSetupLinksFor(h.sql, { org: world.org.slug, email: 'it-revoked@partner.example' });
    expect((await get(contact, '/setup')).status).toBe(401);
  });

  it("an admin cannot revoke another organisation's link: 404, and it still opens", async () => {
    const other = await createOrg(h.sql, { slug: uniqueSlug('other'), name: 'Other' });
    const before = smtp.messages.length;
    await sendSetupLinkFor(h.sql, world.config, { org: other.slug, email: 'it@other.example' });
    const theirs = await linkMailedTo('it@other.example', before);
    const [row] = await h.sql<{ id: string }[]>`select id from setup_links where org_id = ${other.id}`;
    const refused = await post(admin, `/admin/setup/links/${row!.id}/revoke`, {}, await get(admin, '/admin/setup'));
    expect(refused.status).toBe(404);
    expect((await openLink(new TestBrowser(), theirs)).status).toBe(303);
  });

  it('the operator CLI sends a link through the same path; bad addresses are refused with nothing saved', async () => {
    const before = smtp.messages.length;
    const said = await sendSetupLinkFor(h.sql, world.config, { org: world.org.slug, email: 'it-cli@partner.example' });
    expect(said).toContain('emailed to it-cli@partner.example');
    expect(await linkMailedTo('it-cli@partner.example', before)).toContain('/setup/open?token=setup_');
    await expect(sendSetupLinkFor(h.sql, world.config, { org: world.org.slug, email: 'not-an-email' })).rejects.toThrow('is not an email address');

    const setupPage = await get(admin, '/admin/setup');
    for (const email of ['not-an-email', `${'x'.repeat(320)}@partner.example`]) {
      const refused = await post(admin, '/admin/setup/links', { email }, setupPage);
      expect(refused.status).toBe(400);
      expect(refused.body).toContain('must be an email address');
    }
    expect(await h.sql`select 1 from setup_links where org_id = ${world.org.id} and email not like '%@partner.example'`).toHaveLength(0);
  });

  it('a link whose email cannot be sent is withdrawn and the admin is told', async () => {
    await smtp.stop();
    try {
      const refused = await post(admin, '/admin/setup/links', { email: 'it-nomail@partner.example' }, await get(admin, '/admin/setup'));
      expect(refused.status).toBe(503);
      expect(refused.body).toContain('could not be sent');
      const [row] = await linkRow('it-nomail@partner.example');
      expect(row!.revokedAt).not.toBeNull();
    } finally {
      smtp = await startSmtpSink({ port: Number(new URL(smtp.url).port) });
    }
  });
});

describe('the setup session is confined to its organisation\'s setup pages', () => {
  let contact: TestBrowser;
  beforeAll(async () => {
    contact = new TestBrowser();
    expect((await openLink(contact, await adminSendsLink('it-confined@partner.example'))).status).toBe(303);
  });

  it('opens no member API or page: /api/me, /admin/*, site content', async () => {
    expect((await contact.request(url('/api/me'))).status).toBe(401);
    expect((await get(contact, '/admin/members')).status).toBe(401);
    expect((await get(contact, '/admin/setup')).status).toBe(401);
    expect((await get(contact, '/')).status).toBe(401);
    expect((await contact.request(url('/api/sites/00000000-0000-4000-8000-000000000000/announcements'))).status).toBe(401);
  });

  it('a member session (even an org admin\'s) opens no setup page', async () => {
    const page = await get(admin, '/setup');
    expect(page.status).toBe(401);
    expect(page.body).toContain('setup link');
    expect((await get(admin, '/setup/scim')).status).toBe(401);
  });

  it('another organisation\'s IT contact cannot be removed: 404, nothing changes', async () => {
    const other = await createOrg(h.sql, { slug: uniqueSlug('other'), name: 'Other' });
    await h.sql`insert into it_contacts (org_id, email) values (${other.id}, 'a@other.example'), (${other.id}, 'b@other.example')`;
    const [theirs] = await h.sql<{ id: string }[]>`select id from it_contacts where org_id = ${other.id} limit 1`;
    const refused = await post(contact, `/setup/it-contacts/${theirs!.id}/remove`, {}, await get(contact, '/setup/it-contacts'));
    expect(refused.status).toBe(404);
    expect(await h.sql`select 1 from it_contacts where org_id = ${other.id}`).toHaveLength(2);
  });

  it('a form without the setup session\'s form token is refused', async () => {
    const refused = await post(contact, '/setup/it-contacts', { email: 'sneaky@partner.example', _csrf: 'forged' });
    expect(refused.status).toBe(403);
    expect(await h.sql`select 1 from it_contacts where email = 'sneaky@partner.example'`).toHaveLength(0);
  });

  it('ending the setup session signs the browser out of the setup pages', async () => {
    const browser = new TestBrowser();
    expect((await openLink(browser, await adminSendsLink('it-leaving@partner.example'))).status).toBe(303);
    expect((await post(browser, '/setup/sign-out', {}, await get(browser, '/setup'))).status).toBe(303);
    expect((await get(browser, '/setup')).status).toBe(401);
  });
});

describe('setup pages: SCIM token and IT contacts', () => {
  let contact: TestBrowser;
  beforeAll(async () => {
    contact = new TestBrowser();
    expect((await openLink(contact, await adminSendsLink('it-pages@partner.example'))).status).toBe(303);
  });

  it('a token created on the page authenticates real SCIM requests, once shown; rotated or revoked, it no longer does', async () => {
    const page = await get(contact, '/setup/scim');
    expect(page.body).toContain(`${world.appUrl}/scim/v2`);
    expect(page.body).toContain('Okta');
    expect(page.body).toContain('Microsoft Entra ID');
    const tooLong = await post(contact, '/setup/scim/create', { name: 'n'.repeat(101) }, page);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toContain('at most 100 characters');
    const twoLines = await post(contact, '/setup/scim/create', { name: 'Okta\tprod\nsecond line' }, page);
    expect(twoLines.status).toBe(400);
    expect(twoLines.body).toContain('must be one line');
    expect(await h.sql`select 1 from scim_tokens where org_id = ${world.org.id}`).toHaveLength(0);

    const created = await post(contact, '/setup/scim/create', { name: 'Okta production' }, page);
    expect(created.status).toBe(201);
    const token = /value="(scim_[^"]+)"/.exec(created.body)![1]!;
    expect((await scimOverHttp(world.appUrl, token, 'GET', '/Users')).status).toBe(200);
    expect((await get(contact, '/setup/scim')).body).not.toContain(token);
    expect((await post(contact, '/setup/scim/create', {}, page)).status).toBe(409);

    const withLive = await get(contact, '/setup/scim');
    const replaces = /name="replaces" value="([^"]+)"/.exec(withLive.body)![1]!;
    const rotated = await post(contact, '/setup/scim/rotate', { replaces }, withLive);
    const replacement = /value="(scim_[^"]+)"/.exec(rotated.body)![1]!;
    expect((await scimOverHttp(world.appUrl, token, 'GET', '/Users')).status).toBe(401);
    expect((await scimOverHttp(world.appUrl, replacement, 'GET', '/Users')).status).toBe(200);
    // The same form again (a reload of the answer): refused, and the token just shown keeps working.
    const resent = await post(contact, '/setup/scim/rotate', { replaces }, withLive);
    expect(resent.status).toBe(409);
    expect(resent.body).toContain('this form was sent twice');
    expect((await scimOverHttp(world.appUrl, replacement, 'GET', '/Users')).status).toBe(200);
    expect((await post(contact, '/setup/scim/rotate', {}, withLive)).status).toBe(400);

    const current = await get(contact, '/setup/scim');
    const revokes = /name="revokes" value="([^"]+)"/.exec(current.body)![1]!;
    // A revoke form from before the rotation names the old token: it revokes nothing.
    const stale = await post(contact, '/setup/scim/revoke', { revokes: replaces }, current);
    expect(stale.status).toBe(409);
    expect(stale.body).toContain('Nothing was revoked');
    expect((await scimOverHttp(world.appUrl, replacement, 'GET', '/Users')).status).toBe(200);
    expect((await post(contact, '/setup/scim/revoke', { revokes }, current)).status).toBe(303);
    expect((await scimOverHttp(world.appUrl, replacement, 'GET', '/Users')).status).toBe(401);
    expect((await post(contact, '/setup/scim/revoke', { revokes }, current)).status).toBe(409);
    expect((await post(contact, '/setup/scim/revoke', {}, current)).status).toBe(400);
  });

  it('IT contacts: add, refuse bad input, remove, and never the last one', async () => {
    const page = await get(contact, '/setup/it-contacts');
    expect((await post(contact, '/setup/it-contacts', { email: 'new-it@partner.example', name: 'New IT' }, page)).status).toBe(303);
    for (const email of ['nope', `${'y'.repeat(320)}@partner.example`]) {
      expect((await post(contact, '/setup/it-contacts', { email }, page)).status).toBe(400);
    }
    expect((await post(contact, '/setup/it-contacts', { email: 'ok@partner.example', name: 'n'.repeat(201) }, page)).status).toBe(400);
    expect(await h.sql`select 1 from it_contacts where org_id = ${world.org.id} and email in ('nope', 'ok@partner.example')`).toHaveLength(0);

    const contacts = () => h.sql<{ id: string; email: string }[]>`select id, email from it_contacts where org_id = ${world.org.id} order by email`;
    // This session's own contact goes last: removing it ends the session.
    const others = (await contacts()).filter((c) => c.email !== 'new-it@partner.example').sort((a, b) => Number(a.email === 'it-pages@partner.example') - Number(b.email === 'it-pages@partner.example'));
    for (const c of others) expect((await post(contact, `/setup/it-contacts/${c.id}/remove`, {}, page)).status).toBe(303);
    // The contact in this session removed themselves last: their session ended with it.
    expect((await get(contact, '/setup/it-contacts')).status).toBe(401);
    const [last] = await contacts();
    expect(last!.email).toBe('new-it@partner.example');

    const newcomer = new TestBrowser();
    expect((await openLink(newcomer, await adminSendsLink('new-it@partner.example'))).status).toBe(303);
    const refused = await post(newcomer, `/setup/it-contacts/${last!.id}/remove`, {}, await get(newcomer, '/setup/it-contacts'));
    expect(refused.status).toBe(409);
    expect(refused.body).toContain('last IT contact');
    expect(await contacts()).toHaveLength(1);
  });

  it('every setup action is in the admin\'s setup activity, with who did it', async () => {
    const page = await get(admin, '/admin/setup');
    for (const sentence of ['Setup link sent to it-pages@partner.example', 'Setup link of it-pages@partner.example opened', 'Directory token created', 'Directory token rotated', 'Directory token revoked', 'IT contact new-it@partner.example added', 'removed (by IT contact it-pages@partner.example)', 'by The Boss']) {
      expect(page.body).toContain(sentence);
    }
  });
});
