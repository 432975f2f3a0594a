import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionCookieName } from '../auth/sessions.ts';
import { makeOrgAdmin } from '../operator/operations.ts';
import { TestBrowser, type Page } from './support/browser.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { startHarness, type TestHarness } from './support/temporal.ts';

// Second review of issue 10: the admin and member pages attacked over plain HTTP with cookies.
const XSS_NAME = '<script>alert("name")</script>';
const XSS_TITLE = '<img src=x onerror=alert("title")>';
const XSS_REASON = '"></p><script>alert("reason")</script>';

let h: TestHarness;
let a: SsoWorld;
let b: SsoWorld;
const html = { accept: 'text/html' };

const accounts = (domain: string) => [
  { login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' },
  { login: 'mallory', email: `mallory@${domain}`, email_verified: true, name: XSS_NAME },
  { login: 'victim', email: `victim@${domain}`, email_verified: true, name: 'Vic Tim' },
];

beforeAll(async () => {
  h = await startHarness();
  a = await startSsoWorld(h, accounts);
  b = await startSsoWorld(h, accounts);
  for (const w of [a, b]) await makeOrgAdmin(h.sql, { org: w.org.slug, email: `boss@${w.domain}` });
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await h?.stop();
});

const memberId = async (w: SsoWorld, login: string) => {
  const [row] = await h.sql<{ id: string }[]>`select id from members where org_id = ${w.org.id} and email = ${`${login}@${w.domain}`}`;
  return row!.id;
};
const memberRow = async (id: string) => (await h.sql<{ status: string; org_role: string }[]>`select status, org_role from members where id = ${id}`)[0]!;
const tokenOf = (page: Page) => /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';

async function signedIn(w: SsoWorld, login: string) {
  const browser = new TestBrowser();
  await w.signIn(browser, login);
  const home = await browser.request(`${w.appUrl}/`, { headers: html });
  expect(home.status).toBe(200);
  return { browser, token: tokenOf(home) };
}

/** A form post as a browser on `w`'s own origin sends it. */
const post = (browser: TestBrowser, w: SsoWorld, path: string, fields: Record<string, string>, origin = new URL(w.appUrl).origin) =>
  browser.request(`${w.appUrl}${path}`, {
    method: 'POST',
    body: new URLSearchParams(fields),
    headers: { ...html, 'content-type': 'application/x-www-form-urlencoded', origin },
  });

describe('admin pages across organisations (IDOR)', () => {
  it('an admin of A cannot disable, promote, or assign sites to a member of B through the forms', async () => {
    await signedIn(b, 'victim');
    const victim = await memberId(b, 'victim');
    const { browser, token } = await signedIn(a, 'boss');
    const [siteA] = await h.sql<{ id: string }[]>`insert into sites (org_id, name) values (${a.org.id}, 'A Office') returning id`;

    for (const [path, fields] of [
      [`/admin/members/${victim}/disable`, { reason: 'cross-org' }],
      [`/admin/members/${victim}/role`, { orgRole: 'org_admin' }],
      [`/admin/members/${victim}/sites`, { siteId: siteA!.id, role: 'site_admin' }],
    ] as const) {
      const res = await post(browser, a, path, { _csrf: token, ...fields });
      expect(res.status, path).toBe(404);
    }
    expect(await memberRow(victim)).toEqual({ status: 'active', org_role: 'member' });
    expect(await h.sql`select 1 from site_assignments where member_id = ${victim}`).toHaveLength(0);
    const view = await browser.request(`${a.appUrl}/admin/members/${victim}`, { headers: html });
    expect(view.status).toBe(404);
    expect(view.body).not.toContain(`victim@${b.domain}`);
  });

  it('an admin of A cannot assign their own member to a site of B, nor remove one', async () => {
    const { browser, token } = await signedIn(a, 'boss');
    await signedIn(a, 'victim');
    const victimA = await memberId(a, 'victim');
    const [siteB] = await h.sql<{ id: string }[]>`insert into sites (org_id, name) values (${b.org.id}, 'B Secret Office') returning id`;
    const res = await post(browser, a, `/admin/members/${victimA}/sites`, { _csrf: token, siteId: siteB!.id, role: 'site_member' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await h.sql`select 1 from site_assignments where site_id = ${siteB!.id}`).toHaveLength(0);
    const page = await browser.request(`${a.appUrl}/admin/members/${victimA}`, { headers: html });
    expect(page.body).not.toContain('B Secret Office');
  });

  it('an admin of A cannot revoke an invitation of B', async () => {
    const bossB = await signedIn(b, 'boss');
    const invited = await post(bossB.browser, b, '/admin/invitations', { _csrf: bossB.token, email: `guest@${b.domain}`, orgRole: 'member' });
    expect(invited.status).toBe(303);
    const [inv] = await h.sql<{ id: string }[]>`select id from invitations where org_id = ${b.org.id} and email = ${`guest@${b.domain}`}`;
    const bossA = await signedIn(a, 'boss');
    const res = await post(bossA.browser, a, `/admin/invitations/${inv!.id}/revoke`, { _csrf: bossA.token });
    expect(res.status).toBe(404);
    expect((await h.sql`select status from invitations where id = ${inv!.id}`)[0]!.status).toBe('pending');
  });
});

describe('members and admin pages', () => {
  it('a member gets a 403 page on admin pages and cannot post admin forms with their own valid token', async () => {
    const { browser, token } = await signedIn(a, 'victim');
    const self = await memberId(a, 'victim');
    for (const path of ['/admin/members', `/admin/members/${self}`, '/admin/invitations']) {
      const res = await browser.request(`${a.appUrl}${path}`, { headers: html });
      expect(res.status, path).toBe(403);
      expect(res.headers.get('content-type'), path).toContain('text/html');
    }
    const res = await post(browser, a, `/admin/members/${self}/role`, { _csrf: token, orgRole: 'org_admin' });
    expect(res.status).toBe(403);
    const inv = await post(browser, a, '/admin/invitations', { _csrf: token, email: `friend@${a.domain}`, orgRole: 'org_admin' });
    expect(inv.status).toBe(403);
    expect((await memberRow(self)).org_role).toBe('member');
    expect(await h.sql`select 1 from invitations where email = ${`friend@${a.domain}`}`).toHaveLength(0);
  });
});

describe('form tokens and origins', () => {
  it('refuses a missing token, another session\'s token, a token from before re-sign-in, and a foreign origin', async () => {
    const boss = await signedIn(a, 'boss');
    const member = await signedIn(a, 'victim');
    const target = await memberId(a, 'victim');
    const path = `/admin/members/${target}/role`;
    expect((await post(boss.browser, a, path, { orgRole: 'org_admin' })).status).toBe(403);
    expect((await post(boss.browser, a, path, { _csrf: '', orgRole: 'org_admin' })).status).toBe(403);
    expect((await post(boss.browser, a, path, { _csrf: member.token, orgRole: 'org_admin' })).status).toBe(403);
    expect((await post(boss.browser, a, path, { _csrf: boss.token, orgRole: 'org_admin' }, 'http://evil.example')).status).toBe(403);
    // Signed out and in again: the old page's token is dead.
    expect((await post(boss.browser, a, '/sign-out', { _csrf: boss.token })).status).toBe(303);
    // The IdP still knows this browser: starting a sign-in comes straight back signed in.
    expect((await boss.browser.follow(`${a.appUrl}/auth/${a.org.slug}/login`)).url).toBe(`${a.appUrl}/api/me`);
    expect((await boss.browser.request(`${a.appUrl}/`, { headers: html })).status).toBe(200);
    expect((await post(boss.browser, a, path, { _csrf: boss.token, orgRole: 'org_admin' })).status).toBe(403);
    expect((await memberRow(target)).org_role).toBe('member');
  });

  it('a GET to /sign-out or an admin form URL changes nothing', async () => {
    const boss = await signedIn(a, 'boss');
    const target = await memberId(a, 'victim');
    await boss.browser.request(`${a.appUrl}/sign-out`, { headers: html });
    await boss.browser.request(`${a.appUrl}/admin/members/${target}/disable?_csrf=${boss.token}`, { headers: html });
    expect((await boss.browser.request(`${a.appUrl}/`, { headers: html })).status).toBe(200);
    expect((await memberRow(target)).status).toBe('active');
  });
});

describe('sessions', () => {
  it('sign-out revokes the session server-side: a stolen copy of the cookie no longer works', async () => {
    const boss = await signedIn(a, 'boss');
    const cookie = boss.browser.cookie(a.appUrl, sessionCookieName(a.config))!;
    expect((await post(boss.browser, a, '/sign-out', { _csrf: boss.token })).status).toBe(303);
    const thief = new TestBrowser();
    thief.setCookie(a.appUrl, sessionCookieName(a.config), cookie);
    expect((await thief.request(`${a.appUrl}/`, { headers: html })).status).toBe(401);
    expect((await thief.request(`${a.appUrl}/api/me`)).status).toBe(401);
  });

  it('sign-in never adopts a session id planted before it (fixation)', async () => {
    const victim = new TestBrowser();
    const planted = 'attacker-chosen-session-id';
    victim.setCookie(a.appUrl, sessionCookieName(a.config), planted);
    await a.signIn(victim, 'victim');
    expect(victim.cookie(a.appUrl, sessionCookieName(a.config))).not.toBe(planted);
    const attacker = new TestBrowser();
    attacker.setCookie(a.appUrl, sessionCookieName(a.config), planted);
    expect((await attacker.request(`${a.appUrl}/api/me`)).status).toBe(401);
  });
});

describe('HTML injection', () => {
  it('names, announcements and disable reasons are escaped on every page', async () => {
    const mallory = await signedIn(a, 'mallory');
    const malloryId = await memberId(a, 'mallory');
    const [site] = await h.sql<{ id: string }[]>`insert into sites (org_id, name) values (${a.org.id}, ${'<b>Site</b>'}) returning id`;
    await h.sql`insert into announcements (org_id, site_id, title, body, author_member_id) values (${a.org.id}, ${site!.id}, ${XSS_TITLE}, ${XSS_REASON}, ${malloryId})`;
    const boss = await signedIn(a, 'boss');
    expect((await post(boss.browser, a, `/admin/members/${malloryId}/sites`, { _csrf: boss.token, siteId: site!.id, role: 'site_member' })).status).toBe(303);
    const pages = [
      await mallory.browser.request(`${a.appUrl}/`, { headers: html }),
      await boss.browser.request(`${a.appUrl}/`, { headers: html }),
      await boss.browser.request(`${a.appUrl}/admin/members`, { headers: html }),
    ];
    expect((await post(boss.browser, a, `/admin/members/${malloryId}/disable`, { _csrf: boss.token, reason: XSS_REASON })).status).toBe(303);
    pages.push(await boss.browser.request(`${a.appUrl}/admin/members/${malloryId}`, { headers: html }));
    pages.push(await boss.browser.request(`${a.appUrl}/admin/members?status=disabled`, { headers: html }));
    pages.push(await boss.browser.request(`${a.appUrl}/admin/members?q=${encodeURIComponent('"><script>alert(1)</script>')}`, { headers: html }));
    for (const page of pages) {
      expect(page.status, page.url).toBe(200);
      expect(page.body, page.url).not.toMatch(/<script>alert|<img src=x|<b>Site/);
    }
    expect(pages[3]!.body).toContain('&lt;script&gt;alert');
  });

  it('a member disabled meanwhile sees the disabled page, not their sites', async () => {
    const victim = await signedIn(a, 'victim');
    const id = await memberId(a, 'victim');
    const boss = await signedIn(a, 'boss');
    expect((await post(boss.browser, a, `/admin/members/${id}/disable`, { _csrf: boss.token, reason: 'left' })).status).toBe(303);
    const res = await victim.browser.request(`${a.appUrl}/`, { headers: html });
    expect(res.status).toBe(403);
    expect(res.body).toContain('Your account is disabled');
    const post2 = await post(victim.browser, a, '/sign-out', { _csrf: victim.token });
    expect(post2.status).toBeLessThan(500);
  });
});

describe('response headers of signed-in pages', () => {
  const pages = async () => {
    const boss = await signedIn(a, 'boss');
    const paths = ['/', '/admin/members', `/admin/members/${await memberId(a, 'boss')}`, '/admin/invitations'];
    return Promise.all(paths.map((path) => boss.browser.request(`${a.appUrl}${path}`, { headers: html })));
  };

  it('signed-in pages cannot be framed by another page (clickjacking a Disable button)', async () => {
    for (const res of await pages()) {
      expect(res.status, res.url).toBe(200);
      const framing = `${res.headers.get('x-frame-options') ?? ''} ${res.headers.get('content-security-policy') ?? ''}`;
      expect(framing, `${res.url}: X-Frame-Options / CSP frame-ancestors`).toMatch(/DENY|SAMEORIGIN|frame-ancestors/i);
    }
  });

  it('signed-in pages send their address as Referer only to this origin', async () => {
    for (const res of await pages()) expect(res.headers.get('referrer-policy'), res.url).toBe('same-origin');
  });

  it('signed-in pages are not kept in the browser cache (Back after sign-out on a shared computer)', async () => {
    for (const res of await pages()) {
      expect(res.status, res.url).toBe(200);
      expect(res.headers.get('cache-control') ?? '', `${res.url}: Cache-Control`).toMatch(/no-store/);
    }
  });
});

describe('a demanding admin', () => {
  it('an admin demoted meanwhile loses the admin pages and forms at their next request', async () => {
    const boss = await signedIn(b, 'boss');
    const other = await signedIn(b, 'mallory');
    const otherId = await memberId(b, 'mallory');
    await h.sql`update members set org_role = 'org_admin' where id = ${otherId}`;
    await h.sql`update members set org_role = 'member' where id = ${await memberId(b, 'boss')}`;
    expect((await boss.browser.request(`${b.appUrl}/admin/members`, { headers: html })).status).toBe(403);
    expect((await post(boss.browser, b, `/admin/members/${otherId}/disable`, { _csrf: boss.token, reason: 'revenge' })).status).toBe(403);
    expect((await memberRow(otherId)).status).toBe('active');
    expect((await other.browser.request(`${b.appUrl}/admin/members`, { headers: html })).status).toBe(200);
  });

  it('a double-clicked Assign site lands on the member page both times', async () => {
    const boss = await signedIn(a, 'boss');
    const id = await memberId(a, 'boss');
    const [site] = await h.sql<{ id: string }[]>`insert into sites (org_id, name) values (${a.org.id}, 'Double Click Office') returning id`;
    const fields = { _csrf: boss.token, siteId: site!.id, role: 'site_member' };
    const [first, second] = await Promise.all([post(boss.browser, a, `/admin/members/${id}/sites`, fields), post(boss.browser, a, `/admin/members/${id}/sites`, fields)]);
    expect([first.status, second.status]).toEqual([303, 303]);
    expect(await h.sql`select 1 from site_assignments where member_id = ${id} and site_id = ${site!.id}`).toHaveLength(1);
  });

  it('a mistyped admin page answers a page, not JSON', async () => {
    const boss = await signedIn(a, 'boss');
    const res = await boss.browser.request(`${a.appUrl}/admin/member`, { headers: html });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('text/html');
  });
});
