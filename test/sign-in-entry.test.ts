import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from './support/browser.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { startHarness, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let world: SsoWorld;
/** The api under the name it is not configured with (PUBLIC_URL says localhost). */
let otherHost: string;

beforeAll(async () => {
  h = await startHarness();
  world = await startSsoWorld(h, (domain) => [
    { login: 'ada', email: `ada@${domain}`, email_verified: true, name: 'Ada' },
    { login: 'guest', email: 'guest@partner-entry.example', email_verified: true, name: 'Invited Guest' },
  ]);
  otherHost = world.appUrl.replace('localhost', '127.0.0.1');
  await h.sql`insert into invitations (org_id, email, org_role, expires_at)
              values (${world.org.id}, 'guest@partner-entry.example', 'member', now() + interval '1 day')`;
});
afterAll(async () => {
  await world?.stop();
  await h?.stop();
});

const loginAttempts = async () => {
  const [row] = await h.sql<{ n: number }[]>`
    select count(*)::int as n from login_transactions t join sso_connections c on c.id = t.connection_id where c.org_id = ${world.org.id}`;
  return row!.n;
};

describe('sign-in starts on the PUBLIC_URL host', () => {
  it('redirects the email-first page to the same path and query on PUBLIC_URL', async () => {
    const res = await new TestBrowser().request(`${otherHost}/login?email=ada%40${world.domain}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${world.appUrl}/login?email=ada%40${world.domain}`);
  });

  it('redirects a sign-in start before it writes a login attempt or sets a cookie', async () => {
    const before = await loginAttempts();
    const res = await new TestBrowser().request(`${otherHost}/auth/${world.org.slug}/login?login_hint=ada%40${world.domain}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${world.appUrl}/auth/${world.org.slug}/login?login_hint=ada%40${world.domain}`);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await loginAttempts()).toBe(before);
  });

  it('sends a posted confirmation to start over with a GET on PUBLIC_URL (303)', async () => {
    const res = await new TestBrowser().request(`${otherHost}/auth/${world.org.slug}/login`, {
      method: 'POST',
      headers: { origin: otherHost, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${world.appUrl}/auth/${world.org.slug}/login`);
  });

  it('completes a sign-in begun at the other host name instead of ending in "Sign-in expired"', async () => {
    const browser = new TestBrowser();
    const loginPage = await browser.follow(`${otherHost}/login?email=ada@${world.domain}`);
    const consent = await browser.submit(loginPage, { login: 'ada', password: 'any' });
    const done = consent.url.startsWith(world.appUrl) ? consent : await browser.submit(consent);
    expect(done.body).not.toContain('Sign-in expired');
    expect(done.url).toBe(`${world.appUrl}/api/me`);
    expect(done.status).toBe(200);
  });
});

describe('email-first entry for someone off the verified domains', () => {
  const offDomain = (email: string, org?: string) =>
    new TestBrowser().request(`${world.appUrl}/login?email=${encodeURIComponent(email)}${org ? `&org=${encodeURIComponent(org)}` : ''}`);

  it('answers an invited and an uninvited address alike, so the page reveals no invitation', async () => {
    const invited = await offDomain('guest@partner-entry.example');
    const stranger = await offDomain('nobody@partner-entry.example');
    expect(invited.status).toBe(404);
    expect(stranger.status).toBe(invited.status);
    expect(stranger.body.replaceAll('nobody@', 'guest@')).toBe(invited.body);
    expect(invited.body).toContain('Your organisation does not use SSO here');
    expect(invited.body).toContain('name="org"');
  });

  it('sends anyone who names the organisation (slug or domain) to its sign-in, invited or not', async () => {
    for (const email of ['guest@partner-entry.example', 'nobody@partner-entry.example']) {
      for (const org of [world.org.slug, world.domain.toUpperCase()]) {
        const res = await offDomain(email, org);
        expect(res.status).toBe(302);
        expect(res.headers.get('location')).toBe(`/auth/${world.org.slug}/login?login_hint=${encodeURIComponent(email)}`);
      }
    }
  });

  it('says so when no organisation with SSO has that name', async () => {
    const res = await offDomain('guest@partner-entry.example', 'no-such-org');
    expect(res.status).toBe(404);
    expect(res.body).toContain('No organisation with single sign-on here is called &quot;no-such-org&quot;');
  });

  it('takes an invited guest from the email-first page through the form to their new account', async () => {
    const browser = new TestBrowser();
    const page = await browser.request(`${world.appUrl}/login?email=guest%40partner-entry.example`);
    // The organisation form is a GET form: its hidden email and the named organisation become the query.
    const form = /<form method="get" action="([^"]+)">([\s\S]*?)<\/form>/.exec(page.body)!;
    const query = new URLSearchParams({ email: /name="email" value="([^"]*)"/.exec(form[2]!)![1]!, org: world.domain });
    const idpLogin = await browser.follow(new URL(`${form[1]}?${query}`, world.appUrl).href);
    const consent = await browser.submit(idpLogin, { login: 'guest', password: 'any' });
    const done = consent.url.startsWith(world.appUrl) ? consent : await browser.submit(consent);
    expect(done.url).toBe(`${world.appUrl}/api/me`);
    expect(JSON.parse(done.body).member).toMatchObject({ email: 'guest@partner-entry.example' });
    const [invitation] = await h.sql`select status from invitations where org_id = ${world.org.id} and email = 'guest@partner-entry.example'`;
    expect(invitation!.status).toBe('accepted');
  });
});
