import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from './support/browser.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { startHarness, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let a: SsoWorld;
let b: SsoWorld;

beforeAll(async () => {
  h = await startHarness();
  a = await startSsoWorld(h, (domain) => [{ login: 'alice', email: `alice@${domain}`, email_verified: true, name: 'Alice' }]);
  // Org B's IdP is hostile: it asserts addresses on org A's verified domain.
  b = await startSsoWorld(h, () => [
    { login: 'mallory', email: `alice@${a.domain}`, email_verified: true, name: 'Mallory as Alice' },
    { login: 'mallory-invited', email: 'guest@partner.example', email_verified: true, name: 'Mallory as guest' },
  ]);
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await h?.stop();
});

/** Rows of the two organisations under test only: other test files write to the same database at the same time. */
const count = async (table: 'members' | 'identities') => {
  const orgs = [a.org.id, b.org.id];
  const [row] = await h.sql`
    select (select count(*) from members where org_id in ${h.sql(orgs)})::int as members,
           (select count(*) from identities i join sso_connections s on s.id = i.connection_id where s.org_id in ${h.sql(orgs)})::int as identities`;
  return row![table];
};

describe('an IdP speaks only for its own organisation', () => {
  it("another organisation's IdP cannot sign in as, or create, a member on this org's domain", async () => {
    await a.signIn(new TestBrowser(), 'alice');
    const [alice] = await h.sql`select id from members where org_id = ${a.org.id} and email = ${`alice@${a.domain}`}`;
    const identitiesBefore = await count('identities');

    const page = await b.signIn(new TestBrowser(), 'mallory');
    expect(page.status).toBe(403);
    expect(page.body).toContain('Ask your admin to invite you');
    expect(await h.sql`select 1 from identities where member_id = ${alice!.id}`).toHaveLength(1);
    expect(await h.sql`select 1 from members where org_id = ${b.org.id}`).toHaveLength(0);
    expect(await count('identities')).toBe(identitiesBefore);
  });

  it("another organisation's IdP cannot accept this org's invitation", async () => {
    await h.sql`insert into invitations (org_id, email, org_role, expires_at)
                values (${a.org.id}, 'guest@partner.example', 'org_admin', now() + interval '1 day')`;
    const page = await b.signIn(new TestBrowser(), 'mallory-invited');
    expect(page.status).toBe(403);
    const [invitation] = await h.sql`select status from invitations where org_id = ${a.org.id} and email = 'guest@partner.example'`;
    expect(invitation!.status).toBe('pending');
    expect(await h.sql`select 1 from members where org_id in ${h.sql([a.org.id, b.org.id])} and email = 'guest@partner.example'`).toHaveLength(0);
  });

  // Per-org redirect URIs are the mix-up defence for IdPs that send no RFC 9207 `iss`; here the
  // response is otherwise valid (even its iss), so only the redirect-URI binding can refuse it.
  it("refuses a response delivered to another organisation's redirect URI", async () => {
    const browser = new TestBrowser();
    const paused = await a.signIn(browser, 'alice', { until: (url) => url.includes('/callback') });
    const atB = new URL(paused.url);
    atB.pathname = `/auth/${b.org.slug}/callback`;
    const membersBefore = await count('members');
    const page = await browser.request(atB.href.replace(b.appUrl, a.appUrl));
    expect(page.status).toBe(400);
    expect(page.body).toContain('could not be verified');
    expect(page.headers.getSetCookie().some((c) => c.startsWith('session='))).toBe(false);
    expect(await count('members')).toBe(membersBefore);
  });
});
