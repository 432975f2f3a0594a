import { randomInt } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.ts';
import { formTokenOf } from '../api/pages/form-token.ts';
import { createLogger } from '../config/logger.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { createOrg, makeOrgAdmin } from '../operator/operations.ts';
import { createScimToken } from '../operator/scim-tokens.ts';
import { setupCookieName } from '../api/setup/setup-session.ts';
import { createSetupLink } from '../db/setup-links.ts';
import { openSetupSession } from '../db/setup-sessions.ts';
import { createSiteRule } from '../db/site-rules.ts';
import { saveDraft } from '../db/sso-drafts.ts';
import { encryptSecret } from '../auth/tokens.ts';
import { TestBrowser } from './support/browser.ts';
import { rawRequest, type RawRequest, type RawResponse } from './support/raw-http.ts';
import { CORE_GROUP, entraGroups, okta, oktaGroups, PATCH_OP } from './support/scim-fixtures.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, untilLifecycleStarted, type TestHarness } from './support/temporal.ts';
import { testDataConverter } from './support/payload-keys.ts';

/**
 * Malformed requests against every route of the app, over real HTTP, signed in as an org admin:
 * every answer must be a 4xx within 5 s and the organisation's tables must not change. Each
 * request starts from a well-formed one and gets one or more mutations that the input policy or
 * the route must refuse. FUZZ_SEED repeats a run; FUZZ_REQUESTS changes its size.
 */
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 1000);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : randomInt(2 ** 31);

/** mulberry32: small, seeded, and the same on every machine. */
class Rng {
  constructor(private state: number) {}
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }
  /** A well-formed v4 UUID, so "unknown id" cases repeat with the seed too. */
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => this.int(16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
  }
  word(max = 12): string {
    return Array.from({ length: 1 + this.int(max) }, () => this.pick('abcdefghijklmnopqrstuvwxyz0123456789-_.'.split(''))).join('');
  }
}

interface Draft {
  method: string;
  /** Path segments and query parts exactly as sent (already percent-encoded). */
  segments: string[];
  query: [string, string][];
  headers: [string, string][];
  cookies: [string, string][];
  body?: string;
  chunked?: boolean;
}

interface World {
  slug: string;
  domain: string;
  origin: string;
  session: [string, string];
  invitationId: string;
  adminId: string;
  siteId: string;
  scimToken: string;
  /** The token of another organisation, which has no SCIM users. */
  rivalScimToken: string;
  scimUserId: string;
  /** A SCIM group holding the SCIM user. */
  scimGroupId: string;
  /** A second site, and the site-access rule that gives it to the SCIM group's members. */
  ruledSiteId: string;
  ruleId: string;
  /** Another organisation's directory group, site and rule. */
  rivalGroupId: string;
  rivalSiteId: string;
  rivalRuleId: string;
  /** The form token of the session's pages. */
  formToken: string;
  /** An IT contact's setup session cookie, and its form token. */
  setupSession: [string, string];
  setupFormToken: string;
  /** A setup link not opened yet: its token and id. */
  setupLinkToken: string;
  setupLinkId: string;
  itContactId: string;
  /** A domain the org claimed for DNS verification, still pending. */
  pendingDomain: string;
  /** The org's untested single sign-on draft (setup). */
  ssoDraftId: string;
}

interface Mutation {
  name: string;
  applies?: (draft: Draft) => boolean;
  apply: (draft: Draft, rng: Rng, w: World) => void;
}

interface RouteFuzz {
  /** A well-formed request of the signed-in org admin; never sent without a mutation. */
  base: (w: World) => Draft;
  /** `setup`: an IT contact's setup session (its own cookie) instead of the member session. */
  session?: 'member' | 'org_admin' | 'setup';
  /** Mutations that only this route refuses: its own fields and rules. */
  own?: Mutation[];
  /**
   * Authenticated by a bearer token (SCIM): no cookie CSRF check applies, since a form from another
   * origin cannot carry the token, so "form posted from another origin" is no refusal there.
   */
  bearer?: boolean;
}

const CONTROLS = ['%00', '%01', '%07', '%08', '%09', '%0A', '%0D', '%1B', '%1F', '%7F', '%C2%85', '%C2%9F'];
/** Inside body text, tab and line breaks are legitimate (multi-line fields); every other control is refused. */
const BODY_CONTROLS = CONTROLS.filter((c) => !['%09', '%0A', '%0D'].includes(c));
const MALFORMED_ESCAPES = ['%', '%Z1', '%4', '%C0%80', '%E0%A4%A', '%FF', '%ED%A0%80', '%%30'];
const BAD_SLUGS = ['..%2F..%2Fetc%2Fpasswd', '%2e%2e%2fadmin', '..%5C..%5Cwindows', '....', 'ACME', '-acme', 'a'.repeat(64), 'acme%20corp', 'acme.example', '%C3%A4cme', '_', 'acme%2Fmembers'];
const WRONG_TYPES = ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream', 'text/html', 'image/png'];

/** NUL half of the time: it is the one PostgreSQL refuses outright. */
const control = (rng: Rng, from = CONTROLS) => (rng.next() < 0.5 ? '%00' : rng.pick(from));
const withControl = (rng: Rng) => `${rng.word()}${control(rng)}${rng.word()}`;
const setHeader = (d: Draft, name: string, value: string) => {
  d.headers = [...d.headers.filter(([k]) => k !== name), [name, value]];
};
const setBody = (d: Draft, contentType: string | undefined, body: string, chunked = false) => {
  d.headers = d.headers.filter(([k]) => k !== 'content-type');
  if (contentType) d.headers.push(['content-type', contentType]);
  d.body = body;
  d.chunked = chunked;
};
const setQuery = (d: Draft, name: string, value: string) => {
  d.query = [...d.query.filter(([k]) => k !== name), [name, value]];
};
const pickSegment = (d: Draft, rng: Rng) => rng.int(d.segments.length);
const hasBody = (d: Draft) => d.method !== 'GET';
const json = JSON.stringify;

/** Refused by the input policy whatever the route. */
const everyRoute: Mutation[] = [
  { name: 'control character in a query value', apply: (d, rng) => setQuery(d, d.query.length ? rng.pick(d.query)[0] : 'q', withControl(rng)) },
  { name: 'control character in a query name', apply: (d, rng) => d.query.push([withControl(rng), '1']) },
  { name: 'overlong query value', apply: (d, rng) => setQuery(d, d.query.length ? rng.pick(d.query)[0] : 'q', 'v'.repeat(4097 + rng.int(4000))) },
  { name: 'overlong query name', apply: (d, rng) => d.query.push(['n'.repeat(65 + rng.int(500)), '1']) },
  {
    name: 'repeated query parameter',
    apply: (d, rng) => {
      const [name, value] = d.query.length ? rng.pick(d.query) : ['x', '1'];
      d.query.push([name, value], [name, rng.word()]);
    },
  },
  { name: 'malformed escape in the query', apply: (d, rng) => d.query.push([rng.word(), `${rng.word()}${rng.pick(MALFORMED_ESCAPES)}`]) },
  {
    name: 'malformed escape in the path',
    apply: (d, rng) => {
      const i = pickSegment(d, rng);
      d.segments[i] = `${d.segments[i]}${rng.pick(MALFORMED_ESCAPES)}`;
    },
  },
  {
    name: 'control character in the path',
    apply: (d, rng) => {
      const i = pickSegment(d, rng);
      d.segments[i] = `${d.segments[i]}${control(rng)}`;
    },
  },
  {
    name: 'overlong path segment',
    apply: (d, rng) => {
      const i = pickSegment(d, rng);
      d.segments[i] = `${d.segments[i]}${'s'.repeat(256 + rng.int(1000))}`;
    },
  },
  { name: 'URL too long', apply: (d, rng) => d.query.push(['a', 'x'.repeat(3000)], ['b', 'x'.repeat(3000)], ['c', 'x'.repeat(2200 + rng.int(900))]) },
  {
    name: 'raw control byte in the request line',
    apply: (d, rng) => {
      const i = pickSegment(d, rng);
      d.segments[i] = `${d.segments[i]}${rng.pick(['\u0000', '\u0001', '\u001b', '\u007f', ' x'])}`;
    },
  },
  { name: 'control character in a cookie', apply: (d, rng) => d.cookies.push([`fuzz${rng.int(10)}`, withControl(rng)]) },
  { name: 'oversized cookie', apply: (d, rng) => d.cookies.push(['fuzz', 'c'.repeat(4097 + rng.int(4000))]) },
  { name: 'cookie header over the server limit', apply: (d, rng) => d.cookies.push(['fuzz', 'c'.repeat(17_000 + rng.int(10_000))]) },
  { name: 'control byte in a header', apply: (d, rng) => setHeader(d, 'x-fuzz', `${rng.word()}${rng.pick(['\u0001', '\u0000', '\u007f', '\u001b'])}${rng.word()}`) },
  { name: 'overlong header', apply: (d, rng) => setHeader(d, rng.pick(['x-fuzz', 'user-agent', 'accept-language', 'x-request-id']), 'h'.repeat(8193 + rng.int(4000))) },
  {
    name: 'oversize body',
    applies: hasBody,
    apply: (d, rng) => {
      const size = rng.pick([64 * 1024 + 1, 64 * 1024 + rng.int(200_000), 2 * 1024 * 1024]);
      setBody(d, 'application/json', json({ email: 'padded@partner.example', orgRole: 'member', padding: 'x'.repeat(size) }), rng.next() < 0.5);
    },
  },
  {
    name: 'broken JSON',
    applies: hasBody,
    apply: (d, rng) =>
      setBody(d, rng.pick(['application/json', 'application/json; charset=utf-8', 'application/scim+json']), rng.pick(['{', '{"email":', '[1,2', 'nul', '{"a":1}}', "{'email':'a@b.example'}", '\u0000', '{"email":"a@b.example",}', `{"email":"a\u0001b@c.example"}`])),
  },
  { name: 'wrong content type', applies: hasBody, apply: (d, rng) => setBody(d, rng.pick([...WRONG_TYPES, undefined]), json({ email: `${rng.word()}@partner.example` })) },
  {
    name: 'control character in a JSON string',
    applies: hasBody,
    apply: (d, rng) => {
      const bad = decodeURIComponent(control(rng, BODY_CONTROLS));
      setBody(d, 'application/json', rng.pick([json({ email: `a${bad}b@partner.example` }), json({ [`k${bad}`]: 1 }), json({ deep: [{ name: `x${bad}` }] })]));
    },
  },
  {
    name: 'deeply nested JSON',
    applies: hasBody,
    apply: (d, rng) => {
      const depth = 33 + rng.int(3000);
      setBody(d, 'application/json', rng.next() < 0.5 ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
    },
  },
  { name: 'control character in a form field', applies: hasBody, apply: (d, rng) => setBody(d, 'application/x-www-form-urlencoded', `${rng.word()}=${rng.word()}${control(rng, BODY_CONTROLS)}`) },
  {
    name: 'form posted from another origin',
    applies: hasBody,
    apply: (d, rng) => {
      setHeader(d, 'origin', rng.pick(['https://evil.example', 'null', 'http://localhost']));
      setBody(d, rng.pick(['application/x-www-form-urlencoded', 'text/plain', undefined]), '');
    },
  },
];

const replaceSlug = (d: Draft, w: World, by: (slug: string) => string) => void (d.segments = d.segments.map((s) => (s === w.slug ? by(s) : s)));

const orgMutations: Mutation[] = [
  { name: 'organisation that is no slug (path traversal)', apply: (d, rng, w) => replaceSlug(d, w, () => rng.pick(BAD_SLUGS)) },
  { name: 'control character in the organisation', apply: (d, rng, w) => replaceSlug(d, w, (slug) => `${slug}${control(rng)}`) },
];
const signedOut: Mutation = { name: 'signed out', apply: (d, _rng, w) => void (d.cookies = d.cookies.filter(([k]) => k !== w.session[0])) };
const forgedSession: Mutation = {
  name: 'forged session cookie',
  apply: (d, rng, w) => {
    d.cookies = [...d.cookies.filter(([k]) => k !== w.session[0]), [w.session[0], rng.pick([rng.uuid(), 'x'.repeat(43), ''])]];
  },
};
const setupSignedOut: Mutation = { name: 'no setup session', apply: (d, _rng, w) => void (d.cookies = d.cookies.filter(([k]) => k !== w.setupSession[0])) };
const forgedSetupSession: Mutation = {
  name: 'forged setup session cookie',
  apply: (d, rng, w) => {
    d.cookies = [...d.cookies.filter(([k]) => k !== w.setupSession[0]), [w.setupSession[0], rng.pick([rng.uuid(), 'x'.repeat(43), '', w.session[1]])]];
  },
};
const otherOrg: Mutation = { name: "another organisation's URL", apply: (d, rng, w) => replaceSlug(d, w, () => `other-${rng.int(1e6)}`) };

const signInStart: Mutation[] = [
  { name: 'overlong login_hint', apply: (d, rng) => setQuery(d, 'login_hint', 'h'.repeat(321 + rng.int(3000))) },
  { name: 'control character in login_hint', apply: (d, rng, w) => setQuery(d, 'login_hint', `ada${control(rng)}%40${w.domain}`) },
  { name: 'control character in next', apply: (d, rng) => setQuery(d, 'next', `%2Fadmin${control(rng)}%2Fmembers`) },
  { name: 'unknown organisation', apply: (d, rng, w) => replaceSlug(d, w, () => `nobody-${rng.int(1e6)}`) },
];

const base = (method: string, path: string, w: World, extra: Partial<Draft> = {}): Draft => ({
  method,
  segments: path.split('/').slice(1),
  query: [],
  headers: [['origin', w.origin]],
  cookies: [w.session],
  ...extra,
});
const jsonBody = (body: unknown): Partial<Draft> => ({ body: json(body) });
const withJson = (d: Draft) => ({ ...d, headers: [...d.headers, ['content-type', 'application/json'] as [string, string]] });

const badEmails = ['not-an-email', 'a%20b%40acme.example', '%40acme.example', 'ada%40', `${'a'.repeat(321)}%40acme.example`, 'ada%40localhost', 'a%40b%40acme.example'];
const badDomains = ['gmail.com', 'co.uk', '10.0.0.1', 'not%20a%20domain', '..%2F..%2Fetc', `${'d'.repeat(250)}.example`, '-x.example', 'x_y.example', '%2e'];
const badIds = ['1', 'not-a-uuid', '..%2F..%2Fmembers', '6be494c1-89a8-4183-9986-f66290770d07x', "'%20or%201%3D1--"];

/** Every route of the app; the test fails when a route has no entry. */
const routes: Record<string, RouteFuzz> = {
  'GET /healthz': { base: (w) => base('GET', '/healthz', w) },
  'GET /readyz': { base: (w) => base('GET', '/readyz', w) },
  'GET /login': {
    base: (w) => base('GET', '/login', w, { query: [['email', `ada%40${w.domain}`], ['next', '%2Fadmin%2Fmembers']] }),
    own: [
      { name: 'not an email address', apply: (d, rng) => setQuery(d, 'email', rng.pick(badEmails)) },
      { name: 'control character inside an email address', apply: (d, rng, w) => setQuery(d, 'email', rng.pick([`a${control(rng)}b%40${w.domain}`, `ada%40${w.domain}${control(rng)}`])) },
      { name: 'organisation nobody is called', apply: (d, rng) => setQuery(d, 'org', rng.pick(['a%20b', '-x', '..%2Fetc', `${'d'.repeat(250)}.example`, 'acme_corp', '%2e', 'Acme%20%20Nobody'])) },
      { name: 'control character in next', apply: (d, rng) => setQuery(d, 'next', `%2Fadmin${control(rng)}`) },
    ],
  },
  'GET /auth/:org/login': {
    base: (w) => base('GET', `/auth/${w.slug}/login`, w, { query: [['login_hint', `ada%40${w.domain}`], ['next', '%2Fadmin%2Fmembers']] }),
    own: signInStart,
  },
  'POST /auth/:org/login': {
    base: (w) => base('POST', `/auth/${w.slug}/login`, w, { headers: [['origin', w.origin], ['content-type', 'application/x-www-form-urlencoded']], body: '' }),
    own: signInStart,
  },
  'GET /auth/:org/callback': {
    base: (w) => base('GET', `/auth/${w.slug}/callback`, w, { query: [['code', 'abc'], ['state', 's'.repeat(43)], ['iss', 'http%3A%2F%2F127.0.0.1']] }),
    own: [
      { name: 'forged state', apply: (d, rng) => setQuery(d, 'state', rng.word(60)) },
      { name: 'no state', apply: (d) => void (d.query = d.query.filter(([k]) => k !== 'state')) },
      { name: 'IdP error without a sign-in', apply: (d, rng) => setQuery(d, 'error', rng.pick(['access_denied', 'Call%20%2B1%20555', '%3Cscript%3E'])) },
    ],
  },
  'POST /logout': { base: (w) => base('POST', '/logout', w) },
  'GET /api/me': { base: (w) => base('GET', '/api/me', w), session: 'member' },
  'GET /api/orgs/:org/invitations': { base: (w) => base('GET', `/api/orgs/${w.slug}/invitations`, w), session: 'org_admin' },
  'POST /api/orgs/:org/invitations': {
    base: (w) => withJson(base('POST', `/api/orgs/${w.slug}/invitations`, w, jsonBody({ email: 'fuzz@partner.example', orgRole: 'member' }))),
    session: 'org_admin',
    own: [
      {
        name: 'invalid invitation fields',
        apply: (d, rng) =>
          setBody(
            d,
            'application/json',
            rng.pick([
              json({ email: 'nope' }),
              json({ email: `${'a'.repeat(310)}@partner.example` }),
              json({ email: 'fuzz@partner.example', orgRole: 'owner' }),
              json({ email: 42 }),
              json({ email: ['fuzz@partner.example'] }),
              json({}),
              json(null),
              json(['fuzz@partner.example']),
              json('fuzz@partner.example'),
              json({ email: 'fu zz@partner.example' }),
            ]),
          ),
      },
      { name: 'form body to the JSON API', apply: (d) => setBody(d, 'application/x-www-form-urlencoded', 'email=fuzz%40partner.example') },
    ],
  },
  'DELETE /api/orgs/:org/invitations/:id': {
    base: (w) => base('DELETE', `/api/orgs/${w.slug}/invitations/${w.invitationId}`, w),
    session: 'org_admin',
    own: [
      { name: 'not an invitation id', apply: (d, rng, w) => void (d.segments = d.segments.map((s) => (s === w.invitationId ? rng.pick(badIds) : s))) },
      { name: 'unknown invitation id', apply: (d, rng, w) => void (d.segments = d.segments.map((s) => (s === w.invitationId ? rng.uuid() : s))) },
    ],
  },
  'GET /api/orgs/:org/domains': { base: (w) => base('GET', `/api/orgs/${w.slug}/domains`, w), session: 'org_admin' },
  'POST /api/orgs/:org/domains': {
    base: (w) => withJson(base('POST', `/api/orgs/${w.slug}/domains`, w, jsonBody({ domain: 'fuzz.partner.example' }))),
    session: 'org_admin',
    own: [
      {
        name: 'invalid domain fields',
        apply: (d, rng) =>
          setBody(
            d,
            'application/json',
            rng.pick([
              json({ domain: 'gmail.com' }),
              json({ domain: 'co.uk' }),
              json({ domain: '192.168.0.1' }),
              json({ domain: 'not a domain' }),
              json({ domain: `${'d'.repeat(260)}.example` }),
              json({ domain: 42 }),
              json({ domain: ['fuzz.partner.example'] }),
              json({ domain: 'fuzz.partner.example', extra: 1 }),
              json({}),
              json(null),
              json('fuzz.partner.example'),
            ]),
          ),
      },
      { name: 'form body to the JSON API', apply: (d) => setBody(d, 'application/x-www-form-urlencoded', 'domain=fuzz.partner.example') },
    ],
  },
  'POST /api/orgs/:org/domains/:domain/check': {
    base: (w) => base('POST', `/api/orgs/${w.slug}/domains/${w.pendingDomain}/check`, w),
    session: 'org_admin',
    own: [{ name: 'not a domain of the org', apply: (d, rng, w) => replaceId(d, w.pendingDomain, rng.pick([...badDomains, 'unknown.example'])) }],
  },
  'DELETE /api/orgs/:org/domains/:domain': {
    base: (w) => base('DELETE', `/api/orgs/${w.slug}/domains/${w.pendingDomain}`, w),
    session: 'org_admin',
    own: [
      { name: 'not a domain of the org', apply: (d, rng, w) => replaceId(d, w.pendingDomain, rng.pick([...badDomains, 'unknown.example'])) },
      { name: 'an operator-verified domain', apply: (d, _rng, w) => replaceId(d, w.pendingDomain, w.domain) },
    ],
  },
  'DELETE /api/orgs/:org/members/:id/identities': {
    base: (w) => base('DELETE', `/api/orgs/${w.slug}/members/${w.adminId}/identities`, w),
    session: 'org_admin',
    own: [
      { name: 'not a member id', apply: (d, rng, w) => void (d.segments = d.segments.map((s) => (s === w.adminId ? rng.pick(badIds) : s))) },
      { name: 'unknown member id', apply: (d, rng, w) => void (d.segments = d.segments.map((s) => (s === w.adminId ? rng.uuid() : s))) },
    ],
  },
};

const replaceId = (d: Draft, id: string, by: string) => void (d.segments = d.segments.map((s) => (s === id ? by : s)));
const memberIdMutations: Mutation[] = [
  { name: 'not a member id', apply: (d, rng, w) => replaceId(d, w.adminId, rng.pick(badIds)) },
  { name: 'unknown member id', apply: (d, rng, w) => replaceId(d, w.adminId, rng.uuid()) },
];
const siteIdMutations: Mutation[] = [
  { name: 'not a site id', apply: (d, rng, w) => replaceId(d, w.siteId, rng.pick(badIds)) },
  { name: 'unknown site id', apply: (d, rng, w) => replaceId(d, w.siteId, rng.uuid()) },
];
const jsonMutation = (name: string, bodies: (w: World, rng: Rng) => unknown[]): Mutation => ({
  name,
  apply: (d, rng, w) => setBody(d, 'application/json', json(rng.pick(bodies(w, rng)))),
});
const badGrants = (w: World, rng: Rng) => [
  { siteId: w.siteId, role: 'owner' },
  { siteId: rng.pick(['1', 'x', '']), role: 'site_member' },
  { siteId: rng.uuid(), role: 'site_member' },
  { siteId: w.siteId },
  { siteId: w.siteId, role: 'site_member', extra: true },
  [],
  null,
  'site_member',
];
/** One site for many members: input errors refuse the whole request. */
const badBulkGrants = (w: World, rng: Rng) => [
  { memberIds: [], siteId: w.siteId, role: 'site_member' },
  { memberIds: Array.from({ length: 501 }, () => rng.uuid()), siteId: w.siteId, role: 'site_member' },
  { memberIds: [w.adminId, w.adminId.toUpperCase()], siteId: w.siteId, role: 'site_member' },
  { memberIds: [w.adminId, rng.uuid()], siteId: w.siteId, role: 'site_member' },
  { memberIds: [rng.pick(badIds)], siteId: w.siteId, role: 'site_member' },
  { memberIds: w.adminId, siteId: w.siteId, role: 'site_member' },
  ...badGrants(w, rng).map((grant) => (grant !== null && typeof grant === 'object' && !Array.isArray(grant) ? { memberIds: [w.adminId], ...grant } : grant)),
];
const rivalSite: Mutation = { name: "another organisation's site", apply: (d, _rng, w) => replaceId(d, w.siteId, w.rivalSiteId) };
/** Rules the route refuses: malformed, naming what is not the organisation's, or one the group has already. */
const badRules = (w: World, rng: Rng) => {
  const rule = { groupId: w.scimGroupId, siteId: w.siteId, role: 'site_member' };
  return [
    { ...rule, role: rng.pick(['owner', 'SITE_ADMIN', '', null, 1]) },
    { ...rule, groupId: rng.pick([...badIds, '', 7]) },
    { ...rule, siteId: rng.pick([...badIds, '', 7]) },
    { ...rule, groupId: rng.pick([rng.uuid(), w.rivalGroupId, w.scimUserId, w.siteId]) },
    { ...rule, siteId: rng.pick([rng.uuid(), w.rivalSiteId, w.scimGroupId]) },
    { ...rule, groupId: [w.scimGroupId] },
    { ...rule, extra: true },
    { groupId: w.scimGroupId, siteId: w.siteId },
    { siteId: w.siteId, role: 'site_member' },
    { ...rule, siteId: w.ruledSiteId, role: rng.pick(['site_member', 'site_admin']) },
    { ...rule, groupId: w.scimGroupId.toUpperCase(), siteId: w.ruledSiteId.toUpperCase() },
    {},
    null,
    [rule],
    'site_member',
  ];
};
const listFilters: Mutation = {
  name: 'invalid list filter',
  apply: (d, rng) => {
    const [name, value] = rng.pick([
      ['siteAccess', 'maybe'],
      ['status', 'gone'],
      ['source', 'ldap'],
      ['limit', rng.pick(['0', '201', '-1', 'abc', '1.5'])],
      ['cursor', rng.word(30)],
      // Well-formed, but a date PostgreSQL cannot hold: once a 500.
      ['cursor', Buffer.from(JSON.stringify([rng.pick(['0000-01-01T00:00:00Z', '-000001-01-01T00:00:00Z', '9999-12-31T23:59:59Z']), rng.uuid()])).toString('base64url')],
      ['q', 'q'.repeat(101)],
      ['unknown', '1'],
    ] as const);
    setQuery(d, name, value);
  },
};

Object.assign(routes, {
  'GET /api/orgs/:org/members': {
    base: (w) => base('GET', `/api/orgs/${w.slug}/members`, w, { query: [['siteAccess', 'none'], ['limit', '10']] }),
    session: 'org_admin',
    own: [listFilters],
  },
  'GET /api/orgs/:org/members/:id': { base: (w) => base('GET', `/api/orgs/${w.slug}/members/${w.adminId}`, w), session: 'org_admin', own: memberIdMutations },
  'PATCH /api/orgs/:org/members/:id': {
    base: (w) => withJson(base('PATCH', `/api/orgs/${w.slug}/members/${w.adminId}`, w, jsonBody({ orgRole: 'org_admin' }))),
    session: 'org_admin',
    own: [...memberIdMutations, jsonMutation('invalid role change', () => [{ orgRole: 'owner' }, { orgRole: 'member', extra: 1 }, {}, null, 'org_admin', { orgRole: 'member' }])],
  },
  'PUT /api/orgs/:org/members/:id/sites': {
    base: (w) => withJson(base('PUT', `/api/orgs/${w.slug}/members/${w.adminId}/sites`, w, jsonBody({ sites: [] }))),
    session: 'org_admin',
    own: [
      ...memberIdMutations,
      jsonMutation('invalid site set', (w, rng) => [{ sites: [rng.pick(badGrants(w, rng))] }, { sites: [{ siteId: w.siteId, role: 'site_member' }, { siteId: w.siteId, role: 'site_admin' }] }, { sites: 'all' }, {}]),
    ],
  },
  'POST /api/orgs/:org/members/:id/sites': {
    base: (w) => withJson(base('POST', `/api/orgs/${w.slug}/members/${w.adminId}/sites`, w, jsonBody({ siteId: w.siteId, role: 'site_member' }))),
    session: 'org_admin',
    own: [...memberIdMutations, jsonMutation('invalid site grant', (w, rng) => badGrants(w, rng))],
  },
  'DELETE /api/orgs/:org/members/:id/sites/:siteId': {
    base: (w) => base('DELETE', `/api/orgs/${w.slug}/members/${w.adminId}/sites/${w.siteId}`, w),
    session: 'org_admin',
    own: [...memberIdMutations, ...siteIdMutations],
  },
  'POST /api/orgs/:org/members/:id/sites/:siteId/hand-back': {
    base: (w) => base('POST', `/api/orgs/${w.slug}/members/${w.adminId}/sites/${w.siteId}/hand-back`, w),
    session: 'org_admin',
    own: [...memberIdMutations, ...siteIdMutations, rivalSite],
  },
  'GET /api/orgs/:org/site-rules': { base: (w) => base('GET', `/api/orgs/${w.slug}/site-rules`, w), session: 'org_admin' },
  'POST /api/orgs/:org/site-rules': {
    // Well-formed: the world's group has no rule for w.siteId yet.
    base: (w) => withJson(base('POST', `/api/orgs/${w.slug}/site-rules`, w, jsonBody({ groupId: w.scimGroupId, siteId: w.siteId, role: 'site_member' }))),
    session: 'org_admin',
    own: [
      jsonMutation('invalid site-access rule', badRules),
      { name: 'form body to the JSON API', apply: (d, _rng, w) => setBody(d, 'application/x-www-form-urlencoded', `groupId=${w.scimGroupId}&siteId=${w.siteId}&role=site_member`) },
    ],
  },
  'DELETE /api/orgs/:org/site-rules/:id': {
    base: (w) => base('DELETE', `/api/orgs/${w.slug}/site-rules/${w.ruleId}`, w),
    session: 'org_admin',
    own: [
      { name: 'not a rule id', apply: (d, rng, w) => replaceId(d, w.ruleId, rng.pick(badIds)) },
      { name: 'unknown rule id', apply: (d, rng, w) => replaceId(d, w.ruleId, rng.pick([rng.uuid(), w.scimGroupId, w.ruledSiteId])) },
      { name: "another organisation's rule", apply: (d, _rng, w) => replaceId(d, w.ruleId, w.rivalRuleId) },
    ],
  },
  ...Object.fromEntries(
    ['disable', 'enable', 'follow-directory'].map((decision) => [
      `POST /api/orgs/:org/members/:id/${decision}`,
      {
        base: (w: World) => withJson(base('POST', `/api/orgs/${w.slug}/members/${w.adminId}/${decision}`, w, jsonBody({ reason: 'fuzz' }))),
        session: 'org_admin',
        own: [...memberIdMutations, jsonMutation('invalid status decision', () => [{ reason: 'r'.repeat(501) }, { reason: 42 }, { reason: ['x'] }, { reason: 'x', extra: 1 }, null, [], 'disable'])],
      } satisfies RouteFuzz,
    ]),
  ),
  'POST /api/orgs/:org/members/site-assignments': {
    base: (w) => withJson(base('POST', `/api/orgs/${w.slug}/members/site-assignments`, w, jsonBody({ memberIds: [w.adminId], siteId: w.siteId, role: 'site_member' }))),
    session: 'org_admin',
    own: [jsonMutation('invalid bulk site grant', (w, rng) => badBulkGrants(w, rng))],
  },
  'GET /api/orgs/:org/sites': { base: (w) => base('GET', `/api/orgs/${w.slug}/sites`, w), session: 'org_admin' },
  'GET /api/sites/:siteId/announcements': { base: (w) => base('GET', `/api/sites/${w.siteId}/announcements`, w), session: 'member', own: siteIdMutations },
  'GET /api/sites/:siteId/bookings': { base: (w) => base('GET', `/api/sites/${w.siteId}/bookings`, w), session: 'member', own: siteIdMutations },
  'GET /api/sites/:siteId/visitors': { base: (w) => base('GET', `/api/sites/${w.siteId}/visitors`, w), session: 'member', own: siteIdMutations },
  'POST /api/sites/:siteId/announcements': {
    base: (w) => withJson(base('POST', `/api/sites/${w.siteId}/announcements`, w, jsonBody({ title: 'Fuzz', body: 'Fuzz' }))),
    session: 'member',
    own: [
      ...siteIdMutations,
      jsonMutation('invalid announcement', () => [{ title: '' , body: 'x' }, { title: 't'.repeat(201), body: 'x' }, { title: 'x', body: 'b'.repeat(5001) }, { title: 'x' }, { title: 'x', body: 'y', pinned: true }, [], null]),
    ],
  },
} satisfies Record<string, RouteFuzz>);

const bearer = (token: string): [string, string] => ['authorization', `Bearer ${token}`];
const scimBase = (method: string, path: string, w: World, body?: unknown): Draft => {
  const draft = base(method, `/scim/v2${path}`, w, body === undefined ? {} : jsonBody(body));
  draft.headers.push(bearer(w.scimToken), ...(body === undefined ? [] : [['content-type', 'application/scim+json'] as [string, string]]));
  return draft;
};
const scimTokens: Mutation[] = [
  { name: 'no SCIM token', apply: (d) => void (d.headers = d.headers.filter(([k]) => k !== 'authorization')) },
  {
    name: 'wrong SCIM token',
    apply: (d, rng, w) => setHeader(d, 'authorization', rng.pick([`Bearer scim_${rng.word(43)}`, `Bearer ${w.scimToken}x`, `Basic ${w.scimToken}`, 'Bearer', `bearer  ${rng.uuid()}`])),
  },
];
const scimUserMutations: Mutation[] = [
  ...scimTokens,
  { name: "another organisation's SCIM token", apply: (d, _rng, w) => setHeader(d, 'authorization', `Bearer ${w.rivalScimToken}`) },
  { name: 'unknown SCIM user', apply: (d, rng, w) => replaceId(d, w.scimUserId, rng.pick([rng.uuid(), ...badIds])) },
];
const badResources = (w: World, rng: Rng) => [
  { ...okta.create(`scim@${w.domain}`, 'fuzz-ext'), shoeSize: 44 },
  { ...okta.create(`scim@${w.domain}`, 'fuzz-ext'), active: rng.pick(['yes', 1, 'nope']) },
  { ...okta.create(`scim@${w.domain}`, 'fuzz-ext'), userName: rng.pick([42, '', null, ['a']]) },
  { ...okta.create(`scim@${w.domain}`, 'fuzz-ext'), schemas: rng.pick([[], ['urn:x'], 'User']) },
  { ...okta.create(`scim@${w.domain}`, 'fuzz-ext'), emails: [{ value: 'x@a.example', primary: true }, { value: 'y@a.example', primary: true }] },
  okta.create(`${rng.word()}@elsewhere.example`, rng.word()),
  [],
  null,
];
const badPatches = (w: World, rng: Rng) => [
  { schemas: [PATCH_OP], Operations: [{ op: rng.pick(['move', 'copy', '', 1]), path: 'active', value: false }] },
  { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: rng.pick(['shoeSize', 'emails[type eq work].value', 'name..x', 'id', 'groups', '']), value: 'x' }] },
  { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: rng.pick([false, 'x', null]) }] },
  { schemas: [PATCH_OP], Operations: [{ op: 'remove' }] },
  { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'emails[type eq "home"]' }] },
  { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: rng.pick(['Falsch', 0, 'no']) }] },
  { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'emails[type eq "work"].value', value: `x@${rng.word()}.elsewhere.example` }] },
  { schemas: [PATCH_OP], Operations: [] },
  { Operations: [{ op: 'replace', value: { active: false } }] },
  { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }, { op: 'add', path: 'x', value: 1 }] },
  okta.create(`scim@${w.domain}`, 'fuzz-ext'),
];
const badListQueries: Mutation = {
  name: 'invalid SCIM list query',
  apply: (d, rng) => {
    const [name, value] = rng.pick([
      ['filter', encodeURIComponent(rng.pick(['userName eq', 'userName eq "a" and', 'shoeSize eq "1"', 'active eq "yes"', 'emails[type eq "work"', '((((', 'meta.created gt "x"', 'userName eq "a\\u0000"']))],
      ['count', rng.pick(['ten', '1.5', '1e3', ''.padEnd(20, '9')])],
      ['startIndex', rng.pick(['first', '-1.5', '0x10'])],
      ['limit', '10'],
    ] as const);
    setQuery(d, name, value);
  },
};

const scimGroupMutations: Mutation[] = [
  ...scimTokens,
  { name: "another organisation's SCIM token", apply: (d, _rng, w) => setHeader(d, 'authorization', `Bearer ${w.rivalScimToken}`) },
  { name: 'unknown SCIM group', apply: (d, rng, w) => replaceId(d, w.scimGroupId, rng.pick([rng.uuid(), w.scimUserId, ...badIds])) },
];
const badGroups = (w: World, rng: Rng) => [
  { ...oktaGroups.create('Fuzz group'), shoeSize: 44 },
  { ...oktaGroups.create(rng.word()), schemas: rng.pick([[], ['urn:x'], 'Group', [CORE_GROUP.replace('Group', 'User')]]) },
  { schemas: [CORE_GROUP], displayName: rng.pick([42, '', '  ', null, ['a'], 'x'.repeat(257)]) },
  { ...oktaGroups.create(rng.word()), members: [{ value: rng.pick([rng.uuid(), ...badIds, 7]) }] },
  { ...oktaGroups.create(rng.word()), members: [{ value: w.scimUserId, type: 'Group' }] },
  { ...oktaGroups.create(rng.word()), members: [{ id: w.scimUserId }] },
  { ...oktaGroups.create(rng.word()), externalId: rng.pick([1, true, 'e'.repeat(257)]) },
  [],
  null,
];
const badGroupPatches = (w: World, rng: Rng) => [
  entraGroups.add([rng.pick([rng.uuid(), ...badIds])]),
  entraGroups.add([w.scimUserId, rng.uuid()]),
  entraGroups.rename(rng.pick(['', '  ', 'x'.repeat(257)])),
  { schemas: [PATCH_OP], Operations: [{ op: rng.pick(['move', 'copy', '', 1]), path: 'members', value: [{ value: w.scimUserId }] }] },
  { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: rng.pick(['members[display eq "x"]', 'members[value eq "a" and display eq "b"]', 'members[', 'displayName', 'id', 'owner', 'members.value']) }] },
  { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: rng.pick([false, 'x', null, {}, { id: rng.uuid(), displayName: 'Hijack' }]) }] },
  { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: rng.pick([[], [{}], [{ value: '' }], 'x'.repeat(40)]) }] },
  { schemas: [PATCH_OP], Operations: [{ op: 'remove' }] },
  { schemas: [PATCH_OP], Operations: [] },
  { Operations: [{ op: 'add', path: 'members', value: [{ value: w.scimUserId }] }] },
  oktaGroups.create('Fuzz group'),
];

Object.assign(routes, {
  'GET /scim/v2/Groups': { base: (w) => scimBase('GET', '/Groups', w, undefined), own: [...scimTokens, badListQueries], bearer: true },
  'POST /scim/v2/Groups': {
    base: (w) => scimBase('POST', '/Groups', w, oktaGroups.create(`New group ${randomInt(1e9)}`)),
    own: [...scimTokens, jsonMutation('invalid SCIM group', badGroups), jsonMutation('SCIM group named like another', () => [oktaGroups.create('Fuzz group')])],
    bearer: true,
  },
  'GET /scim/v2/Groups/:id': { base: (w) => scimBase('GET', `/Groups/${w.scimGroupId}`, w), own: scimGroupMutations, bearer: true },
  'PUT /scim/v2/Groups/:id': {
    base: (w) => scimBase('PUT', `/Groups/${w.scimGroupId}`, w, oktaGroups.replace(w.scimGroupId, 'Renamed by fuzz', [])),
    own: [...scimGroupMutations, jsonMutation('invalid SCIM group', badGroups)],
    bearer: true,
  },
  'PATCH /scim/v2/Groups/:id': {
    base: (w) => scimBase('PATCH', `/Groups/${w.scimGroupId}`, w, entraGroups.remove([w.scimUserId])),
    own: [...scimGroupMutations, jsonMutation('invalid SCIM group patch', badGroupPatches)],
    bearer: true,
  },
  'DELETE /scim/v2/Groups/:id': { base: (w) => scimBase('DELETE', `/Groups/${w.scimGroupId}`, w), own: scimGroupMutations, bearer: true },
} satisfies Record<string, RouteFuzz>);

Object.assign(routes, {
  'GET /scim/v2/ServiceProviderConfig': { base: (w) => scimBase('GET', '/ServiceProviderConfig', w), own: scimTokens, bearer: true },
  'GET /scim/v2/ResourceTypes': { base: (w) => scimBase('GET', '/ResourceTypes', w), own: scimTokens, bearer: true },
  'GET /scim/v2/ResourceTypes/:id': {
    base: (w) => scimBase('GET', '/ResourceTypes/User', w),
    own: [...scimTokens, { name: 'unknown resource type', apply: (d, rng) => void (d.segments[d.segments.length - 1] = rng.pick(['Groups', 'user', 'group', rng.word()])) }],
    bearer: true,
  },
  'GET /scim/v2/Schemas': { base: (w) => scimBase('GET', '/Schemas', w), own: scimTokens, bearer: true },
  'GET /scim/v2/Schemas/:id': {
    base: (w) => scimBase('GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User', w),
    own: [...scimTokens, { name: 'unknown schema', apply: (d, rng) => void (d.segments[d.segments.length - 1] = rng.pick(['urn:x', rng.word(), '..%2F..'])) }],
    bearer: true,
  },
  'GET /scim/v2/Users': { base: (w) => scimBase('GET', '/Users', w, undefined), own: [...scimTokens, badListQueries], bearer: true },
  'POST /scim/v2/Users': {
    base: (w) => scimBase('POST', '/Users', w, okta.create(`new-${randomInt(1e9)}@${w.domain}`, `new-${randomInt(1e9)}`)),
    own: [...scimTokens, jsonMutation('invalid SCIM user', badResources)],
    bearer: true,
  },
  'GET /scim/v2/Users/:id': { base: (w) => scimBase('GET', `/Users/${w.scimUserId}`, w), own: scimUserMutations, bearer: true },
  'PUT /scim/v2/Users/:id': {
    base: (w) => scimBase('PUT', `/Users/${w.scimUserId}`, w, okta.replace(w.scimUserId, `scim@${w.domain}`, 'fuzz-ext', 'Changed', 'Name')),
    own: [...scimUserMutations, jsonMutation('invalid SCIM user', badResources)],
    bearer: true,
  },
  'PATCH /scim/v2/Users/:id': {
    base: (w) => scimBase('PATCH', `/Users/${w.scimUserId}`, w, okta.setActive(false)),
    own: [...scimUserMutations, jsonMutation('invalid SCIM patch', badPatches)],
    bearer: true,
  },
  'DELETE /scim/v2/Users/:id': { base: (w) => scimBase('DELETE', `/Users/${w.scimUserId}`, w), own: scimUserMutations, bearer: true },
} satisfies Record<string, RouteFuzz>);

/** The pages' forms: url-encoded, with the session's form token. */
type Fields = Partial<Record<string, string>>;
const form = (fields: Fields) => (w: World) =>
  new URLSearchParams(Object.entries({ _csrf: w.formToken, ...fields }).filter((e): e is [string, string] => e[1] !== undefined)).toString();
const formPost = (path: (w: World) => string, fields: (w: World) => Fields = () => ({})) => (w: World) =>
  base('POST', path(w), w, { headers: [['origin', w.origin], ['content-type', 'application/x-www-form-urlencoded']], body: form(fields(w))(w) });
const formMutation = (name: string, bodies: (w: World, rng: Rng) => Fields[]): Mutation => ({
  name,
  apply: (d, rng, w) => setBody(d, 'application/x-www-form-urlencoded', form(rng.pick(bodies(w, rng)))(w)),
});
const formToken: Mutation[] = [
  { name: 'no form token', apply: (d) => setBody(d, 'application/x-www-form-urlencoded', (d.body ?? '').replace(/(^|&)_csrf=[^&]*/, '')) },
  {
    name: 'form token of another session',
    apply: (d, rng) => setBody(d, 'application/x-www-form-urlencoded', (d.body ?? '').replace(/_csrf=[^&]*/, `_csrf=${rng.pick(['', rng.word(43), 'x'.repeat(43)])}`)),
  },
];
const memberPage = (w: World) => `/admin/members/${w.adminId}`;
const badDomainFields = () => [{ domain: 'gmail.com' }, { domain: 'co.uk' }, { domain: '10.0.0.1' }, { domain: 'not a domain' }, {}, { domain: 'fuzz.partner.example', extra: '1' }];

Object.assign(routes, {
  'GET /style.css': { base: (w) => base('GET', '/style.css', w) },
  'GET /local-time.js': { base: (w) => base('GET', '/local-time.js', w) },
  'GET /page.js': { base: (w) => base('GET', '/page.js', w) },
  'GET /': { base: (w) => base('GET', '/', w), session: 'member' },
  'POST /sign-out': { base: formPost(() => '/sign-out'), session: 'member', own: formToken },
  'GET /admin/members': {
    base: (w) => base('GET', '/admin/members', w, { query: [['siteAccess', 'none'], ['limit', '10']] }),
    session: 'member',
    own: [listFilters],
  },
  'GET /admin/members/:id': { base: (w) => base('GET', memberPage(w), w), session: 'member', own: memberIdMutations },
  'GET /admin/members/:id/disable': { base: (w) => base('GET', `${memberPage(w)}/disable`, w), session: 'member', own: memberIdMutations },
  'POST /admin/members/site-assignments': {
    base: formPost(() => '/admin/members/site-assignments', (w) => ({ memberId: w.adminId, siteId: w.siteId, role: 'site_member' })),
    session: 'member',
    own: [
      ...formToken,
      formMutation('invalid bulk site grant', (w, rng) => [
        { siteId: w.siteId, role: 'site_member' },
        { memberId: rng.uuid(), siteId: w.siteId, role: 'site_member' },
        { memberId: rng.pick(badIds), siteId: w.siteId, role: 'site_member' },
        { memberId: w.adminId, siteId: rng.uuid(), role: 'site_member' },
        { memberId: w.adminId, siteId: w.siteId, role: 'owner' },
        { memberId: w.adminId, siteId: w.siteId, role: 'site_member', allWaiting: 'maybe' },
        { memberId: w.adminId, siteId: w.siteId, role: 'site_member', extra: '1' },
      ]),
    ],
  },
  'POST /admin/members/:id/sites': {
    base: formPost((w) => `${memberPage(w)}/sites`, (w) => ({ siteId: w.siteId, role: 'site_member' })),
    session: 'member',
    own: [...memberIdMutations, ...formToken, formMutation('invalid site grant', (w, rng) => [{ siteId: w.siteId, role: 'owner' }, { siteId: rng.uuid(), role: 'site_member' }, { siteId: 'x', role: 'site_member' }, { siteId: w.siteId }, { siteId: w.siteId, role: 'site_member', extra: '1' }])],
  },
  'POST /admin/members/:id/sites/:siteId/remove': {
    base: formPost((w) => `${memberPage(w)}/sites/${w.siteId}/remove`),
    session: 'member',
    own: [...memberIdMutations, ...siteIdMutations, ...formToken],
  },
  'POST /admin/members/:id/role': {
    base: formPost((w) => `${memberPage(w)}/role`, () => ({ orgRole: 'org_admin' })),
    session: 'member',
    own: [...memberIdMutations, ...formToken, formMutation('invalid role change', () => [{ orgRole: 'owner' }, {}, { orgRole: 'member' }, { orgRole: 'org_admin', extra: '1' }])],
  },
  ...Object.fromEntries(
    ['disable', 'enable', 'follow-directory'].map((decision) => [
      `POST /admin/members/:id/${decision}`,
      {
        base: formPost((w) => `${memberPage(w)}/${decision}`, () => ({ reason: 'fuzz' })),
        session: 'member',
        own: [...memberIdMutations, ...formToken, formMutation('invalid status decision', () => [{ reason: 'r'.repeat(501) }, { reason: 'x', extra: '1' }])],
      } satisfies RouteFuzz,
    ]),
  ),
  'POST /admin/members/:id/sites/:siteId/hand-back': {
    base: formPost((w) => `${memberPage(w)}/sites/${w.siteId}/hand-back`),
    session: 'member',
    own: [...memberIdMutations, ...siteIdMutations, ...formToken],
  },
  'GET /admin/site-rules': { base: (w) => base('GET', '/admin/site-rules', w), session: 'member' },
  'POST /admin/site-rules': {
    base: formPost(() => '/admin/site-rules', (w) => ({ groupId: w.scimGroupId, siteId: w.siteId, role: 'site_member' })),
    session: 'member',
    own: [
      ...formToken,
      formMutation('invalid rule fields', (w, rng) => [
        { groupId: w.scimGroupId, siteId: w.siteId, role: rng.pick(['owner', 'SITE_ADMIN', '']) },
        { groupId: rng.pick([...badIds, rng.uuid(), w.rivalGroupId, w.scimUserId]), siteId: w.siteId, role: 'site_member' },
        { groupId: w.scimGroupId, siteId: rng.pick([...badIds, rng.uuid(), w.rivalSiteId]), role: 'site_member' },
        { groupId: w.scimGroupId, siteId: w.ruledSiteId, role: rng.pick(['site_member', 'site_admin']) },
        { groupId: w.scimGroupId, siteId: w.siteId },
        { groupId: w.scimGroupId, siteId: w.siteId, role: 'site_member', extra: '1' },
      ]),
    ],
  },
  ...Object.fromEntries(
    (['GET', 'POST'] as const).map((method) => [
      `${method} /admin/site-rules/:id/delete`,
      {
        base: method === 'GET' ? (w: World) => base('GET', `/admin/site-rules/${w.ruleId}/delete`, w) : formPost((w) => `/admin/site-rules/${w.ruleId}/delete`),
        session: 'member',
        own: [
          ...(method === 'POST' ? formToken : []),
          { name: 'not a rule of the org', apply: (d, rng, w) => replaceId(d, w.ruleId, rng.pick([...badIds, rng.uuid(), w.rivalRuleId, w.scimGroupId])) },
        ],
      } satisfies RouteFuzz,
    ]),
  ),
  'GET /admin/domains': { base: (w) => base('GET', '/admin/domains', w), session: 'member' },
  'GET /admin/domains/status': { base: (w) => base('GET', '/admin/domains/status', w), session: 'member' },
  'POST /admin/domains': {
    base: formPost(() => '/admin/domains', () => ({ domain: 'fuzz.partner.example' })),
    session: 'member',
    own: [...formToken, formMutation('invalid domain fields', badDomainFields)],
  },
  'POST /admin/domains/:domain/check': {
    base: formPost((w) => `/admin/domains/${w.pendingDomain}/check`),
    session: 'member',
    own: [...formToken, { name: 'not a domain of the org', apply: (d, rng, w) => replaceId(d, w.pendingDomain, rng.pick([...badDomains, 'unknown.example', w.domain])) }],
  },
  'GET /admin/domains/:domain/remove': {
    base: (w) => base('GET', `/admin/domains/${w.pendingDomain}/remove`, w),
    session: 'member',
    own: [{ name: 'not a domain of the org', apply: (d, rng, w) => replaceId(d, w.pendingDomain, rng.pick([...badDomains, 'unknown.example'])) }],
  },
  'POST /admin/domains/:domain/remove': {
    base: formPost((w) => `/admin/domains/${w.pendingDomain}/remove`),
    session: 'member',
    own: [...formToken, { name: 'not a domain of the org', apply: (d, rng, w) => replaceId(d, w.pendingDomain, rng.pick([...badDomains, 'unknown.example', w.domain])) }],
  },
  'GET /admin/invitations': { base: (w) => base('GET', '/admin/invitations', w), session: 'member' },
  'POST /admin/invitations': {
    base: formPost(() => '/admin/invitations', () => ({ email: 'fuzz@partner.example', orgRole: 'member' })),
    session: 'member',
    own: [...formToken, formMutation('invalid invitation fields', () => [{ email: 'nope', orgRole: 'member' }, { email: 'fuzz@partner.example', orgRole: 'owner' }, { orgRole: 'member' }, { email: `${'a'.repeat(310)}@partner.example`, orgRole: 'member' }])],
  },
  'POST /admin/invitations/:id/revoke': {
    base: formPost((w) => `/admin/invitations/${w.invitationId}/revoke`),
    session: 'member',
    own: [
      ...formToken,
      { name: 'not an invitation id', apply: (d, rng, w) => replaceId(d, w.invitationId, rng.pick(badIds)) },
      { name: 'unknown invitation id', apply: (d, rng, w) => replaceId(d, w.invitationId, rng.uuid()) },
    ],
  },
} satisfies Record<string, RouteFuzz>);

/** The setup pages: the IT contact's setup session cookie in place of the member's. */
const setupPage = (method: string, path: string, fields?: (w: World) => Fields) => (w: World): Draft => {
  const draft = fields
    ? formPost(() => path, fields)(w)
    : base(method, path, w);
  draft.cookies = [w.setupSession];
  if (draft.body !== undefined) draft.body = draft.body.replace(/_csrf=[^&]*/, `_csrf=${encodeURIComponent(w.setupFormToken)}`);
  return draft;
};
const badTokens = (rng: Rng) => [`setup_${rng.word(43)}`, rng.word(20), 't'.repeat(201 + rng.int(2000)), '', 'scim_x'];
const itContactIdMutations: Mutation[] = [
  { name: 'not an IT contact id', apply: (d, rng, w) => replaceId(d, w.itContactId, rng.pick(badIds)) },
  { name: 'unknown IT contact id', apply: (d, rng, w) => replaceId(d, w.itContactId, rng.uuid()) },
];
/** A form mutation on a setup page, sent with the setup session's form token: the fields themselves are what is refused. */
const setupFormMutation = (name: string, bodies: (w: World, rng: Rng) => Fields[]): Mutation => {
  const fields = formMutation(name, bodies);
  return {
    name,
    apply: (d, rng, w) => {
      fields.apply(d, rng, w);
      d.body = (d.body ?? '').replace(/_csrf=[^&]*/, `_csrf=${encodeURIComponent(w.setupFormToken)}`);
    },
  };
};
const badTokenNames = () => [{ name: 'n'.repeat(101) }, { name: 'x', extra: '1' }, { name: 'two\nlines' }];

Object.assign(routes, {
  'GET /setup/open': {
    base: (w) => base('GET', '/setup/open', w, { cookies: [], query: [['token', w.setupLinkToken]] }),
    own: [{ name: 'not a live setup link', apply: (d, rng) => setQuery(d, 'token', encodeURIComponent(rng.pick(badTokens(rng)))) }],
  },
  'POST /setup/open': {
    base: (w) => base('POST', '/setup/open', w, { cookies: [], headers: [['origin', w.origin], ['content-type', 'application/x-www-form-urlencoded']], body: `token=${w.setupLinkToken}` }),
    own: [{ name: 'not a live setup link', apply: (d, rng) => setBody(d, 'application/x-www-form-urlencoded', `token=${encodeURIComponent(rng.pick(badTokens(rng)))}`) }],
  },
  'GET /setup/ended': { base: (w) => base('GET', '/setup/ended', w, { cookies: [] }) },
  'GET /setup': { base: setupPage('GET', '/setup'), session: 'setup' },
  'POST /setup/sign-out': { base: setupPage('POST', '/setup/sign-out', () => ({})), session: 'setup', own: formToken },
  'GET /setup/scim': { base: setupPage('GET', '/setup/scim'), session: 'setup' },
  'POST /setup/scim/create': { base: setupPage('POST', '/setup/scim/create', () => ({ name: 'Okta' })), session: 'setup', own: [...formToken, formMutation('invalid token name', badTokenNames)] },
  'POST /setup/scim/rotate': { base: setupPage('POST', '/setup/scim/rotate', () => ({ name: 'Okta', replaces: '00000000-0000-4000-8000-000000000000' })), session: 'setup', own: [...formToken, formMutation('invalid token name', badTokenNames)] },
  'POST /setup/scim/revoke': { base: setupPage('POST', '/setup/scim/revoke', () => ({ revokes: '00000000-0000-4000-8000-000000000000' })), session: 'setup', own: formToken },
  'GET /setup/domains': { base: setupPage('GET', '/setup/domains'), session: 'setup' },
  'GET /setup/domains/status': { base: setupPage('GET', '/setup/domains/status'), session: 'setup' },
  'POST /setup/domains': {
    base: setupPage('POST', '/setup/domains', () => ({ domain: 'fuzz.partner.example' })),
    session: 'setup',
    own: [...formToken, setupFormMutation('invalid domain fields', badDomainFields)],
  },
  'POST /setup/domains/:domain/check': {
    base: (w) => setupPage('POST', `/setup/domains/${w.pendingDomain}/check`, () => ({}))(w),
    session: 'setup',
    own: [...formToken, { name: 'not a domain of the org', apply: (d, rng, w) => replaceId(d, w.pendingDomain, rng.pick([...badDomains, 'unknown.example', w.domain])) }],
  },
  'GET /setup/domains/:domain/remove': {
    base: (w) => setupPage('GET', `/setup/domains/${w.pendingDomain}/remove`)(w),
    session: 'setup',
    own: [{ name: 'not a domain of the org', apply: (d, rng, w) => replaceId(d, w.pendingDomain, rng.pick([...badDomains, 'unknown.example'])) }],
  },
  'POST /setup/domains/:domain/remove': {
    base: (w) => setupPage('POST', `/setup/domains/${w.pendingDomain}/remove`, () => ({}))(w),
    session: 'setup',
    own: [...formToken, { name: 'not a domain of the org', apply: (d, rng, w) => replaceId(d, w.pendingDomain, rng.pick([...badDomains, 'unknown.example', w.domain])) }],
  },
  'GET /setup/it-contacts': { base: setupPage('GET', '/setup/it-contacts'), session: 'setup' },
  'POST /setup/it-contacts': {
    base: setupPage('POST', '/setup/it-contacts', () => ({ email: 'fuzz-it@partner.example', name: 'Fuzz' })),
    session: 'setup',
    own: [...formToken, formMutation('invalid IT contact', () => [{ email: 'nope' }, { email: `${'a'.repeat(310)}@partner.example` }, { email: 'a@partner.example', name: 'n'.repeat(201) }, { name: 'x' }, { email: 'a@partner.example', extra: '1' }])],
  },
  'POST /setup/it-contacts/:id/remove': {
    base: (w) => setupPage('POST', `/setup/it-contacts/${w.itContactId}/remove`, () => ({}))(w),
    session: 'setup',
    own: [...formToken, ...itContactIdMutations],
  },
  'GET /setup/sso': { base: setupPage('GET', '/setup/sso'), session: 'setup' },
  'POST /setup/sso': {
    // Well-formed, and refused by discovery at once were a mutation to let it through: nothing answers on port 1.
    base: setupPage('POST', '/setup/sso', () => ({ issuer: 'http://127.0.0.1:1', clientId: 'fuzz-app', clientSecret: 'fuzz-secret' })),
    session: 'setup',
    own: [
      ...formToken,
      formMutation('invalid connection settings', () => [
        { issuer: 'http://idp.example.com', clientId: 'x', clientSecret: 'y' },
        { issuer: 'https://10.0.0.1', clientId: 'x', clientSecret: 'y' },
        { issuer: 'https://idp.example.com/?q=1', clientId: 'x', clientSecret: 'y' },
        { issuer: 'https://idp.example.com/.well-known/openid-configuration', clientId: 'x', clientSecret: 'y' },
        { issuer: `https://idp.example.com/${'p'.repeat(2100)}`, clientId: 'x', clientSecret: 'y' },
        { issuer: 'https://idp.example.com', clientId: 'c'.repeat(256), clientSecret: 'y' },
        { issuer: 'https://idp.example.com', clientId: 'x', clientSecret: 's'.repeat(1025) },
        { issuer: 'https://idp.example.com', clientId: 'two\nlines', clientSecret: 'y' },
        { issuer: 'https://idp.example.com', clientId: 'x', clientSecret: 'y', extraScopes: 'groups' },
        {},
      ]),
    ],
  },
  ...Object.fromEntries(
    ['test', 'activate', 'discard'].map((action) => [
      `POST /setup/sso/${action}`,
      {
        base: (w: World) => setupPage('POST', `/setup/sso/${action}`, () => ({ draft: w.ssoDraftId }))(w),
        session: 'setup',
        own: [...formToken, formMutation('invalid draft choice', (w, rng) => [{ draft: rng.pick(badIds) }, { draft: rng.uuid() }, {}, { draft: w.ssoDraftId, extra: '1' }])],
      } satisfies RouteFuzz,
    ]),
  ),
  'GET /admin/setup': { base: (w) => base('GET', '/admin/setup', w), session: 'member' },
  'POST /admin/setup/links': {
    base: formPost(() => '/admin/setup/links', () => ({ email: 'fuzz-link@partner.example' })),
    session: 'member',
    own: [...formToken, formMutation('invalid setup link address', () => [{ email: 'nope' }, { email: `${'a'.repeat(310)}@partner.example` }, {}, { email: 'a@partner.example', extra: '1' }])],
  },
  'POST /admin/setup/links/:id/revoke': {
    base: formPost((w) => `/admin/setup/links/${w.setupLinkId}/revoke`),
    session: 'member',
    own: [
      ...formToken,
      { name: 'not a setup link id', apply: (d, rng, w) => replaceId(d, w.setupLinkId, rng.pick(badIds)) },
      { name: 'unknown setup link id', apply: (d, rng, w) => replaceId(d, w.setupLinkId, rng.uuid()) },
    ],
  },
} satisfies Record<string, RouteFuzz>);

function mutationsFor(key: string, fuzz: RouteFuzz): Mutation[] {
  return [
    ...everyRoute.filter((m) => !fuzz.bearer || m.name !== 'form posted from another origin'),
    ...(fuzz.own ?? []),
    ...(key.includes(':org') ? orgMutations : []),
    ...(fuzz.session === 'setup' ? [setupSignedOut, forgedSetupSession] : fuzz.session ? [signedOut, forgedSession] : []),
    ...(fuzz.session === 'org_admin' ? [otherOrg] : []),
  ];
}

function render(d: Draft, accept: string | undefined): RawRequest {
  const query = d.query.map(([k, v]) => `${k}=${v}`).join('&');
  const cookie = d.cookies.map(([k, v]) => `${k}=${v}`).join('; ');
  return {
    method: d.method,
    target: `/${d.segments.join('/')}${query ? `?${query}` : ''}`,
    headers: [...d.headers, ...(accept ? [['accept', accept] as [string, string]] : []), ...(cookie ? [['cookie', cookie] as [string, string]] : [])],
    ...(d.body !== undefined ? { body: d.body } : {}),
    chunked: Boolean(d.chunked),
  };
}

/** A 4xx from the app has the usual shape; Node's own parser answers some with no body at all. */
function shapeProblem(res: RawResponse): string | undefined {
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('application/scim+json')) {
    const body = JSON.parse(res.body) as Record<string, unknown>;
    const scimError = Array.isArray(body.schemas) && body.schemas.includes('urn:ietf:params:scim:api:messages:2.0:Error');
    if (!scimError || body.status !== String(res.status) || typeof body.detail !== 'string' || !body.detail) return `SCIM answer without an RFC 7644 error body: ${res.body.slice(0, 200)}`;
  } else if (type.includes('application/json')) {
    const body = JSON.parse(res.body) as Record<string, unknown>;
    if (typeof body.error !== 'string' || typeof body.message !== 'string' || !body.message || typeof body.requestId !== 'string') return `JSON without error/message/requestId: ${res.body.slice(0, 200)}`;
  } else if (type.includes('text/html')) {
    if (!res.body.includes('<h1>')) return 'page without a heading';
  } else if (res.body !== '') {
    return `unexpected ${type || 'untyped'} answer: ${res.body.slice(0, 200)}`;
  }
  return undefined;
}

let h: TestHarness;
let smtp: SmtpSink;
let world: SsoWorld;
let w: World;
let rivalOrgId: string;

beforeAll(async () => {
  smtp = await startSmtpSink();
  h = await startHarness({ smtpUrl: smtp.url });
  world = await startSsoWorld(h, (domain) => [{ login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' }]);
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  const admin = new TestBrowser();
  await world.signIn(admin, 'boss');
  const session = [...admin.cookies(world.appUrl)].find(([name]) => name === 'session');
  if (!session) throw new Error('fuzz world incomplete: the admin is not signed in');
  const [invitation] = await h.sql<{ id: string }[]>`
    insert into invitations (org_id, email, org_role, expires_at)
    values (${world.org.id}, 'pending@partner.example', 'member', now() + interval '1 day') returning id`;
  const [member] = await h.sql<{ id: string }[]>`select id from members where org_id = ${world.org.id} and email = ${`boss@${world.domain}`}`;
  const [site] = await h.sql<{ id: string }[]>`insert into sites (org_id, name) values (${world.org.id}, 'Fuzz HQ') returning id`;
  const scimToken = (await createScimToken(h.sql, { org: world.org.slug })).token;
  const rival = await createOrg(h.sql, { slug: `rival-${randomInt(1e9)}`, name: 'Rival' });
  const rivalScimToken = (await createScimToken(h.sql, { org: rival.slug })).token;
  const port = Number(new URL(world.appUrl).port);
  const post = async (what: string, target: string, headers: [string, string][], body: unknown) => {
    const res = await rawRequest(port, { method: 'POST', target, headers, body: JSON.stringify(body), chunked: false }, 5_000);
    const { id } = JSON.parse(res.body) as { id?: string };
    if (!id) throw new Error(`fuzz world incomplete: no ${what} (${res.status} ${res.body.slice(0, 200)})`);
    return id;
  };
  const scim = (token: string) => [bearer(token), ['content-type', 'application/scim+json']] satisfies [string, string][];
  const scimUserId = await post('SCIM user', '/scim/v2/Users', scim(scimToken), okta.create(`scim@${world.domain}`, 'fuzz-ext'));
  const scimGroupId = await post('SCIM group', '/scim/v2/Groups', scim(scimToken), { ...oktaGroups.create('Fuzz group'), members: [{ value: scimUserId }] });
  const [ruledSite] = await h.sql<{ id: string }[]>`insert into sites (org_id, name) values (${world.org.id}, 'Fuzz Annex') returning id`;
  // Made through the API, as an admin does; its member gets the site from the queue before the snapshot.
  const ruleRes = await rawRequest(port, {
    method: 'POST',
    target: `/api/orgs/${world.org.slug}/site-rules`,
    headers: [['origin', world.appUrl], ['content-type', 'application/json'], ['cookie', `session=${session[1].value}`]],
    body: JSON.stringify({ groupId: scimGroupId, siteId: ruledSite?.id, role: 'site_member' }),
    chunked: false,
  }, 5_000);
  const ruleId = (JSON.parse(ruleRes.body) as { rule?: { id: string } }).rule?.id;
  if (!ruleId) throw new Error(`fuzz world incomplete: no site-access rule (${ruleRes.status} ${ruleRes.body.slice(0, 200)})`);
  const rivalGroupId = await post('rival SCIM group', '/scim/v2/Groups', scim(rivalScimToken), oktaGroups.create('Rival group'));
  const [rivalSite] = await h.sql<{ id: string }[]>`insert into sites (org_id, name) values (${rival.id}, 'Rival HQ') returning id`;
  if (!rivalSite || !ruledSite) throw new Error('fuzz world incomplete: no sites');
  const rivalRule = await createSiteRule(h.sql, { orgId: rival.id, groupId: rivalGroupId, siteId: rivalSite.id, role: 'site_admin', actor: 'operator' });
  rivalOrgId = rival.id;
  const pendingDomain = `pending-${world.org.slug}.example`;
  await h.sql`insert into org_domains (domain, org_id, status, token) values (${pendingDomain}, ${world.org.id}, 'pending', ${'f'.repeat(32)})`;
  if (!invitation || !member || !site) throw new Error('fuzz world incomplete');
  const opened = await createSetupLink(h.sql, { orgId: world.org.id, email: 'it-fuzz@partner.example', actor: 'operator' });
  const setup = await openSetupSession(h.sql, opened.token);
  const waiting = await createSetupLink(h.sql, { orgId: world.org.id, email: 'it-waiting@partner.example', actor: 'operator' });
  const [itContact] = await h.sql<{ id: string }[]>`select id from it_contacts where org_id = ${world.org.id} and email = 'it-waiting@partner.example'`;
  if (!('sessionId' in setup) || !itContact) throw new Error('fuzz world incomplete: no setup session');
  await saveDraft(h.sql, { orgId: world.org.id, issuer: 'http://127.0.0.1:1', clientId: 'fuzz-draft', sealedSecret: encryptSecret(world.config.encryptionKey, 'fuzz-draft-secret'), actor: 'setup:it-fuzz@partner.example' });
  const [ssoDraft] = await h.sql<{ id: string }[]>`select id from sso_connection_drafts where org_id = ${world.org.id}`;
  if (!ssoDraft) throw new Error('fuzz world incomplete: no SSO draft');
  w = {
    slug: world.org.slug,
    domain: world.domain,
    origin: world.appUrl,
    session: ['session', session[1].value],
    invitationId: invitation.id,
    adminId: member.id,
    siteId: site.id,
    scimToken,
    rivalScimToken,
    scimUserId,
    scimGroupId,
    ruledSiteId: ruledSite.id,
    ruleId,
    rivalGroupId,
    rivalSiteId: rivalSite.id,
    rivalRuleId: rivalRule.rule.id,
    formToken: formTokenOf(world.config, session[1].value),
    setupSession: [setupCookieName(world.config), setup.sessionId],
    setupFormToken: formTokenOf(world.config, setup.sessionId),
    setupLinkToken: waiting.token,
    setupLinkId: waiting.id,
    itContactId: itContact.id,
    pendingDomain,
    ssoDraftId: ssoDraft.id,
  };
  // The lifecycles (the sign-in's, the SCIM user's) write their start events a moment later; the snapshot is taken after them.
  await untilLifecycleStarted(h.sql, world.org.id);
  await eventually(async () => ((await h.sql`select 1 from members where org_id = ${world.org.id} and lifecycle_started_at is null`).length === 0 ? true : undefined));
  // And the SCIM user's lifecycle projects the directory's "active" into the member row.
  await eventually(async () => ((await h.sql`select 1 from members where org_id = ${world.org.id} and directory_state = 'active'`).length === 1 ? true : undefined));
  // And the rule's queue is worked out: the SCIM user has the ruled site.
  await eventually(async () => {
    const [queue] = await h.sql<{ queued: number; assigned: number }[]>`
      select (select count(*)::int from site_access_queue where org_id = ${world.org.id}) as queued,
        (select count(*)::int from site_assignments where site_id = ${ruledSite.id}) as assigned`;
    return queue?.queued === 0 && queue.assigned === 1 ? true : undefined;
  });
});
afterAll(async () => {
  await world?.stop();
  await h?.stop();
  await smtp?.stop();
});

/**
 * The organisation's records as a request could change them. sessions.last_seen_at is left out:
 * a request that gets as far as the session check may touch it (at most once a minute), which
 * records activity and changes no state.
 */
async function snapshot() {
  const org = world.org.id;
  const [tables] = await h.sql`
    select
      (select coalesce(json_agg(m order by m.id), '[]') from members m where org_id = ${org}) as members,
      (select coalesce(json_agg(i order by i.id), '[]') from identities i join members m on m.id = i.member_id where m.org_id = ${org}) as identities,
      (select coalesce(json_agg(i order by i.id), '[]') from invitations i where org_id = ${org}) as invitations,
      (select coalesce(json_agg(json_build_object('id', encode(s.id_hash, 'hex'), 'member', s.member_id, 'created', s.created_at, 'expires', s.expires_at, 'revoked', s.revoked_at) order by s.id_hash), '[]')
         from sessions s join members m on m.id = s.member_id where m.org_id = ${org}) as sessions,
      (select coalesce(json_agg(json_build_object('id', t.id, 'consumed', t.consumed_at) order by t.id), '[]')
         from login_transactions t left join sso_connections c on c.id = t.connection_id left join sso_connection_drafts d on d.id = t.draft_id
         where coalesce(c.org_id, d.org_id) = ${org}) as "loginTransactions",
      (select coalesce(json_agg(c order by c.id), '[]') from sso_connections c where org_id = ${org}) as "ssoConnections",
      (select coalesce(json_agg(d order by d.id), '[]') from sso_connection_drafts d where org_id = ${org}) as "ssoDrafts",
      (select coalesce(json_agg(e order by e.id), '[]') from email_log e where org_id = ${org}) as "emailLog",
      (select coalesce(json_agg(a order by a.id), '[]') from audit_events a where org_id = ${org}) as "auditEvents",
      (select coalesce(json_agg(a order by a.member_id, a.site_id), '[]') from site_assignments a where org_id = ${org}) as "siteAssignments",
      (select coalesce(json_agg(r order by r.id), '[]') from site_rules r where org_id in (${org}, ${rivalOrgId})) as "siteRules",
      (select coalesce(json_agg(d order by d.member_id, d.site_id), '[]') from site_decisions d where org_id = ${org}) as "siteDecisions",
      (select coalesce(json_agg(q order by q.member_id), '[]') from site_access_queue q where org_id = ${org}) as "siteAccessQueue",
      (select coalesce(json_agg(a order by a.id), '[]') from announcements a join sites s on s.id = a.site_id where s.org_id = ${org}) as announcements,
      (select coalesce(json_agg(l order by l.member_id), '[]') from directory_links l where org_id = ${org}) as "directoryLinks",
      (select coalesce(json_agg(g order by g.id), '[]') from directory_groups g where org_id = ${org}) as "directoryGroups",
      (select coalesce(json_agg(gm order by gm.group_id, gm.member_id), '[]') from directory_group_members gm where org_id = ${org}) as "directoryGroupMembers",
      (select coalesce(json_agg(json_build_object('id', t.id, 'revoked', t.revoked_at) order by t.id), '[]') from scim_tokens t where org_id = ${org}) as "scimTokens",
      (select coalesce(json_agg(c order by c.id), '[]') from it_contacts c where org_id = ${org}) as "itContacts",
      (select coalesce(json_agg(l order by l.id), '[]') from setup_links l where org_id = ${org}) as "setupLinks",
      (select coalesce(json_agg(json_build_object('id', encode(s.id_hash, 'hex'), 'link', s.setup_link_id, 'expires', s.expires_at) order by s.id_hash), '[]')
         from setup_sessions s where org_id = ${org}) as "setupSessions",
      (select coalesce(json_agg(d order by d.domain), '[]') from org_domains d where org_id = ${org}) as domains`;
  return tables;
}

describe('input fuzz', () => {
  it('has a generator for every route of the app', () => {
    const connection = Connection.lazy({ address: '127.0.0.1:1' });
    const app = createApp({ config: world.config, sql: h.sql, log: createLogger('silent'), temporal: { connection, client: new Client({ connection, dataConverter: testDataConverter }) } });
    // Middleware registers as ALL; handlers carry their method.
    const present = [...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))];
    expect(present.filter((key) => !routes[key]), 'routes without a fuzz generator: add them to `routes` in this file').toEqual([]);
    expect(Object.keys(routes).filter((key) => !present.includes(key)), 'generators for routes that no longer exist').toEqual([]);
  });

  it(`answers ${REQUESTS} malformed requests with 4xx within 5 s each and changes nothing (seed ${SEED})`, { timeout: 240_000 }, async () => {
    const rng = new Rng(SEED);
    const port = Number(new URL(world.appUrl).port);
    const keys = Object.keys(routes);
    const before = await snapshot();
    const mailBefore = smtp.messages.length;
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    for (let n = 0; n < REQUESTS; n++) {
      const key = keys[n % keys.length]!;
      const fuzz = routes[key]!;
      const candidates = mutationsFor(key, fuzz);
      const draft = fuzz.base(w);
      const applied: string[] = [];
      for (let i = 0; i === 0 || (i < 3 && rng.next() < 0.3); i++) {
        const mutation = rng.pick(candidates.filter((m) => !m.applies || m.applies(draft)));
        mutation.apply(draft, rng, w);
        applied.push(mutation.name);
      }
      const request = render(draft, rng.pick(['text/html,application/xhtml+xml', 'application/json', '*/*', undefined]));
      const what = `#${n} ${key} [${applied.join(' + ')}] ${request.method} ${request.target.slice(0, 160)}`;
      try {
        const res = await rawRequest(port, request, 5_000);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const problem = res.status >= 400 && res.status < 500 ? shapeProblem(res) : `status ${res.status}: ${res.body.slice(0, 200)}`;
        if (problem) failures.push(`${what}: ${problem}`);
      } catch (err) {
        failures.push(`${what}: ${(err as Error).message}`);
      }
    }
    const histogram = Object.fromEntries([...statuses].sort(([a], [b]) => a - b));
    console.log(`input fuzz: FUZZ_SEED=${SEED}, ${REQUESTS} requests, statuses ${JSON.stringify(histogram)}`);
    expect(failures, `repeat with FUZZ_SEED=${SEED}`).toEqual([]);
    expect(await snapshot(), `tables changed; repeat with FUZZ_SEED=${SEED}`).toEqual(before);
    expect(smtp.messages.length, `mail was sent; repeat with FUZZ_SEED=${SEED}`).toBe(mailBefore);
  });
});
