import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { makeOrgAdmin } from '../operator/operations.ts';
import { TestBrowser } from './support/browser.ts';
import { setupPages } from './support/setup-pages.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { startHarness, type TestHarness } from './support/temporal.ts';

// Review of issue 17: a draft's issuer is whatever the IT contact typed, so its identity provider
// may be hostile. The test sign-in's failure reason says which check failed "never the IdP's
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
  world = await startSsoWorld(h, (domain) => [{ login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' }], { SMTP_URL: smtp.url });
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

const { post, get, adminSendsLink, tokenOf } = setupPages(() => ({ sso: world, smtp, admin }));

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
