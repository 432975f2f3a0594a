import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureSso, createOrg, makeOrgAdmin } from '../operator/operations.ts';
import { TestBrowser, type Page } from './support/browser.ts';
import { uniqueSlug } from './support/fixtures.ts';
import { CLIENT_ID, CLIENT_SECRET, startSsoWorld, walkSignIn, type SsoWorld } from './support/sso.ts';
import { startHarness, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let world: SsoWorld;
let adaId: string;

/** A browser's navigations: they ask for HTML, so the app answers with pages and lands a sign-in on `/`. */
const browser = () => new TestBrowser({ accept: 'text/html' });

beforeAll(async () => {
  h = await startHarness();
  world = await startSsoWorld(h, (domain) => [
    { login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' },
    { login: 'ada', email: `ada@${domain}`, email_verified: true, name: 'Ada Member' },
    { login: 'dora', email: `dora@${domain}`, email_verified: true, name: 'Dora Disabled' },
    { login: 'guest', email: 'guest@partner-return.example', email_verified: true, name: 'Invited Guest' },
  ]);
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  await world.signIn(new TestBrowser(), 'ada');
  const [ada] = await h.sql<{ id: string }[]>`select id from members where org_id = ${world.org.id} and email = ${`ada@${world.domain}`}`;
  adaId = ada!.id;
});
afterAll(async () => {
  await world?.stop();
  await h?.stop();
});

const app = (path: string) => `${world.appUrl}${path}`;
/** Leaves the walk at the first URL after the callback: where the sign-in sends the browser. */
const pastCallback = (url: string) => !url.startsWith(world.idp.issuer) && !new URL(url).pathname.startsWith('/auth/');
const loginCookie = (b: TestBrowser) => [...b.cookies(world.appUrl)].find(([name]) => name.startsWith('login-'));

describe('a page link followed while signed out comes back after sign-in', () => {
  it('a signed-out admin opens a member link, signs in through the email page and lands on that member page', async () => {
    const b = browser();
    const asked = await b.request(app(`/admin/members/${adaId}`));
    expect(asked.status).toBe(401);
    const signInHref = /<a href="([^"]+)">Sign in<\/a>/.exec(asked.body)![1]!.replaceAll('&amp;', '&');
    expect(signInHref).toBe(`/login?next=${encodeURIComponent(`/admin/members/${adaId}`)}`);

    const form = await b.request(app(signInHref));
    expect(form.body).toContain(`<input type="hidden" name="next" value="/admin/members/${adaId}" />`);
    // The email page is a GET form: its hidden `next` and the typed email become the query.
    const idpLogin = await b.follow(app(`/login?next=${encodeURIComponent(`/admin/members/${adaId}`)}&email=boss%40${world.domain}`));
    const consent = await b.submit(idpLogin, { login: 'boss', password: 'any' });
    const landed = await b.submit(consent, {});
    expect(landed.url).toBe(app(`/admin/members/${adaId}`));
    expect(landed.status).toBe(200);
    expect(landed.body).toContain('Ada Member');
  });

  it('keeps the page through the organisation form of an address off the verified domains', async () => {
    const res = await browser().request(app(`/login?next=%2Fadmin%2Finvitations&email=guest%40partner-return.example`));
    expect(res.status).toBe(404);
    expect(res.body).toContain('<input type="hidden" name="next" value="/admin/invitations" />');
    const named = await browser().request(app(`/login?next=%2Fadmin%2Finvitations&email=guest%40partner-return.example&org=${world.org.slug}`));
    expect(named.headers.get('location')).toBe(`/auth/${world.org.slug}/login?login_hint=guest%40partner-return.example&next=%2Fadmin%2Finvitations`);
  });

  it('carries the page through a sign-in another site started, on its confirmation form', async () => {
    const res = await browser().request(app(`/auth/${world.org.slug}/login?next=%2Fadmin%2Fmembers`), { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(res.body).toContain(`action="/auth/${world.org.slug}/login?next=%2Fadmin%2Fmembers"`);
  });

  const hostile = [
    '//evil.test',
    '/\\evil.test',
    'https://evil.test',
    '/%2F%2Fevil.test',
    '/%252F%252Fevil.test',
    '/%5Cevil.test',
    '/%0d%0aLocation:%20https://evil.test',
    '/%0aSet-Cookie:%20session=x',
    'javascript:alert(1)',
    `/${'a'.repeat(600)}`,
    ' /admin/members',
  ];
  it.each(hostile)('never redirects to %s after sign-in: lands on / instead', async (next) => {
    const b = browser();
    const viaEmail = await b.request(app(`/login?email=boss%40${world.domain}&next=${encodeURIComponent(next)}`));
    expect(viaEmail.status).toBe(302);
    expect(viaEmail.headers.get('location')).toBe(`/auth/${world.org.slug}/login?login_hint=boss%40${world.domain}`);

    const landed = await walkSignIn(b, world.appUrl, app(`/auth/${world.org.slug}/login?next=${encodeURIComponent(next)}`), 'boss', pastCallback);
    expect(landed.headers.get('location')).toBe('/');
    expect(landed.url).toBe(app('/'));
  });

  it('refuses a line break sent in `next` itself (input policy) before anything redirects', async () => {
    const res = await browser().request(app(`/auth/${world.org.slug}/login?next=/%0d%0aLocation:%20https://evil.test`));
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  /** A sign-in started with `next`, paused at the IdP's answer, its login cookie rewritten by `tamper`. */
  async function landingWithTamperedCookie(tamper: (value: string) => string): Promise<Page> {
    const b = browser();
    const atCallback = await walkSignIn(b, world.appUrl, app(`/auth/${world.org.slug}/login?next=%2Fadmin%2Fmembers`), 'boss', (url) => url.includes('/callback'));
    const [name, cookie] = loginCookie(b)!;
    b.setCookie(world.appUrl, name, encodeURIComponent(tamper(decodeURIComponent(cookie.value))));
    return b.request(atCallback.url);
  }

  it('drops a return path tampered in the login cookie: the sign-in completes and lands on /', async () => {
    const pathEdited = await landingWithTamperedCookie((value) => value.replace('/admin/members', '//evil.test'));
    expect(pathEdited.status).toBe(302);
    expect(pathEdited.headers.get('location')).toBe('/');
    expect(pathEdited.headers.getSetCookie().some((c) => c.startsWith('session='))).toBe(true);

    // The signed return part of another attempt (another state) does not transplant either.
    const other = browser();
    await other.request(app(`/auth/${world.org.slug}/login?next=%2Fadmin%2Finvitations`));
    const foreign = decodeURIComponent(loginCookie(other)![1].value);
    const transplanted = await landingWithTamperedCookie((value) => `${value.split('|')[0]}${foreign.slice(foreign.indexOf('|'))}`);
    expect(transplanted.headers.get('location')).toBe('/');
  });

  it('still refuses a sign-in whose state part of the cookie was tampered', async () => {
    const res = await landingWithTamperedCookie((value) => `x${value}`);
    expect(res.status).toBe(400);
    expect(res.body).toContain('Sign-in expired');
  });

  it('keeps the way to the asked page for the untampered cookie (the control for the two above)', async () => {
    const res = await landingWithTamperedCookie((value) => value);
    expect(res.headers.get('location')).toBe('/admin/members');
  });
});

describe('sign-in pages that say what happened and what to do', () => {
  it('reports a cancel at the IdP as a cancel, with a link to try again that keeps the page', async () => {
    const b = browser();
    const loginPage = await b.follow(app(`/auth/${world.org.slug}/login?next=%2Fadmin%2Fmembers`));
    const abort = /href="([^"]*\/abort)"/.exec(loginPage.body)![1]!;
    const cancelled = await b.follow(new URL(abort, loginPage.url).href);
    expect(cancelled.status).toBe(401);
    expect(cancelled.body).toContain('<h1>Sign-in cancelled</h1>');
    expect(cancelled.body).not.toContain('refused');
    expect(cancelled.body).toContain(`<a href="/auth/${world.org.slug}/login?next=%2Fadmin%2Fmembers">Try signing in again</a>`);
    expect(cancelled.headers.getSetCookie().some((c) => c.startsWith('session='))).toBe(false);
  });

  it('a sign-in refused at the callback offers to start again towards the same page', async () => {
    const b = browser();
    const start = await b.request(app(`/auth/${world.org.slug}/login?next=%2Fadmin%2Fmembers`));
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const refused = await b.request(app(`/auth/${world.org.slug}/callback?state=${state}&error=temporarily_unavailable`));
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('<a href="/login?next=%2Fadmin%2Fmembers">Start again</a>');
  });

  it('signs in at the dev IdP with the prefilled email address as well as the login name', async () => {
    const b = new TestBrowser();
    const done = await walkSignIn(b, world.appUrl, app(`/auth/${world.org.slug}/login?login_hint=ada%40${world.domain}`), ` ADA@${world.domain.toUpperCase()} `);
    expect(done.url).toBe(app('/api/me'));
    expect(JSON.parse(done.body).member).toMatchObject({ id: adaId, email: `ada@${world.domain}` });
    // The same account, not a second one keyed by the email: the IdP's sub is still the login.
    const subs = await h.sql`select i.sub from identities i where i.member_id = ${adaId}`;
    expect(subs.map((r) => r.sub)).toEqual(['ada']);
  });

  it('takes the organisation name the invitation email gives, in any case and spacing, then shows the invitation as accepted', async () => {
    await h.sql`insert into invitations (org_id, email, org_role, expires_at)
                values (${world.org.id}, 'guest@partner-return.example', 'member', now() + interval '1 day')`;
    const typed = `  ${world.org.name.toUpperCase().replace(' ', '   ')} `;
    const named = await browser().request(app(`/login?email=guest%40partner-return.example&org=${encodeURIComponent(typed)}`));
    expect(named.status).toBe(302);
    expect(named.headers.get('location')).toBe(`/auth/${world.org.slug}/login?login_hint=guest%40partner-return.example`);
    const done = await walkSignIn(new TestBrowser(), world.appUrl, app(named.headers.get('location')!), 'guest');
    expect(JSON.parse(done.body).member).toMatchObject({ email: 'guest@partner-return.example' });

    const boss = browser();
    await world.signIn(boss, 'boss');
    const invitations = await boss.request(app('/admin/invitations'));
    const row = /<tr><td>guest@partner-return\.example<\/td>[\s\S]*?<\/tr>/.exec(invitations.body)![0];
    const cells = row.split('</td>').map((cell) => cell.replace(/<[^>]+>/g, '').trim());
    expect(cells).toContainEqual(expect.stringMatching(/^accepted \d{4}-\d\d-\d\d \d\d:\d\d/));
    expect(row).not.toContain('expires');
  });

  const ssoOrg = async (name: string) => {
    const slug = uniqueSlug('named');
    await createOrg(h.sql, { slug, name });
    await configureSso(h.sql, world.config, { org: slug, issuer: world.idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, extraScopes: [] });
    return slug;
  };
  const nameTyped = (org: string) => browser().request(app(`/login?email=guest%40partner-return.example&org=${encodeURIComponent(org)}`));

  it('matches a stored name with runs of whitespace (and the letter s) to the same name typed with single spaces', async () => {
    const tag = uniqueSlug('x');
    const slug = await ssoOrg(`Sunset\t Systems  ${tag}`);
    const res = await nameTyped(`sunset systems ${tag}`);
    expect(res.headers.get('location')).toBe(`/auth/${slug}/login?login_hint=guest%40partner-return.example`);
    expect((await nameTyped(`sunet ytem ${tag}`)).status).toBe(404);
  });

  it('names no organisation when two share the typed display name', async () => {
    const name = `Twin ${uniqueSlug('name')}`;
    await ssoOrg(name);
    await ssoOrg(name);
    const res = await nameTyped(name);
    expect(res.status).toBe(404);
    expect(res.body).toContain('No organisation with single sign-on here is called');
  });

  it('gives a disabled member a way on: from a page of the ended session and from a new sign-in', async () => {
    const dora = browser();
    await world.signIn(dora, 'dora');
    const [row] = await h.sql<{ id: string }[]>`select id from members where org_id = ${world.org.id} and email = ${`dora@${world.domain}`}`;
    const boss = new TestBrowser();
    await world.signIn(boss, 'boss');
    const disabled = await boss.request(app(`/api/orgs/${world.org.slug}/members/${row!.id}/disable`), {
      method: 'POST',
      headers: { origin: world.appUrl, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'left the company' }),
    });
    expect(disabled.status).toBe(200);

    const home = await dora.request(app('/'));
    expect(home.status).toBe(403);
    expect(home.body).toContain('<a href="/login">Sign in with another account</a>');
    const again = await world.signIn(browser(), 'dora');
    expect(again.status).toBe(403);
    expect(again.body).toContain('Account disabled');
    expect(again.body).toContain('<a href="/login">Sign in with another account</a>');
  });
});

describe('error pages keep the layout, lead back and end with the request id', () => {
  let boss: TestBrowser;
  beforeAll(async () => {
    boss = browser();
    await world.signIn(boss, 'boss');
  });

  const backLink = (body: string) => /<p><a href="([^"]+)">([^<]+)<\/a><\/p>/.exec(body)?.slice(1, 3);
  const unknownMember = '/admin/members/6be494c1-89a8-4183-9986-f66290770d07';

  it('an unknown member: navigation and sign-out stay, the way back is the page the admin came from, the request id comes last', async () => {
    const res = await boss.request(app(unknownMember), { headers: { referer: app('/admin/members?status=active') } });
    expect(res.status).toBe(404);
    expect(res.body).toContain('<nav aria-label="Main">');
    expect(res.body).toContain('action="/sign-out"');
    expect(backLink(res.body)).toEqual(['/admin/members?status=active', 'Back to the page you were on']);
    const requestId = res.headers.get('x-request-id')!;
    expect(requestId).toBeTruthy();
    const main = /<main[^>]*>([\s\S]*)<\/main>/.exec(res.body)![1]!.trim();
    expect(main.endsWith(`<p class="request-id">Request id: <code>${requestId}</code> (give it to support if you ask for help)</p>`)).toBe(true);
  });

  it.each([
    ['another origin', 'https://evil.test/admin/members'],
    ['a protocol-relative path of ours', 'APP//evil.test/x'],
    ['no referer at all', undefined],
  ])('falls back to the section list page for %s', async (_what, referer) => {
    const res = await boss.request(app(unknownMember), { headers: referer ? { referer: referer.replace('APP', world.appUrl) } : {} });
    expect(backLink(res.body)).toEqual(['/admin/members', 'Back to the members']);
  });

  it('a refused form leads back to the form page it came from', async () => {
    const res = await boss.request(app('/admin/invitations'), {
      method: 'POST',
      headers: { origin: world.appUrl, referer: app('/admin/invitations'), 'content-type': 'application/x-www-form-urlencoded' },
      body: '_csrf=forged&email=x%40partner.example&orgRole=member',
    });
    expect(res.status).toBe(403);
    expect(res.body).toContain('<nav aria-label="Main">');
    expect(backLink(res.body)).toEqual(['/admin/invitations', 'Back to the page you were on']);
    expect(res.body).toContain(`Request id: <code>${res.headers.get('x-request-id')}</code>`);
  });

  it('a sign-in refusal seen while signed in keeps the header and ends with the request id too', async () => {
    const res = await boss.request(app(`/auth/${world.org.slug}/callback?state=${'s'.repeat(43)}&code=x`));
    expect(res.status).toBe(400);
    expect(res.body).toContain('Sign-in expired');
    expect(res.body).toContain('<nav aria-label="Main">');
    expect(backLink(res.body)).toEqual(['/login', 'Start again']);
    expect(res.body).toContain(`Request id: <code>${res.headers.get('x-request-id')}</code>`);
  });

  it('a page nobody has: home for a signed-in member, and no header for a stranger', async () => {
    const signedIn = await boss.request(app('/admin/nowhere'));
    expect(signedIn.status).toBe(404);
    expect(signedIn.body).toContain('<nav aria-label="Main">');
    expect(backLink(signedIn.body)).toEqual(['/', 'Go to your home page']);
    const stranger = await browser().request(app('/nowhere'));
    expect(stranger.status).toBe(404);
    expect(stranger.body).not.toContain('<nav');
    expect(stranger.body).toContain('Request id: <code>');
  });
});
