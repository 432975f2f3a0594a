import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOrgAdmin } from '../operator/operations.ts';
import { TestBrowser, type Page } from './support/browser.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { startHarness, type TestHarness } from './support/temporal.ts';

// The org admin's member page over HTTP (issue 16, items 4 to 10): notices, refused forms that keep
// what was typed, the admin's own timeline, members without a name, the disable confirmation step.
let h: TestHarness;
let w: SsoWorld;
const html = { accept: 'text/html' };

beforeAll(async () => {
  h = await startHarness();
  w = await startSsoWorld(h, (domain) => [
    { login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'Avery Admin' },
    { login: 'alice', email: `alice@${domain}`, email_verified: true, name: 'Alice Example' },
  ]);
  await makeOrgAdmin(h.sql, { org: w.org.slug, email: `boss@${w.domain}` });
});
afterAll(async () => {
  await w?.stop();
  await h?.stop();
});

const tokenOf = (page: Page) => /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
const idOf = async (login: string) => (await h.sql<{ id: string }[]>`select id from members where email = ${`${login}@${w.domain}`}`)[0]!.id;
/** The visible text of a page, tags dropped, so assertions read as the admin reads. */
const textOf = (page: Page) => page.body.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

async function signedIn(login: string) {
  const browser = new TestBrowser();
  await w.signIn(browser, login);
  const home = await browser.request(`${w.appUrl}/`, { headers: html });
  return { browser, token: tokenOf(home) };
}
const get = (browser: TestBrowser, path: string) => browser.request(`${w.appUrl}${path}`, { headers: html });
const post = (browser: TestBrowser, path: string, fields: Record<string, string>) =>
  browser.request(`${w.appUrl}${path}`, {
    method: 'POST',
    body: new URLSearchParams(fields),
    headers: { ...html, 'content-type': 'application/x-www-form-urlencoded', origin: new URL(w.appUrl).origin },
  });

describe('the member page over HTTP', () => {
  it('an assignment ends with its confirmation on the member page, shown once', async () => {
    await signedIn('alice');
    const alice = await idOf('alice');
    const [site] = await h.sql<{ id: string }[]>`insert into sites (org_id, name) values (${w.org.id}, 'Berlin HQ') returning id`;
    const { browser, token } = await signedIn('boss');
    const done = await post(browser, `/admin/members/${alice}/sites`, { _csrf: token, siteId: site!.id, role: 'site_member' });
    expect(done.status).toBe(303);
    const page = await get(browser, `/admin/members/${alice}`);
    expect(page.body).toContain('<p class="done" role="status">Alice Example can now see Berlin HQ as a site member.</p>');
    expect(textOf(page)).toContain('Avery Admin gave them access to Berlin HQ as a site member');
    expect(textOf(await get(browser, `/admin/members/${alice}`))).not.toContain('can now see');

    await post(browser, `/admin/members/${alice}/sites/${site!.id}/remove`, { _csrf: token });
    expect((await get(browser, `/admin/members/${alice}`)).body).toContain('Alice Example no longer sees Berlin HQ.');
  });

  it('a refused form comes back with what was typed and the reason beside it, and changes nothing', async () => {
    const alice = await idOf('alice');
    const boss = await idOf('boss');
    const { browser, token } = await signedIn('boss');
    const long = 'r'.repeat(501);
    const refused = await post(browser, `/admin/members/${alice}/disable`, { _csrf: token, reason: long });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('<h1>Disable Alice Example?</h1>');
    expect(refused.body).toContain(`value="${long}"`);
    expect(refused.body).toMatch(/<p class="error" id="disable-error" role="alert">[^<]*reason/);
    expect((await h.sql`select status from members where id = ${alice}`)[0]!.status).toBe('active');

    // The last org admin cannot make themselves a member: the role form keeps "member" selected.
    const lastAdmin = await post(browser, `/admin/members/${boss}/role`, { _csrf: token, orgRole: 'member' });
    expect(lastAdmin.status).toBe(409);
    expect(lastAdmin.body).toContain('<h1>Avery Admin</h1>');
    expect(lastAdmin.body).toMatch(/id="role-error" role="alert">This is the last active org admin/);
    expect(lastAdmin.body).toMatch(/<option value="member" selected>/);
    expect((await h.sql`select org_role from members where id = ${boss}`)[0]!.org_role).toBe('org_admin');

    // A site of another organisation: refused as unknown, the page shown again with the message.
    const other = await h.sql<{ id: string }[]>`
      with o as (insert into organisations (slug, name) values ('other-org-pages', 'Other') returning id)
      insert into sites (org_id, name) select id, 'Secret Site' from o returning id`;
    const foreign = await post(browser, `/admin/members/${alice}/sites`, { _csrf: token, siteId: other[0]!.id, role: 'site_admin' });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toMatch(/id="sites-error" role="alert">No such site in this organisation/);
    expect(foreign.body).toMatch(/<option value="site_admin" selected>/);
    expect(foreign.body).not.toContain('Secret Site');
    expect(await h.sql`select 1 from site_assignments where site_id = ${other[0]!.id}`).toHaveLength(0);
  });

  it('disabling goes through a confirmation page; a disabled member is offered no site changes, with the reason why', async () => {
    const alice = await idOf('alice');
    const { browser, token } = await signedIn('boss');
    const page = await get(browser, `/admin/members/${alice}`);
    expect(page.body).not.toContain(`action="/admin/members/${alice}/disable"`);
    expect(page.body).toContain(`href="/admin/members/${alice}/disable"`);
    const confirm = await get(browser, `/admin/members/${alice}/disable`);
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain(`action="/admin/members/${alice}/disable"`);
    expect((await h.sql`select status from members where id = ${alice}`)[0]!.status).toBe('active');

    expect((await post(browser, `/admin/members/${alice}/disable`, { _csrf: token, reason: 'left the company' })).status).toBe(303);
    const disabled = await get(browser, `/admin/members/${alice}`);
    const text = textOf(disabled);
    expect(text).toContain('Alice Example is disabled: left the company.');
    expect(text).toContain('Disabled by Avery Admin: “left the company”');
    expect(text).toContain('Sites cannot be changed while Alice Example is disabled');
    expect(disabled.body).not.toContain(`action="/admin/members/${alice}/sites"`);
    expect(text).toContain('Enable: they can sign in again');
    expect((await get(browser, `/admin/members/${alice}/disable`)).body).toContain('Alice Example is already disabled');

    expect((await post(browser, `/admin/members/${alice}/enable`, { _csrf: token, reason: '' })).status).toBe(303);
    expect(textOf(await get(browser, `/admin/members/${alice}`))).toContain('Alice Example is active again.');
  });

  it('a notice cut at its length limit inside an emoji still leaves the page and the decision stands (no 500)', async () => {
    await signedIn('alice');
    const alice = await idOf('alice');
    const { browser, token } = await signedIn('boss');
    // "Alice Example is disabled: " is 27 characters: the wave's two UTF-16 halves sit at 299 and 300;
    // the notice keeps whole characters (the wave, not the final full stop).
    const reason = `${'a'.repeat(272)}👋`;
    const done = await post(browser, `/admin/members/${alice}/disable`, { _csrf: token, reason });
    expect(done.status).toBe(303);
    expect((await h.sql`select status from members where id = ${alice}`)[0]!.status).toBe('disabled');
    const page = await get(browser, `/admin/members/${alice}`);
    expect(page.body).toContain(`<p class="done" role="status">Alice Example is disabled: ${reason}</p>`);
    expect((await post(browser, `/admin/members/${alice}/enable`, { _csrf: token, reason: '' })).status).toBe(303);
  });

  it('a notice in Japanese fits in one cookie a browser keeps (4096 bytes, name and value), so it is shown', async () => {
    await signedIn('alice');
    const alice = await idOf('alice');
    const { browser, token } = await signedIn('boss');
    const reason = '退職のため'.repeat(56);
    const done = await post(browser, `/admin/members/${alice}/disable`, { _csrf: token, reason });
    expect(done.status).toBe(303);
    const notice = done.headers.getSetCookie().find((line) => /^(__Host-)?notice=/.test(line))!;
    expect(Buffer.byteLength(notice.split(';')[0]!)).toBeLessThanOrEqual(4096);
    expect((await get(browser, `/admin/members/${alice}`)).body).toContain(`<p class="done" role="status">Alice Example is disabled: ${reason.slice(0, 300 - 27)}</p>`);
    expect((await post(browser, `/admin/members/${alice}/enable`, { _csrf: token, reason: '' })).status).toBe(303);
  });

  it("another organisation's member has no disable confirmation page here: 404, nothing of theirs shown", async () => {
    const [stranger] = await h.sql<{ id: string }[]>`
      with o as (insert into organisations (slug, name) values ('stranger-org-pages', 'Stranger Org') returning id)
      insert into members (org_id, email, name, source) select id, 'stranger@stranger.example', 'Stranger Danger', 'operator' from o returning id`;
    const { browser, token } = await signedIn('boss');
    for (const path of [`/admin/members/${stranger!.id}/disable`, `/admin/members/${stranger!.id}`]) {
      const page = await get(browser, path);
      expect(page.status, path).toBe(404);
      expect(page.body, path).not.toContain('Stranger Danger');
    }
    // A refused form is shown again only for a member of the admin's own organisation.
    const refused = await post(browser, `/admin/members/${stranger!.id}/disable`, { _csrf: token, reason: 'r'.repeat(501) });
    expect(refused.status).toBe(404);
    expect(refused.body).not.toContain('Stranger Danger');
    expect((await h.sql`select status from members where id = ${stranger!.id}`)[0]!.status).toBe('active');
  });

  it('a refused invitation comes back as typed with the reason, and invites nobody', async () => {
    const { browser, token } = await signedIn('boss');
    const member = await post(browser, '/admin/invitations', { _csrf: token, email: `alice@${w.domain}`, orgRole: 'org_admin' });
    expect(member.status).toBe(409);
    expect(member.body).toMatch(/<p class="error" id="invite-error" role="alert">alice@[^ ]+ is already a member/);
    expect(member.body).toContain(`value="alice@${w.domain}"`);
    expect(member.body).toMatch(/<option value="org_admin" selected>/);
    const notEmail = await post(browser, '/admin/invitations', { _csrf: token, email: 'not an <email>', orgRole: 'member' });
    expect(notEmail.status).toBe(400);
    expect(notEmail.body).toContain('value="not an &lt;email&gt;"');
    expect(notEmail.body).toContain('aria-invalid="true"');
    expect(await h.sql`select 1 from invitations where org_id = ${w.org.id} and email in (${`alice@${w.domain}`}, 'not an <email>')`).toHaveLength(0);
  });

  it("an admin's own page shows events about them, not the invitations they sent", async () => {
    const boss = await idOf('boss');
    const { browser, token } = await signedIn('boss');
    expect((await post(browser, '/admin/invitations', { _csrf: token, email: 'guest@partner.example', orgRole: 'member' })).status).toBe(303);
    expect(textOf(await get(browser, '/admin/invitations'))).toContain('guest@partner.example is invited as a member');
    const own = textOf(await get(browser, `/admin/members/${boss}`));
    expect(own).toContain('Account created from an invitation');
    expect(own).toContain('Accepted their invitation');
    expect(own).toMatch(/Signed in for the first time through .+ SSO/);
    expect(own).not.toContain('guest@partner.example');
    expect(own).not.toMatch(/invitation\.|member\.|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}|null/);
  });

  it('a directory member without a name shows their email once, and how they joined in words', async () => {
    const [m] = await h.sql<{ id: string }[]>`
      insert into members (org_id, email, name, source) values (${w.org.id}, ${`noname@${w.domain}`}, '', 'directory') returning id`;
    const { browser } = await signedIn('boss');
    const page = await get(browser, `/admin/members/${m!.id}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<h1>noname@${w.domain}</h1>`);
    expect(page.body).not.toContain('<dt>Email</dt>');
    expect(textOf(page)).toContain('How they joined From the directory');
  });

  it('times render as <time> in UTC with how long ago, and the local-time script is served same-origin', async () => {
    const alice = await idOf('alice');
    const { browser } = await signedIn('boss');
    const page = await get(browser, `/admin/members/${alice}`);
    expect(page.body).toMatch(/<time datetime="\d{4}-\d\d-\d\dT[^"]+Z"><span class="at">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/span> \((just now|\d+ minutes? ago|less than a minute ago)\)<\/time>/);
    expect(page.body).toContain('<script src="/local-time.js" defer></script>');
    const script = await get(browser, '/local-time.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect(script.body).toContain('Intl.DateTimeFormat');
  });
});
