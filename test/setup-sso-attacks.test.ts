import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { makeOrgAdmin } from '../operator/operations.ts';
import { TestBrowser } from './support/browser.ts';
import { setupPages } from './support/setup-pages.ts';
import { CLIENT_ID, CLIENT_SECRET, startSsoWorld, walkSignIn, type SsoWorld } from './support/sso.ts';
import { startHarness, type TestHarness } from './support/temporal.ts';

// Issue 17, attacks from outside. A draft's issuer is whatever the IT contact typed, so
// its identity provider may be hostile. The test sign-in's failure reason says which check failed "never the IdP's
// prose": what a hostile token endpoint answers must not end up on the page or in the audit.

const PROSE = 'Call +1 555 0100 now to finish your setup';

let smtp: SmtpSink;
let h: TestHarness;
let world: SsoWorld;
let admin: TestBrowser;
let contact: TestBrowser;
let hostile: Server;
let hostileIssuer: string;

beforeAll(async () => {
  smtp = await startSmtpSink();
  h = await startHarness();
  world = await startSsoWorld(
    h,
    (domain) => [
      { login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' },
      { login: 'newbie', email: `newbie@${domain}`, email_verified: true, name: 'New Person' },
    ],
    { SMTP_URL: smtp.url },
  );
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  admin = new TestBrowser();
  await world.signIn(admin, 'boss');
  // An OpenID Provider in its discovery document only: its authorization endpoint sends every
  // browser straight back with a code, its token endpoint answers with a page of its own words.
  hostile = createServer((req, res) => {
    const at = new URL(req.url!, hostileIssuer);
    if (at.pathname === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer: hostileIssuer, authorization_endpoint: `${hostileIssuer}/auth`, token_endpoint: `${hostileIssuer}/token`, jwks_uri: `${hostileIssuer}/jwks`, response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] }));
    } else if (at.pathname === '/auth') {
      const back = new URL(at.searchParams.get('redirect_uri')!);
      back.search = new URLSearchParams({ code: 'any-code', state: at.searchParams.get('state')! }).toString();
      res.writeHead(302, { location: back.href }).end();
    } else if (at.pathname === '/token') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(PROSE);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
  hostileIssuer = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
  contact = new TestBrowser();
  expect((await post(contact, '/setup/open', { token: tokenOf(await adminSendsLink('it-hostile@partner.example')) })).status).toBe(303);
});
afterAll(async () => {
  await new Promise((resolve) => hostile?.close(resolve));
  await world?.stop();
  await h?.stop();
  await smtp?.stop();
});

const { url, post, get, adminSendsLink, tokenOf } = setupPages(() => ({ sso: world, smtp, admin }));

/** A draft of the live connection's own settings: the test and the real sign-in share IdP and client. */
async function draftOfLiveSettings(browser: TestBrowser) {
  expect((await post(browser, '/setup/sso', { issuer: world.idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }, await get(browser, '/setup/sso'))).status).toBe(303);
}

/** Starts a test sign-in of the draft shown; the IdP's authorization URL. */
async function startTest(browser: TestBrowser) {
  browser.jar.delete(new URL(world.idp.issuer).hostname);
  const page = await get(browser, '/setup/sso');
  const draft = /name="draft" value="([^"]+)"/.exec(page.body)![1]!;
  const started = await post(browser, '/setup/sso/test', { draft }, page);
  expect(started.status).toBe(303);
  return started.headers.get('location')!;
}

const atCallback = (u: string) => u.startsWith(`${world.appUrl}/auth/${world.org.slug}/callback`);
const newbies = async () => (await h.sql`select 1 from members where org_id = ${world.org.id} and email = ${`newbie@${world.domain}`}`).length;
const sessions = async () => (await h.sql<{ n: number }[]>`select count(*)::int as n from sessions s join members m on m.id = s.member_id where m.org_id = ${world.org.id}`)[0]!.n;

describe('a hostile identity provider in a draft', () => {
  it('its token endpoint\'s words appear neither on the page nor in the audit; the test fails and says which check', async () => {
    expect((await post(contact, '/setup/sso', { issuer: hostileIssuer, clientId: 'app', clientSecret: 'secret' }, await get(contact, '/setup/sso'))).status).toBe(303);
    const page = await get(contact, '/setup/sso');
    const draft = /name="draft" value="([^"]+)"/.exec(page.body)![1]!;
    const started = await post(contact, '/setup/sso/test', { draft }, page);
    expect(started.status).toBe(303);
    const result = await contact.follow(started.headers.get('location')!);
    expect(result.url).toBe(`${world.appUrl}/setup/sso#test-result`);
    expect(result.body).toContain('The test sign-in failed');
    const [failure] = await h.sql<{ reason: string }[]>`select test_failure as reason from sso_connection_drafts where id = ${draft}`;
    const audited = await h.sql<{ data: unknown }[]>`select data from audit_events where org_id = ${world.org.id} and type = 'sso.test_failed'`;
    expect(failure!.reason).toBe('The identity provider\'s answer did not pass the sign-in checks (failed to parse "response" body as JSON).');
    expect(JSON.stringify(audited)).not.toContain(PROSE.slice(0, 4));
    expect(result.body).not.toContain(PROSE.slice(0, 4));
  });
});

describe('a test sign-in signs in no one', () => {
  it('finished in a browser signed in as a member, it leaves that session as it was and creates nobody', async () => {
    expect((await post(admin, '/setup/open', { token: tokenOf(await adminSendsLink(`boss@${world.domain}`)) })).status).toBe(303);
    await draftOfLiveSettings(admin);
    const sessionCookie = [...admin.cookies(world.appUrl)].find(([name]) => name.endsWith('session') && !name.includes('setup'))!;
    const before = await sessions();
    const result = await walkSignIn(admin, world.appUrl, await startTest(admin), 'newbie');
    expect(result.body).toContain('The test sign-in succeeded');
    expect([...admin.cookies(world.appUrl)].find(([name]) => name === sessionCookie[0])).toEqual(sessionCookie);
    expect(JSON.parse((await admin.request(url('/api/me'))).body)).toMatchObject({ member: { email: `boss@${world.domain}` } });
    expect(await sessions()).toBe(before);
    expect(await newbies()).toBe(0);
  });

  it('states swapped between a real sign-in and a test one in the same browser: both fail, nobody is created or signed in', async () => {
    await draftOfLiveSettings(contact);
    const before = await sessions();
    // A real sign-in's answer delivered with the test's state: the test's PKCE verifier does not fit the code.
    const test = new URL(await startTest(contact)).searchParams.get('state')!;
    const real = await walkSignIn(contact, world.appUrl, url(`/auth/${world.org.slug}/login`), 'newbie', atCallback);
    const withTestState = new URL(real.url);
    withTestState.searchParams.set('state', test);
    const asTest = await contact.follow(withTestState.href);
    expect(asTest.body).toContain('The test sign-in failed');
    // A test's answer delivered with a real sign-in's state: the real nonce and verifier do not fit.
    contact.jar.delete(new URL(world.idp.issuer).hostname);
    const realStart = await contact.request(url(`/auth/${world.org.slug}/login`));
    const realState = new URL(realStart.headers.get('location')!).searchParams.get('state')!;
    const tested = await walkSignIn(contact, world.appUrl, await startTest(contact), 'newbie', atCallback);
    const withRealState = new URL(tested.url);
    withRealState.searchParams.set('state', realState);
    const asReal = await contact.follow(withRealState.href);
    expect(asReal.status).toBe(400);
    expect(asReal.body).toContain('could not be verified');
    expect((await contact.request(url('/api/me'))).status).toBe(401);
    expect(await sessions()).toBe(before);
    expect(await newbies()).toBe(0);
  });
});
