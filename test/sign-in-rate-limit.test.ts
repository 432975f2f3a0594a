import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markSignedIn } from '../auth/login-transactions.ts';
import { sha256 } from '../auth/tokens.ts';
import { addDomain, configureSso, createOrg } from '../operator/operations.ts';
import { TestBrowser } from './support/browser.ts';
import { uniqueSlug } from './support/fixtures.ts';
import { CLIENT_ID, CLIENT_SECRET, startSsoWorld, type SsoWorld } from './support/sso.ts';
import { startHarness, type TestHarness } from './support/temporal.ts';

const LIMIT = 3;
const limits = { SIGN_IN_PENDING_LIMIT: String(LIMIT) };

let h: TestHarness;
let direct: SsoWorld;
let proxied: SsoWorld;
let defaults: SsoWorld;

beforeAll(async () => {
  h = await startHarness();
  const people = (domain: string) => ['ada', 'bob', 'cy', 'di', 'ed'].map((login) => ({ login, email: `${login}@${domain}`, email_verified: true, name: login }));
  direct = await startSsoWorld(h, people, limits);
  proxied = await startSsoWorld(h, () => [], { ...limits, TRUST_PROXY_HOPS: '1' });
  defaults = await startSsoWorld(h, () => []);
});
afterAll(async () => {
  await defaults?.stop();
  await proxied?.stop();
  await direct?.stop();
  await h?.stop();
});

interface Answer {
  status: number;
  location: string | undefined;
  retryAfter: string | undefined;
  setCookie: string[];
  body: string;
}

/**
 * GET over a real socket from a chosen loopback source address (Linux routes all of 127/8), with
 * PUBLIC_URL's Host, so the api sees a genuine peer address rather than a header.
 */
function startFrom(world: SsoWorld, path: string, { from = '127.0.0.1', headers = {} }: { from?: string; headers?: Record<string, string> } = {}) {
  const { port, host } = new URL(world.appUrl);
  return new Promise<Answer>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress: from, headers: { host, accept: 'text/html', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          location: res.headers.location,
          retryAfter: res.headers['retry-after'],
          setCookie: res.headers['set-cookie'] ?? [],
          body,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const loginPath = (world: SsoWorld, org = world.org.slug) => `/auth/${org}/login`;

async function pending(orgId: string, network: string): Promise<number> {
  const [row] = await h.sql<{ n: number }[]>`
    select count(*)::int as n from login_transactions t join sso_connections c on c.id = t.connection_id
    where c.org_id = ${orgId} and t.client_network = ${network}::cidr and t.signed_in_at is null`;
  return row!.n;
}

async function loginAttempts(orgId: string): Promise<number> {
  const [row] = await h.sql<{ n: number }[]>`
    select count(*)::int as n from login_transactions t join sso_connections c on c.id = t.connection_id where c.org_id = ${orgId}`;
  return row!.n;
}

async function expectStarted(answer: Answer, world: SsoWorld) {
  expect(answer.status).toBe(302);
  expect(answer.location).toMatch(new RegExp(`^${world.idp.issuer}/auth\\?`));
}

function expectLimited(answer: Answer) {
  expect(answer.status).toBe(429);
  expect(answer.body).toContain('Too many sign-in attempts');
  expect(Number(answer.retryAfter)).toBeGreaterThan(0);
  // The oldest pending attempt expires within the login attempt's lifetime, ten minutes.
  expect(Number(answer.retryAfter)).toBeLessThanOrEqual(600);
  expect(answer.body).toContain(`Try again in ${answer.retryAfter} seconds`);
  expect(answer.setCookie).toEqual([]);
}

const stateOf = (answer: Answer) => new URL(answer.location!).searchParams.get('state')!;

/** Starts from `from` until one is refused, at most `max` times; the starts that went through. */
async function startUntilRefused(world: SsoWorld, from: string, max: number): Promise<Answer[]> {
  const started: Answer[] = [];
  for (let i = 0; i < max; i++) {
    const answer = await startFrom(world, loginPath(world), { from });
    if (answer.status !== 302) break;
    started.push(answer);
  }
  return started;
}

describe('a large office behind one NAT address', () => {
  it('starts a thousand sign-ins from one address within ten minutes with the default settings, each finished one freeing its slot', async () => {
    const refused: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = next++; i < 1_000; i = next++) {
          const answer = await startFrom(defaults, loginPath(defaults), { from: '127.0.1.1' });
          if (answer.status !== 302) refused.push(i);
          // What the callback does once the person is signed in (the next test walks that whole path).
          else await markSignedIn(h.sql, stateOf(answer));
        }
      }),
    );
    expect(refused).toEqual([]);
    expect(await loginAttempts(defaults.org.id)).toBe(1_000);
  });

  it('lets people from one address sign in one after another, well past the limit, because a finished sign-in frees its slot', async () => {
    for (const login of ['ada', 'bob', 'cy', 'di', 'ed']) {
      const landed = await direct.signIn(new TestBrowser(), login);
      expect(landed.status).toBe(200);
      expect(landed.url).toBe(`${direct.appUrl}/api/me`);
    }
    expect(await pending(direct.org.id, '127.0.0.1/32')).toBe(0);
  });
});

describe('a flood of abandoned sign-in starts', () => {
  it('is refused with 429 and Retry-After once the address has the limit pending, writing nothing, while another address signs in', async () => {
    expect(await startUntilRefused(direct, '127.0.2.1', 10)).toHaveLength(LIMIT);
    const before = await loginAttempts(direct.org.id);
    expectLimited(await startFrom(direct, loginPath(direct), { from: '127.0.2.1' }));
    expect(await loginAttempts(direct.org.id)).toBe(before);

    const landed = await direct.signIn(new TestBrowser(), 'ada');
    expect(landed.url).toBe(`${direct.appUrl}/api/me`);
  });

  it('keeps a refused attempt in its slot until it expires: only a completed sign-in frees one early', async () => {
    const started = await startUntilRefused(direct, '127.0.2.2', 10);
    expect(started).toHaveLength(LIMIT);
    // The IdP's refusal comes back through the real callback: the attempt is used up, not completed.
    const first = started[0]!;
    const refusal = await startFrom(direct, `/auth/${direct.org.slug}/callback?error=access_denied&state=${stateOf(first)}`, {
      from: '127.0.2.2',
      headers: { cookie: first.setCookie.map((c) => c.split(';')[0]).join('; ') },
    });
    expect(refusal.status).toBe(401);
    expectLimited(await startFrom(direct, loginPath(direct), { from: '127.0.2.2' }));

    await h.sql`update login_transactions set expires_at = now() - interval '1 second' where state_hash = ${sha256(stateOf(first))}`;
    await expectStarted(await startFrom(direct, loginPath(direct), { from: '127.0.2.2' }), direct);
  });

  it('does not believe X-Forwarded-For unless proxies are trusted', async () => {
    await startUntilRefused(direct, '127.0.2.3', 10);
    expectLimited(await startFrom(direct, loginPath(direct), { from: '127.0.2.3', headers: { 'x-forwarded-for': '198.51.100.7' } }));
  });

  it('leaves another organisation unaffected for the same address', async () => {
    const slug = uniqueSlug('other');
    await createOrg(h.sql, { slug, name: slug });
    await addDomain(h.sql, { org: slug, domain: `${slug}.test` });
    await configureSso(h.sql, direct.config, { org: slug, issuer: direct.idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, extraScopes: [] });
    await startUntilRefused(direct, '127.0.2.4', 10);
    await expectStarted(await startFrom(direct, loginPath(direct, slug), { from: '127.0.2.4' }), direct);
  });

  it('keeps no slot for a start whose identity provider could not be reached: an office retrying through an IdP outage is not locked out after it', async () => {
    const slug = uniqueSlug('idp-down');
    const org = await createOrg(h.sql, { slug, name: slug });
    await configureSso(h.sql, direct.config, { org: slug, issuer: direct.idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, extraScopes: [] });
    await h.sql`update sso_connections set issuer = 'http://127.0.0.1:9/', updated_at = now() where org_id = ${org.id}`;
    for (let i = 0; i <= LIMIT; i++) expect((await startFrom(direct, loginPath(direct, slug), { from: '127.0.2.6' })).status).toBe(502);
    expect(await loginAttempts(org.id)).toBe(0);
  });

  it('writes nothing for an unknown organisation', async () => {
    const res = await startFrom(direct, loginPath(direct, 'no-such-org'), { from: '127.0.2.5' });
    expect(res.status).toBe(404);
    expect(await h.sql`select 1 from login_transactions where client_network = '127.0.2.5/32'`).toHaveLength(0);
  });
});

describe('behind a trusted proxy (TRUST_PROXY_HOPS=1)', () => {
  const via = (forwardedFor: string) => startFrom(proxied, loginPath(proxied), { headers: { 'x-forwarded-for': forwardedFor } });

  it('counts the address the proxy saw, not what the client put further left', async () => {
    for (let i = 0; i < LIMIT; i++) await expectStarted(await via(`10.9.9.${i}, 203.0.113.5`), proxied);
    expectLimited(await via('203.0.113.5'));
    await expectStarted(await via('203.0.113.5, 203.0.113.6'), proxied);
  });

  it('counts an IPv6 client by its /64', async () => {
    for (let i = 1; i <= LIMIT; i++) await expectStarted(await via(`2001:db8:0:7::${i}`), proxied);
    expectLimited(await via('2001:db8:0:7:ffff::1'));
    await expectStarted(await via('2001:db8:0:8::1'), proxied);
  });
});
