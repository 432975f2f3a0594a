import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDomain, configureSso, createOrg } from '../operator/operations.ts';
import { uniqueSlug } from './support/fixtures.ts';
import { CLIENT_ID, CLIENT_SECRET, startSsoWorld, type SsoWorld } from './support/sso.ts';
import { startHarness, type TestHarness } from './support/temporal.ts';

const LIMIT = 3;
// The longest window there is, a day, aligned to the epoch: it ends at midnight UTC.
const WINDOW_SECONDS = 86_400;
const limits = { SIGN_IN_RATE_LIMIT: String(LIMIT), SIGN_IN_RATE_WINDOW_SECONDS: String(WINDOW_SECONDS) };

/** A run that would straddle a window boundary waits until just past it, so its counts share one window. */
async function clearOfWindowBoundary(marginMs: number) {
  const untilBoundary = WINDOW_SECONDS * 1000 - (Date.now() % (WINDOW_SECONDS * 1000));
  if (untilBoundary < marginMs) await new Promise((r) => setTimeout(r, untilBoundary + 1_000));
}

let h: TestHarness;
let direct: SsoWorld;
let proxied: SsoWorld;

beforeAll(async () => {
  await clearOfWindowBoundary(90_000);
  h = await startHarness();
  direct = await startSsoWorld(h, () => [], limits);
  proxied = await startSsoWorld(h, () => [], { ...limits, TRUST_PROXY_HOPS: '1' });
});
afterAll(async () => {
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
  expect(Number(answer.retryAfter)).toBeLessThanOrEqual(86_400);
  expect(answer.body).toContain(`Try again in ${answer.retryAfter} seconds`);
  expect(answer.setCookie).toEqual([]);
}

describe('sign-in starts are rate-limited per client address and organisation', () => {
  it('answers the start after the limit with 429 and Retry-After, writing no login attempt', async () => {
    for (let i = 0; i < LIMIT; i++) await expectStarted(await startFrom(direct, loginPath(direct)), direct);
    const before = await loginAttempts(direct.org.id);
    expect(before).toBe(LIMIT);

    expectLimited(await startFrom(direct, loginPath(direct)));
    expect(await loginAttempts(direct.org.id)).toBe(before);
  });

  it('does not believe X-Forwarded-For unless proxies are trusted', async () => {
    expectLimited(await startFrom(direct, loginPath(direct), { headers: { 'x-forwarded-for': '198.51.100.7' } }));
  });

  it('leaves another client address unaffected', async () => {
    await expectStarted(await startFrom(direct, loginPath(direct), { from: '127.0.0.2' }), direct);
  });

  it('leaves another organisation unaffected for the same address', async () => {
    const slug = uniqueSlug('other');
    await createOrg(h.sql, { slug, name: slug });
    await addDomain(h.sql, { org: slug, domain: `${slug}.test` });
    await configureSso(h.sql, direct.config, { org: slug, issuer: direct.idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, extraScopes: [] });
    await expectStarted(await startFrom(direct, loginPath(direct, slug)), direct);
  });

  it('counts nothing for an unknown organisation', async () => {
    const res = await startFrom(direct, loginPath(direct, 'no-such-org'), { from: '127.0.0.3' });
    expect(res.status).toBe(404);
    expect(await h.sql`select 1 from sign_in_attempts where client_network = '127.0.0.3/32'`).toHaveLength(0);
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
