import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { makeOrgAdmin } from '../operator/operations.ts';
import { TestBrowser } from './support/browser.ts';
import { rawRequest } from './support/raw-http.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { startHarness, untilLifecycleStarted, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let smtp: SmtpSink;
let world: SsoWorld;
let admin: TestBrowser;

beforeAll(async () => {
  smtp = await startSmtpSink();
  h = await startHarness({ smtpUrl: smtp.url });
  world = await startSsoWorld(h, (domain) => [{ login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' }]);
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  admin = new TestBrowser();
  await world.signIn(admin, 'boss');
  // The sign-in's lifecycle writes its start event a moment later; footprints compare after it.
  await untilLifecycleStarted(h.sql, world.org.id);
});
afterAll(async () => {
  await world?.stop();
  await h?.stop();
  await smtp?.stop();
});

/**
 * What a request from outside could write for this organisation, and only for it: other files
 * share the database and send their emails at any moment (one arrived inside a window in CI).
 */
async function footprint() {
  const [row] = await h.sql`
    select (select count(*) from login_transactions t join sso_connections c on c.id = t.connection_id where c.org_id = ${world.org.id})::int as "loginTransactions",
           (select count(*) from invitations where org_id = ${world.org.id})::int as invitations,
           (select count(*) from email_log where org_id = ${world.org.id})::int as emails,
           (select count(*) from audit_events where org_id = ${world.org.id})::int as audit`;
  return row;
}

const asPage = { headers: { accept: 'text/html' } };

/** Over a raw connection: fetch fails a request whose oversize body the server refused before reading it. */
const invite = (body: string, { chunked = false } = {}) =>
  rawRequest(Number(new URL(world.appUrl).port), {
    method: 'POST',
    target: `/api/orgs/${world.org.slug}/invitations`,
    headers: [
      ['origin', world.appUrl],
      ['content-type', 'application/json'],
      ['cookie', [...admin.cookies(world.appUrl)].map(([name, c]) => `${name}=${c.value}`).join('; ')],
    ],
    body,
    chunked,
  });

const twoMegabytes = 2 * 1024 * 1024;

describe('a NUL byte in request text is refused before it reaches PostgreSQL', () => {
  const urls = () => [
    '/login?email=a@ac%00me.test',
    `/login?email=a%00b@${world.domain}`,
    '/auth/%00/login',
    `/auth/${world.org.slug}%00/login`,
    `/auth/${world.org.slug}/login?login_hint=%00`,
  ];

  it('answers 400 with a page that names the problem, and writes nothing', async () => {
    for (const path of urls()) {
      const before = await footprint();
      const res = await new TestBrowser().request(`${world.appUrl}${path}`, asPage);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type'), path).toMatch(/text\/html/);
      expect(res.body, path).toMatch(/control character/);
      expect(res.headers.getSetCookie(), path).toEqual([]);
      expect(await footprint(), path).toEqual(before);
    }
  });

  it('answers JSON in the usual error shape to a client that does not ask for a page', async () => {
    const res = await new TestBrowser().request(`${world.appUrl}/auth/${world.org.slug}/login?login_hint=%00`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_input', message: expect.stringContaining('login_hint'), requestId: expect.any(String) });
  });
});

describe('methods that must not start a sign-in', () => {
  it('HEAD on the sign-in start (a link checker, a preview) answers 405 and stores no attempt', async () => {
    const before = await footprint();
    const res = await fetch(`${world.appUrl}/auth/${world.org.slug}/login`, { method: 'HEAD', redirect: 'manual' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
    expect(await footprint()).toEqual(before);
  });
});

describe('oversize input', () => {
  it('refuses a 2 MB email with 413 before parsing it, in the usual JSON error shape', async () => {
    const before = await footprint();
    const res = await invite(JSON.stringify({ email: `${'a'.repeat(twoMegabytes)}@partner.example` }));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'body_too_large', message: expect.stringContaining('64 kB'), requestId: expect.any(String) });
    expect(await footprint()).toEqual(before);
  });

  it('refuses an email over 320 characters with 400 naming the limit', async () => {
    const before = await footprint();
    const res = await invite(JSON.stringify({ email: `${'a'.repeat(321 - '@partner.example'.length)}@partner.example` }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toMatch(/at most 320 characters/);
    expect(await footprint()).toEqual(before);
  });

  it('refuses a 2 MB invitation of valid fields plus padding: no invitation, no email', async () => {
    const before = await footprint();
    const res = await invite(JSON.stringify({ email: 'padded@partner.example', orgRole: 'member', padding: 'x'.repeat(twoMegabytes) }));
    expect(res.status).toBe(413);
    expect(await footprint()).toEqual(before);
    expect(await h.sql`select 1 from invitations where email = 'padded@partner.example'`).toHaveLength(0);
    expect(smtp.messages.filter((m) => m.text?.includes('padded@partner.example'))).toHaveLength(0);
  });

  it('refuses an oversize body sent in chunks without Content-Length', async () => {
    const before = await footprint();
    const res = await invite(JSON.stringify({ email: 'chunked@partner.example', padding: 'x'.repeat(twoMegabytes) }), { chunked: true });
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
    expect(await footprint()).toEqual(before);
  });

  it('refuses a control character inside a JSON string with 400, writing nothing', async () => {
    const before = await footprint();
    const res = await invite(JSON.stringify({ email: 'nul\u0000@partner.example' }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toMatch(/control character/);
    expect(await footprint()).toEqual(before);
  });
});

describe('refusals say what to do', () => {
  it('a form posted from another origin is told which origin it must come from (page)', async () => {
    const res = await admin.request(`${world.appUrl}/logout`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: 'x=1',
    });
    expect(res.status).toBe(403);
    expect(res.body).toContain(`This form must be sent from ${world.appUrl}`);
    expect(res.body).not.toContain('Something went wrong');
  });

  it('a form posted from another origin is told which origin it must come from (JSON)', async () => {
    const res = await admin.request(`${world.appUrl}/api/orgs/${world.org.slug}/invitations`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=csrf%40partner.example',
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'cross_origin', message: expect.stringContaining(`must be sent from ${world.appUrl}`) });
  });

  /** A sign-in started in this browser, so the callback gets past its state check to the IdP's error. */
  async function callbackWithError(error: string) {
    const browser = new TestBrowser();
    const start = await browser.request(`${world.appUrl}/auth/${world.org.slug}/login`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    return browser.request(`${world.appUrl}/auth/${world.org.slug}/callback?state=${state}&error=${error}`, asPage);
  }

  it('shows an OAuth error code from the IdP', async () => {
    const res = await callbackWithError('temporarily_unavailable');
    expect(res.status).toBe(403);
    expect(res.body).toContain('refused the sign-in (temporarily_unavailable)');
  });

  it("still shows its page for Microsoft Entra's error_description, whose lines break", async () => {
    const description = encodeURIComponent('AADSTS50105: Your administrator has configured the application to block users.\r\nTrace ID: 0f1c\r\nCorrelation ID: 9a2b');
    const res = await callbackWithError(`access_denied&error_description=${description}`);
    expect(res.status).toBe(401);
    expect(res.body).toContain('Sign-in cancelled');
    expect(res.body).toContain('your IT team may need to give you access');
    expect(res.body).not.toContain('AADSTS');
  });

  it('drops an IdP error value outside the error-code alphabet instead of showing it', async () => {
    const res = await callbackWithError(encodeURIComponent('Call +1 555 0100 to restore access'));
    expect(res.status).toBe(403);
    expect(res.body).toContain('Your identity provider refused the sign-in.');
    expect(res.body).not.toContain('555');
  });

  it('never shows an IdP error value with control characters', async () => {
    const res = await callbackWithError('access_denied%07%1b%5B31m');
    expect(res.status).toBe(400);
    expect(res.body).not.toContain('\u0007');
    expect(res.body).not.toContain('\u001b');
    expect(res.body).toMatch(/control character/);
  });
});

describe('malformed URLs are a 400, not a 500', () => {
  it('refuses malformed percent-encoding in a path segment and in a query value', async () => {
    for (const path of [`/auth/${world.org.slug}%E0%A4%A/login`, '/login?email=a%ZZb@acme.test', '/login?email=%C0%80@acme.test']) {
      const res = await new TestBrowser().request(`${world.appUrl}${path}`);
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.body).message, path).toMatch(/percent-encoding/);
    }
  });

  it('refuses an organisation name that is no slug (path traversal) with 400', async () => {
    const before = await footprint();
    const res = await new TestBrowser().request(`${world.appUrl}/auth/..%2F..%2Fetc/login`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toMatch(/does not name an organisation/);
    expect(await footprint()).toEqual(before);
  });

  it('refuses a parameter given twice', async () => {
    const res = await new TestBrowser().request(`${world.appUrl}/login?email=a@${world.domain}&email=b@${world.domain}`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toMatch(/email.*more than once/);
  });
});
