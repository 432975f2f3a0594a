import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.ts';
import { formTokenOf } from '../api/pages/form-token.ts';
import { setupCookieName } from '../api/setup/setup-session.ts';
import { decryptSecret } from '../auth/tokens.ts';
import { createLogger } from '../config/logger.ts';
import { createSetupLink } from '../db/setup-links.ts';
import { openSetupSession } from '../db/setup-sessions.ts';
import { freePort } from '../dev/ports.ts';
import { startOidcProvider, type IdpAccount, type RunningIdp } from '../dev/oidc-provider.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { saveDraft as saveDraftRow } from '../db/sso-drafts.ts';
import { addDomain, createOrg, makeOrgAdmin } from '../operator/operations.ts';
import { firstSignInLifecycleId } from './support/provisioning.ts';
import { TestBrowser, type Page } from './support/browser.ts';
import { uniqueSlug } from './support/fixtures.ts';
import { setupPages } from './support/setup-pages.ts';
import { startSsoWorld, walkSignIn, type SsoWorld } from './support/sso.ts';
import { startHarness, type TestHarness } from './support/temporal.ts';

// Issue 17, item 2: an IT contact configures the OIDC connection on /setup/sso. A draft is saved
// (checked by discovery), proven by a test sign-in through a real OpenID Provider at the same
// redirect URI, and only then replaces the live connection, which keeps working until it does.

const NEW_CLIENT = { id: 'new-app', secret: 'new-app-secret-7f3a9c' };

let smtp: SmtpSink;
let h: TestHarness;
let world: SsoWorld;
let admin: TestBrowser;
let newIdp: RunningIdp;
let contact: TestBrowser;
const itEmail = 'it-sso@partner.example';

const accounts = (domain: string): IdpAccount[] => [
  { login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' },
  { login: 'old-user', email: `old-user@${domain}`, email_verified: true, name: 'Old User' },
  { login: 'old-user-2', email: `old-user-2@${domain}`, email_verified: true, name: 'Old User Two' },
  { login: 'newbie', email: `newbie@${domain}`, email_verified: true, name: 'New Person' },
  { login: 'outsider', email: 'outsider@elsewhere.example', email_verified: true, name: 'Out Sider' },
];

beforeAll(async () => {
  smtp = await startSmtpSink();
  h = await startHarness();
  world = await startSsoWorld(h, accounts, { SMTP_URL: smtp.url });
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  admin = new TestBrowser();
  await world.signIn(admin, 'boss');
  // The organisation's new identity provider: registered with the same, single redirect URI.
  newIdp = await startOidcProvider({
    accounts: accounts(world.domain),
    clients: [{ client_id: NEW_CLIENT.id, client_secret: NEW_CLIENT.secret, redirect_uris: [`${world.appUrl}/auth/${world.org.slug}/callback`] }],
  });
  contact = new TestBrowser();
  expect((await post(contact, '/setup/open', { token: tokenOf(await adminSendsLink(itEmail)) })).status).toBe(303);
});
afterAll(async () => {
  await newIdp?.stop();
  await world?.stop();
  await h?.stop();
  await smtp?.stop();
});

const { url, post, get, adminSendsLink, tokenOf } = setupPages(() => ({ sso: world, smtp, admin }));

const live = async () => {
  const [row] = await h.sql<{ id: string; issuer: string; clientId: string; updatedAt: Date }[]>`
    select id, issuer, client_id as "clientId", updated_at as "updatedAt" from sso_connections where org_id = ${world.org.id}`;
  return row!;
};
const draftRow = async () => {
  const [row] = await h.sql<{ id: string; issuer: string; clientId: string; sealed: string; testOutcome: string | null; testFailure: string | null; testedAt: Date | null }[]>`
    select id, issuer, client_id as "clientId", client_secret_encrypted as sealed, test_outcome as "testOutcome", test_failure as "testFailure", tested_at as "testedAt"
    from sso_connection_drafts where org_id = ${world.org.id}`;
  return row;
};
const auditCount = async () => (await h.sql<{ n: number }[]>`select count(*)::int as n from audit_events where org_id = ${world.org.id}`)[0]!.n;

async function saveDraft(fields: Record<string, string>) {
  return post(contact, '/setup/sso', fields, await get(contact, '/setup/sso'));
}

/** Starts a test sign-in from the page's button; answers the IdP's authorization URL it redirects to. */
async function startTest(browser = contact): Promise<string> {
  // A fresh session at the IdP (another host than the app): each test sign-in shows its login form.
  browser.jar.delete(new URL(newIdp.issuer).hostname);
  const page = await get(browser, '/setup/sso');
  const draft = /name="draft" value="([^"]+)"/.exec(page.body)?.[1];
  expect(draft, 'the page offers a draft to test').toBeTruthy();
  const started = await post(browser, '/setup/sso/test', { draft: draft! }, page);
  expect(started.status, started.body.slice(0, 300)).toBe(303);
  return started.headers.get('location')!;
}

/** A whole test sign-in as `login` at the draft's IdP, back to the setup page. */
async function testSignIn(login: string, until?: (url: string) => boolean): Promise<Page> {
  return walkSignIn(contact, world.appUrl, await startTest(), login, until);
}
const atCallback = (u: string) => u.startsWith(`${world.appUrl}/auth/${world.org.slug}/callback`);

/** Every record a sign-in could create for the organisation. */
async function footprint() {
  const [row] = await h.sql`
    select (select count(*) from members where org_id = ${world.org.id})::int as members,
           (select count(*) from identities i join members m on m.id = i.member_id where m.org_id = ${world.org.id})::int as identities,
           (select count(*) from sessions s join members m on m.id = s.member_id where m.org_id = ${world.org.id})::int as sessions`;
  return row;
}

describe('saving a draft: refusals re-show the form (never the secret) and save nothing', () => {
  let hanging: TcpServer;
  const held: Socket[] = [];
  let garbage: HttpServer;
  let otherIssuer: HttpServer;
  const issuerOf = (server: TcpServer | HttpServer) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  beforeAll(async () => {
    // Accepts connections and never answers.
    hanging = createTcpServer((socket) => void held.push(socket));
    // A web page for every path; under /json-only a JSON document naming the right issuer but no endpoints; under /missing a 404.
    garbage = createHttpServer((req, res) => {
      if (req.url?.startsWith('/json-only/')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: `http://${req.headers.host}/json-only` }));
      if (req.url?.startsWith('/missing/')) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      // Under /internal/{token,keys} a document of the right issuer that sends the code, or fetches keys, from an internal address.
      const internal = /^\/internal\/(token|keys)\//.exec(req.url ?? '');
      if (internal) {
        const issuer = `http://${req.headers.host}/internal/${internal[1]}`;
        const document = { issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: internal[1] === 'token' ? 'https://10.0.0.7/token' : `${issuer}/token`, jwks_uri: internal[1] === 'keys' ? 'https://keys.localhost./jwks' : `${issuer}/jwks` };
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document));
      }
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to our intranet</body></html>');
    });
    // A well-formed discovery document that names another issuer (a mix-up waiting to happen).
    otherIssuer = createHttpServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ issuer: 'https://idp.other.example', authorization_endpoint: 'https://idp.other.example/auth', token_endpoint: 'https://idp.other.example/token', jwks_uri: 'https://idp.other.example/jwks' }),
      ),
    );
    await Promise.all([hanging, garbage, otherIssuer].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()))));
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await Promise.all([hanging, garbage, otherIssuer].map((s) => new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()))));
  });

  const cases: { what: string; fields: () => Promise<Record<string, string>> | Record<string, string>; status: number; says: RegExp }[] = [
    { what: 'a plain-http issuer off this machine', fields: () => ({ issuer: 'http://idp.example.com' }), status: 400, says: /must use https:\/\// },
    { what: 'an issuer that is no URL', fields: () => ({ issuer: 'acme.okta.com' }), status: 400, says: /absolute URL starting with https:\/\// },
    { what: 'an issuer with a query', fields: () => ({ issuer: 'https://idp.example.com/?tenant=1' }), status: 400, says: /no query/ },
    { what: 'an issuer with a fragment', fields: () => ({ issuer: 'https://idp.example.com/#x' }), status: 400, says: /no fragment/ },
    { what: 'the discovery document\'s address instead of the issuer', fields: () => ({ issuer: 'https://idp.example.com/.well-known/openid-configuration' }), status: 400, says: /address of the discovery document/ },
    { what: 'an issuer on an IP address', fields: () => ({ issuer: 'https://10.0.0.7' }), status: 400, says: /domain name, not an IP address/ },
    { what: 'an issuer over 2048 characters', fields: () => ({ issuer: `https://idp.example.com/${'p'.repeat(2040)}` }), status: 400, says: /longer than 2048 characters/ },
    { what: 'a client id over 255 characters', fields: () => ({ clientId: 'c'.repeat(256) }), status: 400, says: /client id is longer than 255/ },
    { what: 'a client id of two lines', fields: () => ({ clientId: 'app\nsecond' }), status: 400, says: /client id must be one line/ },
    { what: 'an empty client secret', fields: () => ({ clientSecret: '' }), status: 400, says: /Type the client secret/ },
    { what: 'a client secret over 1024 characters', fields: () => ({ clientSecret: 's'.repeat(1025) }), status: 400, says: /client secret is longer than 1024/ },
    { what: 'a client secret with a line break', fields: () => ({ clientSecret: 'secret-with\nbreak' }), status: 400, says: /client secret must not contain line breaks/ },
    { what: 'an unreachable issuer', fields: async () => ({ issuer: `http://127.0.0.1:${await freePort()}` }), status: 422, says: /could not connect to/ },
    { what: 'an issuer that never answers (timeout)', fields: () => ({ issuer: issuerOf(hanging) }), status: 422, says: /did not answer within 5 seconds/ },
    { what: 'an issuer answering with something that is no discovery document', fields: () => ({ issuer: issuerOf(garbage) }), status: 422, says: /is not an OpenID Provider's discovery document/ },
    { what: 'an issuer whose discovery document lists no endpoints', fields: () => ({ issuer: `${issuerOf(garbage)}/json-only` }), status: 422, says: /is not an OpenID Provider's discovery document/ },
    { what: 'an issuer without a discovery document (404)', fields: () => ({ issuer: `${issuerOf(garbage)}/missing` }), status: 422, says: /is not an OpenID Provider's discovery document/ },
    { what: 'a discovery document sending the code to an IP address', fields: () => ({ issuer: `${issuerOf(garbage)}/internal/token` }), status: 422, says: /not https on a domain name \(an IP address or localhost\)/ },
    { what: 'a discovery document fetching keys from a localhost name', fields: () => ({ issuer: `${issuerOf(garbage)}/internal/keys` }), status: 422, says: /not https on a domain name \(an IP address or localhost\)/ },
    { what: 'a discovery document naming another issuer', fields: () => ({ issuer: issuerOf(otherIssuer) }), status: 422, says: /names another issuer, https:\/\/idp\.other\.example\. The issuer you type must equal the document's "issuer" exactly \(openid-client checks this/ },
  ];

  for (const { what, fields, status, says } of cases) {
    it(`refuses ${what}`, { timeout: 20_000 }, async () => {
      const secret = `typed-secret-${Math.random().toString(36).slice(2)}`;
      const typed = { issuer: newIdp.issuer, clientId: 'typed-client-id', clientSecret: secret, ...(await fields()) };
      const before = await auditCount();
      const answer = await saveDraft(typed);
      expect(answer.status, answer.body.slice(0, 500)).toBe(status);
      expect(answer.body.replaceAll('&#39;', "'").replaceAll('&quot;', '"')).toMatch(says);
      expect(answer.body).toContain('Nothing was saved');
      // What was typed comes back, except the secret.
      if (typed.clientId.length <= 255 && !typed.clientId.includes('\n')) expect(answer.body).toContain(`value="${typed.clientId}"`);
      if (typed.clientSecret) expect(answer.body).not.toContain(typed.clientSecret);
      expect(await draftRow()).toBeUndefined();
      expect(await auditCount()).toBe(before);
    });
  }

  it('refuses unknown fields and a form without the setup session\'s token, saving nothing', async () => {
    const page = await get(contact, '/setup/sso');
    const extra = await post(contact, '/setup/sso', { issuer: newIdp.issuer, clientId: 'x', clientSecret: 'y', extraScopes: 'groups' }, page);
    expect(extra.status).toBe(400);
    expect(extra.body).toContain('extraScopes');
    const forged = await post(contact, '/setup/sso', { issuer: newIdp.issuer, clientId: 'x', clientSecret: 'y', _csrf: 'forged' });
    expect(forged.status).toBe(403);
    expect(await draftRow()).toBeUndefined();
  });
});

describe('draft, test sign-in, go live', () => {
  it('shows the redirect URI the sign-in flow uses and the live connection, without its secret', async () => {
    const page = await get(contact, '/setup/sso');
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<code id="redirect-uri">${world.appUrl}/auth/${world.org.slug}/callback</code>`);
    expect(page.body).toContain(world.idp.issuer);
    expect(page.body).toContain('sso-app');
    expect(page.body).toContain('set (never shown)');
    expect(page.body).not.toContain('test-client-secret');
    expect((await get(contact, '/setup')).body).toContain('Single sign-on (OIDC)');
  });

  it('saves a draft: the secret is stored encrypted and never shown; the live connection does not change', async () => {
    const before = await live();
    const saved = await saveDraft({ issuer: newIdp.issuer, clientId: NEW_CLIENT.id, clientSecret: NEW_CLIENT.secret });
    expect(saved.status).toBe(303);
    const draft = (await draftRow())!;
    expect(draft.issuer).toBe(newIdp.issuer);
    expect(draft.sealed).not.toContain(NEW_CLIENT.secret);
    expect(decryptSecret(world.config.encryptionKey, draft.sealed)).toBe(NEW_CLIENT.secret);
    const page = await get(contact, '/setup/sso');
    expect(page.body).toContain('The draft is saved');
    expect(page.body).toContain('Not tested yet');
    expect(page.body).not.toContain(NEW_CLIENT.secret);
    expect(await live()).toEqual(before);
  });

  it('refuses to make an untested draft live (409) and changes nothing; sign-ins keep going through the old connection', async () => {
    const before = await live();
    const draft = (await draftRow())!;
    const audits = await auditCount();
    const refused = await post(contact, '/setup/sso/activate', { draft: draft.id }, await get(contact, '/setup/sso'));
    expect(refused.status).toBe(409);
    expect(refused.body).toContain('no successful test sign-in');
    expect(await live()).toEqual(before);
    expect(await draftRow()).toEqual(draft);
    expect(await auditCount()).toBe(audits);
    const person = new TestBrowser();
    await world.signIn(person, 'old-user');
    expect((await person.request(url('/api/me'))).status).toBe(200);
  });

  it('a failed test sign-in (wrong client secret) is recorded and said, leaves the draft untested and the old connection working', async () => {
    expect((await saveDraft({ issuer: newIdp.issuer, clientId: NEW_CLIENT.id, clientSecret: 'not-the-secret' })).status).toBe(303);
    const before = await live();
    const result = await testSignIn('newbie');
    expect(result.url).toBe(`${world.appUrl}/setup/sso#test-result`);
    expect(result.body).toContain('The test sign-in failed');
    expect(result.body).toContain('invalid_client');
    expect(result.body).toContain('check the client id and the client secret');
    const draft = (await draftRow())!;
    expect(draft.testOutcome).toBe('failed');
    expect((await post(contact, '/setup/sso/activate', { draft: draft.id }, result)).status).toBe(409);
    expect(await live()).toEqual(before);
    const person = new TestBrowser();
    await world.signIn(person, 'old-user-2');
    expect((await person.request(url('/api/me'))).status).toBe(200);
  });

  it('a draft whose IdP has gone away fails its test at once, keeping no pending attempt', async () => {
    const gone = await startOidcProvider({ accounts: [], clients: [{ client_id: 'gone-app', client_secret: 'gone-secret', redirect_uris: [`${world.appUrl}/auth/${world.org.slug}/callback`] }] });
    expect((await saveDraft({ issuer: gone.issuer, clientId: 'gone-app', clientSecret: 'gone-secret' })).status).toBe(303);
    await gone.stop();
    const draft = (await draftRow())!;
    expect(await startTest()).toBe('/setup/sso#test-result');
    const page = await get(contact, '/setup/sso');
    expect(page.body).toContain('The test sign-in failed');
    expect(page.body).toContain(`We could not connect to ${gone.issuer}`);
    expect((await draftRow())!.testOutcome).toBe('failed');
    expect(await h.sql`select 1 from login_transactions where draft_id = ${draft.id}`).toHaveLength(0);
  });

  it('an IdP refusal, a forged code or another issuer at the callback fail the test, which says why', async () => {
    expect((await saveDraft({ issuer: newIdp.issuer, clientId: NEW_CLIENT.id, clientSecret: NEW_CLIENT.secret })).status).toBe(303);
    const tamperings: [string, (callback: URL) => void, string][] = [
      ['error=access_denied', (u) => (u.search = new URLSearchParams({ error: 'access_denied', state: u.searchParams.get('state')! }).toString()), 'Your identity provider refused the sign-in (access_denied)'],
      ['a forged code', (u) => u.searchParams.set('code', 'forged-code'), 'refused the code (invalid_grant)'],
      ['another issuer (RFC 9207 iss)', (u) => u.searchParams.set('iss', 'https://idp.attacker.example'), 'did not pass the sign-in checks (unexpected "iss"'],
    ];
    for (const [what, tamper, says] of tamperings) {
      const callback = new URL((await testSignIn('newbie', atCallback)).url);
      tamper(callback);
      const page = await contact.follow(callback.href);
      expect(page.body.replaceAll('&#39;', "'").replaceAll('&quot;', '"'), what).toContain(says);
      expect((await draftRow())!.testOutcome, what).toBe('failed');
    }
  });

  it('a test sign-in through the real IdP shows the claims and what JIT would do, and creates no member, identity, session or workflow', async () => {
    const before = await footprint();
    const connection = await live();
    const result = await testSignIn('newbie');
    expect(result.status).toBe(200);
    expect(result.body).toContain('The test sign-in succeeded');
    for (const claim of [newIdp.issuer, '<code>newbie</code>', `newbie@${world.domain}`, '<code>true</code>', 'New Person']) expect(result.body).toContain(claim);
    expect(result.body).toContain('Create a new Member');
    expect(await footprint()).toEqual(before);
    expect(await h.sql`select 1 from members where org_id = ${world.org.id} and email = ${`newbie@${world.domain}`}`).toHaveLength(0);
    // The browser holds a setup session only: no member session came with the test.
    expect((await contact.request(url('/api/me'))).status).toBe(401);
    const workflowId = firstSignInLifecycleId(world.org.slug, connection.id, newIdp.issuer, 'newbie');
    await expect(h.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect((await draftRow())!.testOutcome).toBe('succeeded');
  });

  it('the verdict follows the sign-in rules: an existing member links by verified email, an off-domain account is refused in the sign-in\'s words', async () => {
    const boss = await testSignIn('boss');
    expect(boss.body).toContain(`Link this account to the existing member The Boss (boss@${world.domain}) by the verified email`);
    const outsider = await testSignIn('outsider');
    expect(outsider.body).toContain('Your email domain is not verified for this organisation. Ask your admin to invite you.');
    // Back to a newcomer for the activation below.
    expect((await testSignIn('newbie')).body).toContain('Create a new Member');
  });

  it('a test callback replayed is refused and records nothing', async () => {
    const paused = await testSignIn('newbie', atCallback);
    const loginCookies = [...contact.cookies(world.appUrl)].filter(([name]) => name.startsWith('login-'));
    expect((await contact.follow(paused.url)).body).toContain('The test sign-in succeeded');
    const recorded = (await draftRow())!.testedAt;
    const audits = await auditCount();
    for (const [name, c] of loginCookies) contact.setCookie(world.appUrl, name, c.value);
    const replayed = await contact.request(paused.url, { headers: { accept: 'text/html' } });
    expect(replayed.status).toBe(400);
    expect(replayed.body).toContain('already used, has expired');
    expect((await draftRow())!.testedAt).toEqual(recorded);
    expect(await auditCount()).toBe(audits);
  });

  it('a test sign-in that comes back after the setup session ended is not recorded', async () => {
    const other = new TestBrowser();
    expect((await post(other, '/setup/open', { token: tokenOf(await adminSendsLink('it-sso-2@partner.example')) })).status).toBe(303);
    const started = await startTest(other);
    const paused = await walkSignIn(other, world.appUrl, started, 'outsider', atCallback);
    expect((await post(other, '/setup/sign-out', {}, await get(other, '/setup'))).status).toBe(303);
    const tested = (await draftRow())!.testedAt;
    const page = await other.request(paused.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(401);
    expect(page.body).toContain('Open a new setup link');
    expect((await draftRow())!.testedAt).toEqual(tested);
  });

  it('a save while a test sign-in is under way: the test comes back to nothing, and the new draft stays untested', async () => {
    const paused = await testSignIn('newbie', atCallback);
    expect((await saveDraft({ issuer: newIdp.issuer, clientId: NEW_CLIENT.id, clientSecret: NEW_CLIENT.secret })).status).toBe(303);
    const answer = await contact.request(paused.url, { headers: { accept: 'text/html' } });
    expect(answer.status).toBe(400);
    expect((await draftRow())!.testOutcome).toBeNull();
    expect((await post(contact, '/setup/sso/activate', { draft: (await draftRow())!.id }, await get(contact, '/setup/sso'))).status).toBe(409);
    expect((await testSignIn('newbie')).body).toContain('The test sign-in succeeded');
  });

  it('another organisation\'s draft can be neither tested, nor made live, nor discarded from this setup session', async () => {
    const rival = await createOrg(h.sql, { slug: uniqueSlug('rival'), name: 'Rival' });
    await saveDraftRow(h.sql, { orgId: rival.id, issuer: newIdp.issuer, clientId: 'rival-app', sealedSecret: 'v1.x.y.z', actor: 'operator' });
    await h.sql`update sso_connection_drafts set tested_at = now(), tested_by = 'operator', test_outcome = 'succeeded', test_claims = '{"iss":"x","sub":"y"}' where org_id = ${rival.id}`;
    const [theirs] = await h.sql<{ id: string }[]>`select id from sso_connection_drafts where org_id = ${rival.id}`;
    const ours = await draftRow();
    const page = await get(contact, '/setup/sso');
    for (const action of ['test', 'activate', 'discard']) {
      expect((await post(contact, `/setup/sso/${action}`, { draft: theirs!.id }, page)).status).toBe(409);
    }
    expect(await h.sql`select 1 from sso_connections where org_id = ${rival.id}`).toHaveLength(0);
    expect(await h.sql`select 1 from sso_connection_drafts where id = ${theirs!.id} and test_outcome = 'succeeded'`).toHaveLength(1);
    expect(await draftRow()).toEqual(ours);
  });

  it('goes live: the connection row keeps its id, the draft is gone, and a real first sign-in on the new connection creates the member', async () => {
    const before = await live();
    const draft = (await draftRow())!;
    const activated = await post(contact, '/setup/sso/activate', { draft: draft.id }, await get(contact, '/setup/sso'));
    expect(activated.status).toBe(303);
    const after = await live();
    expect(after).toMatchObject({ id: before.id, issuer: newIdp.issuer, clientId: NEW_CLIENT.id });
    expect(after.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
    expect(await draftRow()).toBeUndefined();
    const [configured] = await h.sql<{ actor: string }[]>`select actor from audit_events where org_id = ${world.org.id} and type = 'sso.configured' order by id desc limit 1`;
    expect(configured!.actor).toBe(`setup:${itEmail}`);

    const person = new TestBrowser();
    const landed = await world.signIn(person, 'newbie');
    expect(landed.status).toBe(200);
    const me = await person.request(url('/api/me'));
    expect(me.status).toBe(200);
    expect(me.body).toContain(`newbie@${world.domain}`);
    const [identity] = await h.sql<{ connectionId: string; iss: string }[]>`
      select i.connection_id as "connectionId", i.iss from identities i join members m on m.id = i.member_id where m.email = ${`newbie@${world.domain}`}`;
    expect(identity).toEqual({ connectionId: before.id, iss: newIdp.issuer });
    // Someone who signed in before finds their account through the new IdP (linked by verified email).
    const old = new TestBrowser();
    await world.signIn(old, 'old-user');
    expect((await old.request(url('/api/me'))).body).toContain(`old-user@${world.domain}`);
    expect(await h.sql`select 1 from members where org_id = ${world.org.id} and email = ${`old-user@${world.domain}`}`).toHaveLength(1);
  });

  it('two clicks on Go live at once make it live once', async () => {
    expect((await saveDraft({ issuer: newIdp.issuer, clientId: NEW_CLIENT.id, clientSecret: NEW_CLIENT.secret })).status).toBe(303);
    const page = await testSignIn('newbie');
    expect(page.body).toContain('The test sign-in succeeded');
    const draft = (await draftRow())!;
    const configured = () => h.sql`select 1 from audit_events where org_id = ${world.org.id} and type = 'sso.configured'`;
    const before = (await configured()).length;
    const answers = await Promise.all([1, 2].map(() => post(contact, '/setup/sso/activate', { draft: draft.id }, page)));
    expect(answers.map((a) => a.status).sort()).toEqual([303, 404]);
    expect(await configured()).toHaveLength(before + 1);
    expect(await draftRow()).toBeUndefined();
  });

  it('a draft can be discarded; the live connection stays', async () => {
    const before = await live();
    expect((await saveDraft({ issuer: newIdp.issuer, clientId: 'discard-me', clientSecret: 'whatever-secret' })).status).toBe(303);
    const draft = (await draftRow())!;
    const stale = await get(contact, '/setup/sso');
    expect((await post(contact, '/setup/sso/discard', { draft: draft.id }, stale)).status).toBe(303);
    expect(await draftRow()).toBeUndefined();
    expect(await live()).toEqual(before);
    expect((await post(contact, '/setup/sso/discard', { draft: draft.id }, stale)).status).toBe(404);
    expect((await post(contact, '/setup/sso/test', { draft: draft.id }, stale)).status).toBe(404);
  });

  it('every action is in the admin\'s setup activity, with who did it', async () => {
    const page = await get(admin, '/admin/setup');
    for (const sentence of [
      `Single sign-on draft saved for the issuer ${newIdp.issuer} (by IT contact ${itEmail})`,
      'Test sign-in with the single sign-on draft failed: The identity provider&#39;s token endpoint refused the code (invalid_client)',
      `Test sign-in with the single sign-on draft succeeded as newbie@${world.domain} (by IT contact ${itEmail})`,
      `Single sign-on configured with the issuer ${newIdp.issuer} (by IT contact ${itEmail})`,
      'Single sign-on draft discarded',
    ]) {
      expect(page.body).toContain(sentence);
    }
  });
});

describe('secrets stay out of the logs', () => {
  it('a refused save, a saved draft and its failed test sign-in write no client secret to the log', async () => {
    const lines: string[] = [];
    const log = createLogger('debug', new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) }));
    const app = createApp({ config: world.config, sql: h.sql, log, temporal: { client: h.client, connection: h.connection } });
    const opened = await openSetupSession(h.sql, (await createSetupLink(h.sql, { orgId: world.org.id, email: 'it-logs@partner.example', actor: 'operator' })).token);
    if (!('sessionId' in opened)) throw new Error('no setup session');
    const { sessionId } = opened;
    const browser = new TestBrowser();
    browser.setCookie(world.appUrl, setupCookieName(world.config), sessionId);
    const cookieHeader = () => [...browser.cookies(world.appUrl)].map(([k, v]) => `${k}=${v.value}`).join('; ');
    /** One request to the logging app, its cookies kept as the browser would. */
    async function send(path: string, fields?: Record<string, string>) {
      const res = await app.request(path.startsWith('http') ? path : url(path), {
        method: fields ? 'POST' : 'GET',
        headers: { origin: world.appUrl, accept: 'text/html', cookie: cookieHeader(), ...(fields ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        ...(fields ? { body: new URLSearchParams({ _csrf: formTokenOf(world.config, sessionId), ...fields }).toString() } : {}),
      });
      for (const line of res.headers.getSetCookie()) {
        const [name, value] = line.split(';')[0]!.split('=') as [string, string];
        if (value) browser.setCookie(world.appUrl, name, value);
      }
      return res;
    }
    const secret = 'wrong-secret-that-must-not-be-logged';
    expect((await send('/setup/sso', { issuer: `http://127.0.0.1:${await freePort()}`, clientId: NEW_CLIENT.id, clientSecret: secret })).status).toBe(422);
    const saved = await send('/setup/sso', { issuer: newIdp.issuer, clientId: NEW_CLIENT.id, clientSecret: secret });
    expect(saved.status).toBe(303);
    const draft = (await draftRow())!;
    // Started through the served app (a start needs the client's socket address); the callback comes back to the logging one.
    const started = await post(browser, '/setup/sso/test', { _csrf: formTokenOf(world.config, sessionId), draft: draft.id });
    expect(started.status).toBe(303);
    browser.jar.delete(new URL(newIdp.issuer).hostname);
    const paused = await walkSignIn(browser, world.appUrl, started.headers.get('location')!, 'newbie', atCallback);
    const finished = await send(paused.url);
    expect(finished.status).toBe(302);
    expect((await draftRow())!.testOutcome).toBe('failed');
    expect(lines.some((l) => l.includes('test authorization response rejected'))).toBe(true);
    // The two saves were logged as requests (path, status), and the exchange's failure with its error.
    expect(lines.filter((l) => l.includes('"/setup/sso"'))).toHaveLength(2);
    expect(lines.find((l) => l.includes('test authorization response rejected'))).toContain('invalid_client');
    expect(lines.join('')).not.toContain(secret);
  });
});

describe('an organisation without single sign-on sets it up from scratch', () => {
  it('saves, tests and makes live its first connection; the first real sign-in creates the member', async () => {
    const slug = uniqueSlug('fresh');
    const org = await createOrg(h.sql, { slug, name: 'Fresh Org' });
    const domain = `${slug}.test`;
    await addDomain(h.sql, { org: slug, domain });
    const idp = await startOidcProvider({
      accounts: [{ login: 'first', email: `first@${domain}`, email_verified: true, name: 'First Person' }],
      clients: [{ client_id: 'fresh-app', client_secret: 'fresh-secret', redirect_uris: [`${world.appUrl}/auth/${slug}/callback`] }],
    });
    try {
      const opened = await openSetupSession(h.sql, (await createSetupLink(h.sql, { orgId: org.id, email: 'it@fresh.example', actor: 'operator' })).token);
      if (!('sessionId' in opened)) throw new Error('no setup session');
      const it = new TestBrowser();
      it.setCookie(world.appUrl, setupCookieName(world.config), opened.sessionId);
      const page = await get(it, '/setup/sso');
      expect(page.body).toContain('has no live single sign-on yet');
      expect(page.body).toContain(`<code id="redirect-uri">${world.appUrl}/auth/${slug}/callback</code>`);
      expect((await post(it, '/setup/sso', { issuer: idp.issuer, clientId: 'fresh-app', clientSecret: 'fresh-secret' }, page)).status).toBe(303);
      const withDraft = await get(it, '/setup/sso');
      const draft = /name="draft" value="([^"]+)"/.exec(withDraft.body)![1]!;
      const started = await post(it, '/setup/sso/test', { draft }, withDraft);
      const result = await walkSignIn(it, world.appUrl, started.headers.get('location')!, 'first');
      expect(result.body).toContain('The test sign-in succeeded');
      expect(result.body).toContain('Create a new Member');
      expect(await h.sql`select 1 from sso_connections where org_id = ${org.id}`).toHaveLength(0);
      expect((await post(it, '/setup/sso/activate', { draft }, result)).status).toBe(303);
      expect(await h.sql`select 1 from sso_connections where org_id = ${org.id} and issuer = ${idp.issuer}`).toHaveLength(1);

      const person = new TestBrowser();
      await walkSignIn(person, world.appUrl, `${world.appUrl}/auth/${slug}/login`, 'first');
      const me = await person.request(url('/api/me'));
      expect(me.status).toBe(200);
      expect(me.body).toContain(`first@${domain}`);
    } finally {
      await idp.stop();
    }
  });
});
