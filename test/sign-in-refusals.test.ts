import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../api/app.ts';
import { sha256 } from '../auth/tokens.ts';
import { createLogger } from '../config/logger.ts';
import { freePort } from '../dev/ports.ts';
import { TestBrowser, type Page } from './support/browser.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';
import { testDataConverter } from './support/payload-keys.ts';

let h: TestHarness;
let world: SsoWorld;

beforeAll(async () => {
  h = await startHarness();
  world = await startSsoWorld(h, (domain) => [
    { login: 'ada', email: `ada@${domain}`, email_verified: true, name: 'Ada' },
    { login: 'unverified', email: `unverified@${domain}`, email_verified: false, name: 'Unverified' },
    { login: 'silent', email: `silent@${domain}`, name: 'No verification claim' },
    { login: 'offdomain', email: 'mallory@elsewhere.example', email_verified: true, name: 'Mallory' },
    { login: 'noemail', name: 'No Email' },
    { login: 'fake-entra', email: `fake-entra@${domain}`, xms_edov: true, name: 'Not Entra' },
  ]);
});
afterAll(async () => {
  await world?.stop();
  await h?.stop();
});

const atCallback = (url: string) => url.startsWith(`${world.appUrl}/auth/${world.org.slug}/callback`);

/** Every row a sign-in could create; a refusal must leave all of them as they were. */
async function footprint() {
  const [row] = await h.sql`
    select (select count(*) from members where org_id = ${world.org.id})::int as members,
           (select count(*) from identities i join members m on m.id = i.member_id where m.org_id = ${world.org.id})::int as identities,
           (select count(*) from sessions s join members m on m.id = s.member_id where m.org_id = ${world.org.id})::int as sessions,
           (select count(*) from invitations where org_id = ${world.org.id})::int as invitations,
           (select count(*) from audit_events where org_id = ${world.org.id})::int as audit`;
  return row;
}

/** Waits until every member's lifecycle has written its start event, so only the attempt can change the footprint. */
const settled = () =>
  eventually(async () => {
    const [row] = await h.sql`
      select count(*)::int as n from members m where m.org_id = ${world.org.id}
        and not exists (select 1 from audit_events a where a.member_id = m.id and a.type = 'member.lifecycle_started')`;
    return row!.n === 0 ? true : undefined;
  });

async function expectRefusal(attempt: () => Promise<Page>, status: number, message: string | RegExp) {
  await settled();
  const before = await footprint();
  const page = await attempt();
  expect(page.status).toBe(status);
  expect(page.body).toMatch(message);
  expect(page.headers.getSetCookie().some((c) => c.startsWith('session='))).toBe(false);
  expect(await footprint()).toEqual(before);
}

/** Walks a flow up to the callback URL, so a test can tamper with it before the app sees it. */
async function pausedAtCallback(login = 'ada') {
  const browser = new TestBrowser();
  const page = await world.signIn(browser, login, { until: atCallback });
  return { browser, url: new URL(page.url) };
}

const stateHash = (url: URL) => sha256(url.searchParams.get('state')!);

describe('sign-in refusals: right status, clear message, nothing created', () => {
  it('email_verified false', async () => {
    await expectRefusal(() => world.signIn(new TestBrowser(), 'unverified'), 403, /not marked verified/);
  });

  it('email_verified absent (and no xms_edov)', async () => {
    await expectRefusal(() => world.signIn(new TestBrowser(), 'silent'), 403, /not marked verified/);
  });

  it("xms_edov from an IdP that is not Microsoft Entra", async () => {
    await expectRefusal(() => world.signIn(new TestBrowser(), 'fake-entra'), 403, /not marked verified/);
  });

  it('no email claim at all', async () => {
    await expectRefusal(() => world.signIn(new TestBrowser(), 'noemail'), 403, /did not send an email address/);
  });

  it("email domain not verified for the organisation", async () => {
    await expectRefusal(() => world.signIn(new TestBrowser(), 'offdomain'), 403, /Ask your admin to invite you/);
  });

  it('callback without state', async () => {
    await expectRefusal(() => new TestBrowser().request(`${world.appUrl}/auth/${world.org.slug}/callback?code=abc`), 400, /no state/);
  });

  it('replayed state (the same callback a second time)', async () => {
    const { browser, url } = await pausedAtCallback();
    const loginCookies = [...browser.cookies(world.appUrl)];
    expect((await browser.follow(url.href)).status).toBe(200);
    for (const [name, c] of loginCookies) browser.setCookie(world.appUrl, name, c.value);
    await expectRefusal(() => browser.request(url.href), 400, /already used, has expired/);
  });

  it('concurrent double callback: one succeeds, one is refused, one member', async () => {
    const { browser, url } = await pausedAtCallback('ada');
    const cookie = [...browser.cookies(world.appUrl)].map(([k, v]) => `${k}=${v.value}`).join('; ');
    const [a, b] = await Promise.all([1, 2].map(() => fetch(url, { headers: { cookie }, redirect: 'manual' })));
    expect([a!.status, b!.status].sort()).toEqual([302, 400]);
    expect(await h.sql`select 1 from members where org_id = ${world.org.id} and email = ${`ada@${world.domain}`}`).toHaveLength(1);
  });

  it('callback in a browser that did not start the sign-in (login CSRF)', async () => {
    const { url } = await pausedAtCallback();
    await expectRefusal(() => new TestBrowser().request(url.href), 400, /did not start in this browser/);
  });

  it('tampered login cookie', async () => {
    const { browser, url } = await pausedAtCallback();
    for (const [name, c] of browser.cookies(world.appUrl)) {
      if (name.startsWith('login-')) browser.setCookie(world.appUrl, name, `${c.value.slice(0, -3)}xyz`);
    }
    await expectRefusal(() => browser.request(url.href), 400, /did not start in this browser/);
  });

  it('tampered state', async () => {
    const { browser, url } = await pausedAtCallback();
    url.searchParams.set('state', `${url.searchParams.get('state')}x`);
    await expectRefusal(() => browser.request(url.href), 400, /already used, has expired/);
  });

  it('nonce mismatch (ID token issued for another attempt)', async () => {
    const { browser, url } = await pausedAtCallback();
    await h.sql`update login_transactions set nonce = 'another-attempt' where state_hash = ${stateHash(url)}`;
    await expectRefusal(() => browser.request(url.href), 400, /could not be verified/);
  });

  it('PKCE verifier mismatch', async () => {
    const { browser, url } = await pausedAtCallback();
    await h.sql`update login_transactions set code_verifier = ${'x'.repeat(43)} where state_hash = ${stateHash(url)}`;
    await expectRefusal(() => browser.request(url.href), 400, /could not be verified/);
  });

  it('expired sign-in attempt', async () => {
    const { browser, url } = await pausedAtCallback();
    await h.sql`update login_transactions set expires_at = now() - interval '1 second' where state_hash = ${stateHash(url)}`;
    await expectRefusal(() => browser.request(url.href), 400, /has expired/);
  });

  it('authorization code exchanged twice', async () => {
    const first = await pausedAtCallback();
    const code = first.url.searchParams.get('code')!;
    expect((await first.browser.follow(first.url.href)).status).toBe(200);
    const second = await pausedAtCallback();
    second.url.searchParams.set('code', code);
    await expectRefusal(() => second.browser.request(second.url.href), 400, /could not be verified/);
  });

  it('mix-up: the response names another issuer (RFC 9207 iss)', async () => {
    const { browser, url } = await pausedAtCallback();
    expect(url.searchParams.get('iss')).toBe(world.idp.issuer);
    url.searchParams.set('iss', 'https://attacker.example');
    await expectRefusal(() => browser.request(url.href), 400, /could not be verified/);
  });

  it('the person cancels at the IdP (access_denied)', async () => {
    const browser = new TestBrowser();
    const loginPage = await browser.follow(`${world.appUrl}/auth/${world.org.slug}/login`);
    const abort = /href="([^"]*\/abort)"/.exec(loginPage.body)![1]!;
    await expectRefusal(() => browser.follow(new URL(abort, loginPage.url).href), 401, /You cancelled the sign-in at your identity provider/);
  });

  it('Temporal unreachable at the callback: 503 page, nothing created', async () => {
    const { browser, url } = await pausedAtCallback();
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 500 });
    const app = createApp({ config: world.config, sql: h.sql, log: createLogger('silent'), temporal: { connection, client: new Client({ connection, dataConverter: testDataConverter }) } });
    const cookie = [...browser.cookies(world.appUrl)].map(([k, v]) => `${k}=${v.value}`).join('; ');
    try {
      await expectRefusal(
        async () => {
          const res = await app.request(url.href, { headers: { cookie, accept: 'text/html' } });
          return { url: url.href, status: res.status, headers: res.headers, body: await res.text() };
        },
        503,
        /temporarily unavailable/,
      );
    } finally {
      await connection.close();
    }
  });

  it('unknown organisation', async () => {
    await expectRefusal(() => new TestBrowser().request(`${world.appUrl}/auth/no-such-org/login`), 404, /does not exist or has no single sign-on/);
  });

  it('an invalid email on the email-first page', async () => {
    await expectRefusal(() => new TestBrowser().request(`${world.appUrl}/login?email=not-an-email`), 400, /is not an email address/);
  });
});
