import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../auth/tokens.ts';
import { memberStateQuery, memberWorkflowId } from '../workflows/definitions.ts';
import { firstSignInLifecycleId } from './support/provisioning.ts';
import { TestBrowser } from './support/browser.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let world: SsoWorld;

beforeAll(async () => {
  h = await startHarness();
  world = await startSsoWorld(h, (domain) => [
    { login: 'ada', email: `ada@${domain}`, email_verified: true, name: 'Ada Lovelace', groups: ['admins'], roles: ['org_admin', 'admin'] },
    { login: 'grace', email: `grace@${domain}`, email_verified: true, name: 'Grace Hopper' },
    { login: 'linus', email: `linus@${domain}`, email_verified: true, name: 'Linus' },
    { login: 'barbara', email: `barbara@${domain}`, email_verified: true, name: 'Barbara Liskov' },
    { login: 'ken', email: `ken@${domain}`, email_verified: true, name: 'Ken' },
  ]);
});
afterAll(async () => {
  await world?.stop();
  await h?.stop();
});

const membersWithEmail = (email: string) =>
  h.sql<{ id: string; email: string; name: string; org_role: string; source: string; status: string }[]>`
    select id, email, name, org_role, source, status from members where org_id = ${world.org.id} and email = ${email}`;
const liveSessions = (memberId: string) =>
  h.sql`select 1 from sessions where member_id = ${memberId} and revoked_at is null`;
const me = (browser: TestBrowser) => browser.request(`${world.appUrl}/api/me`);

describe('first SSO sign-in (JIT)', () => {
  it('creates exactly one Member with a session and no sites, ignoring admin roles and groups from the IdP', async () => {
    const page = await world.signIn(new TestBrowser(), 'ada');
    expect(page.url).toBe(`${world.appUrl}/api/me`);
    const body = JSON.parse(page.body);
    expect(body).toMatchObject({
      member: { email: `ada@${world.domain}`, name: 'Ada Lovelace', status: 'active' },
      org: { slug: world.org.slug },
      orgRole: 'member',
      sites: [],
    });
    // This organisation has no admin yet, and /api/me says so rather than claim one was asked.
    expect(body.message).toMatch(/no admin who could be asked to assign you one/);
    expect(body.siteAccess).toMatchObject({ adminsNotifiedAt: null, adminsNotifiedBy: null });

    const members = await membersWithEmail(`ada@${world.domain}`);
    expect(members).toEqual([expect.objectContaining({ org_role: 'member', source: 'jit', status: 'active' })]);
    const memberId = members[0]!.id;
    expect(await h.sql`select iss, sub from identities where member_id = ${memberId}`).toEqual([{ iss: world.idp.issuer, sub: 'ada' }]);
    expect(await liveSessions(memberId)).toHaveLength(1);
    const audit = await h.sql`select type, actor from audit_events where member_id = ${memberId} order by id`;
    expect(audit.map((a) => a.type)).toEqual(expect.arrayContaining(['member.created', 'identity.linked']));

    const lifecycle = h.client.workflow.getHandle(memberWorkflowId(world.org.slug, memberId));
    const state = await eventually(() => lifecycle.query(memberStateQuery).catch(() => undefined));
    expect(state).toMatchObject({ status: 'active', siteAccessPending: true, memberId });
    // The sign-in started the lifecycle, named for the member it made.
    const [connection] = await h.sql`select id from sso_connections where org_id = ${world.org.id}`;
    expect(lifecycle.workflowId).toBe(firstSignInLifecycleId(world.org.slug, connection!.id, world.idp.issuer, 'ada'));
  });

  it('reuses the member on a second sign-in and issues a new session id', async () => {
    const first = new TestBrowser();
    await world.signIn(first, 'grace');
    const second = new TestBrowser();
    const page = await world.signIn(second, 'grace');
    expect(page.status).toBe(200);
    const members = await membersWithEmail(`grace@${world.domain}`);
    expect(members).toHaveLength(1);
    expect(await h.sql`select 1 from identities where member_id = ${members[0]!.id}`).toHaveLength(1);
    expect(first.cookie(world.appUrl, 'session')).not.toBe(second.cookie(world.appUrl, 'session'));
    expect(await liveSessions(members[0]!.id)).toHaveLength(2);
  });

  it('creates one member and one identity when two tabs finish their first sign-in at the same moment', async () => {
    const atCallback = (url: string) => url.startsWith(`${world.appUrl}/auth/${world.org.slug}/callback`);
    const tabA = new TestBrowser();
    const tabB = new TestBrowser();
    const [a, b] = await Promise.all([world.signIn(tabA, 'linus', { until: atCallback }), world.signIn(tabB, 'linus', { until: atCallback })]);
    const [doneA, doneB] = await Promise.all([tabA.follow(a.url), tabB.follow(b.url)]);
    expect([doneA.status, doneB.status]).toEqual([200, 200]);
    const members = await membersWithEmail(`linus@${world.domain}`);
    expect(members).toHaveLength(1);
    expect(await h.sql`select 1 from identities where member_id = ${members[0]!.id}`).toHaveLength(1);
    expect(await h.sql`select 1 from audit_events where member_id = ${members[0]!.id} and type = 'member.created'`).toHaveLength(1);
  });

  it('updates name and email when they change at the IdP, with an audit event', async () => {
    await world.signIn(new TestBrowser(), 'barbara');
    const [before] = await membersWithEmail(`barbara@${world.domain}`);
    Object.assign(world.idp.accounts.get('barbara')!, { name: 'Barbara J. Liskov', email: `b.liskov@${world.domain}` });
    const page = await world.signIn(new TestBrowser(), 'barbara');
    expect(JSON.parse(page.body).member).toMatchObject({ id: before!.id, name: 'Barbara J. Liskov', email: `b.liskov@${world.domain}` });
    const [event] = await h.sql`select data from audit_events where member_id = ${before!.id} and type = 'member.profile_updated'`;
    expect(event!.data).toEqual({
      name: { from: 'Barbara Liskov', to: 'Barbara J. Liskov' },
      email: { from: `barbara@${world.domain}`, to: `b.liskov@${world.domain}` },
    });
  });
});

describe('sessions', () => {
  it('sets an HttpOnly, SameSite=Lax, host-wide session cookie (not Secure over plain http)', async () => {
    const browser = new TestBrowser();
    const callback = await world.signIn(browser, 'ken', { until: (url) => url.startsWith(`${world.appUrl}/auth/${world.org.slug}/callback`) });
    const res = await fetch(callback.url, {
      redirect: 'manual',
      headers: { cookie: [...browser.cookies(world.appUrl)].map(([k, v]) => `${k}=${v.value}`).join('; ') },
    });
    expect(res.status).toBe(302);
    const session = res.headers.getSetCookie().find((c) => c.startsWith('session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).toMatch(/Path=\//);
    expect(session).not.toMatch(/Secure/);
    expect(session.split(';')[0]!.slice('session='.length)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('stores only a hash of the session id', async () => {
    const browser = new TestBrowser();
    await world.signIn(browser, 'ada');
    const raw = browser.cookie(world.appUrl, 'session')!;
    expect(await h.sql`select 1 from sessions where id_hash = ${sha256(raw)}`).toHaveLength(1);
    expect(await h.sql`select 1 from sessions where id_hash = ${Buffer.from(raw)} or encode(id_hash, 'base64') like ${`%${raw.slice(0, 20)}%`}`).toHaveLength(0);
  });

  it('refuses a tampered session cookie', async () => {
    const browser = new TestBrowser();
    await world.signIn(browser, 'ada');
    const raw = browser.cookie(world.appUrl, 'session')!;
    browser.setCookie(world.appUrl, 'session', `${raw.slice(0, -2)}AA`);
    expect((await me(browser)).status).toBe(401);
  });

  it('logs out: the session stops working and is revoked in the database', async () => {
    const browser = new TestBrowser();
    await world.signIn(browser, 'ada');
    expect((await me(browser)).status).toBe(200);
    const session = browser.cookie(world.appUrl, 'session')!;
    const out = await browser.request(`${world.appUrl}/logout`, { method: 'POST', headers: { origin: world.appUrl } });
    expect(out.status).toBe(204);
    expect((await me(browser)).status).toBe(401);
    const [row] = await h.sql`select revoked_at from sessions where id_hash = ${sha256(session)}`;
    expect(row!.revoked_at).toBeInstanceOf(Date);
  });

  it('refuses a cross-site logout form post', async () => {
    const browser = new TestBrowser();
    await world.signIn(browser, 'ada');
    const out = await browser.request(`${world.appUrl}/logout`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'x=1',
    });
    expect(out.status).toBe(403);
    expect((await me(browser)).status).toBe(200);
  });

  it('a disabled member loses live sessions at once and cannot sign in again', async () => {
    const browser = new TestBrowser();
    await world.signIn(browser, 'grace');
    expect((await me(browser)).status).toBe(200);
    const [grace] = await membersWithEmail(`grace@${world.domain}`);
    await h.sql`update members set status = 'disabled' where id = ${grace!.id}`;
    try {
      expect((await me(browser)).status).toBe(401);
      const sessionsBefore = await h.sql`select count(*)::int as n from sessions where member_id = ${grace!.id}`;
      const again = await world.signIn(new TestBrowser(), 'grace');
      expect(again.status).toBe(403);
      expect(again.body).toContain('account is disabled, so you cannot sign in');
      expect(await h.sql`select count(*)::int as n from sessions where member_id = ${grace!.id}`).toEqual(sessionsBefore);
    } finally {
      await h.sql`update members set status = 'active' where id = ${grace!.id}`;
    }
  });

  it('rotates at sign-in: the session this browser had is revoked', async () => {
    const browser = new TestBrowser();
    await world.signIn(browser, 'ada');
    const old = browser.cookie(world.appUrl, 'session')!;
    // The IdP remembers this browser now, so the second sign-in comes straight back.
    const again = await browser.follow(`${world.appUrl}/auth/${world.org.slug}/login`);
    expect(again.url).toBe(`${world.appUrl}/api/me`);
    const fresh = browser.cookie(world.appUrl, 'session')!;
    expect(fresh).not.toBe(old);
    const [row] = await h.sql`select revoked_at from sessions where id_hash = ${sha256(old)}`;
    expect(row!.revoked_at).toBeInstanceOf(Date);
  });

  it('expires a session after the idle timeout', async () => {
    const browser = new TestBrowser();
    await world.signIn(browser, 'ada');
    const id = sha256(browser.cookie(world.appUrl, 'session')!);
    await h.sql`update sessions set last_seen_at = now() - ${`${world.config.session.idleMinutes + 1} minutes`}::interval where id_hash = ${id}`;
    expect((await me(browser)).status).toBe(401);
  });

  it('writes last_seen_at at most once a minute: requests in between only read', async () => {
    const browser = new TestBrowser();
    await world.signIn(browser, 'ada');
    const id = sha256(browser.cookie(world.appUrl, 'session')!);
    const lastSeen = async () => (await h.sql<{ at: Date }[]>`select last_seen_at as at from sessions where id_hash = ${id}`)[0]!.at;
    const first = await lastSeen();
    expect((await me(browser)).status).toBe(200);
    expect((await me(browser)).status).toBe(200);
    expect(await lastSeen()).toEqual(first);

    await h.sql`update sessions set last_seen_at = now() - interval '2 minutes' where id_hash = ${id}`;
    const stale = await lastSeen();
    expect((await me(browser)).status).toBe(200);
    expect((await lastSeen()).getTime()).toBeGreaterThan(stale.getTime());
  });

  it('still refuses a session idle a little longer than the idle timeout', async () => {
    const browser = new TestBrowser();
    await world.signIn(browser, 'ada');
    const id = sha256(browser.cookie(world.appUrl, 'session')!);
    await h.sql`update sessions set last_seen_at = now() - ${`${world.config.session.idleMinutes * 60 + 5} seconds`}::interval where id_hash = ${id}`;
    expect((await me(browser)).status).toBe(401);
  });

  it('expires a session at its absolute lifetime even while in use', async () => {
    const browser = new TestBrowser();
    await world.signIn(browser, 'ada');
    const id = sha256(browser.cookie(world.appUrl, 'session')!);
    await h.sql`update sessions set expires_at = now() - interval '1 second' where id_hash = ${id}`;
    expect((await me(browser)).status).toBe(401);
  });

  it('answers /api/me without a session with 401 and what to do', async () => {
    const res = await me(new TestBrowser());
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'not_signed_in', message: expect.stringContaining('/login') });
  });
});

describe('sign-in started by another site', () => {
  const start = () => `${world.appUrl}/auth/${world.org.slug}/login`;

  it('asks for confirmation instead of going to the IdP, and records nothing', async () => {
    // This org's attempts only: other test files start sign-ins in the same database meanwhile.
    const attempts = () => h.sql`
      select count(*)::int as n from login_transactions t join sso_connections s on s.id = t.connection_id where s.org_id = ${world.org.id}`;
    const [before] = await attempts();
    const res = await new TestBrowser().request(start(), { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(res.status).toBe(200);
    expect(res.body).toContain(`Sign in to ${world.org.name}?`);
    expect(await attempts()).toEqual([before]);
  });

  it('continues to the IdP when the confirmation is posted from our own page', async () => {
    const browser = new TestBrowser();
    const confirm = await browser.request(`${start()}?login_hint=ada%40${world.domain}`, { headers: { 'sec-fetch-site': 'cross-site' } });
    const form = /<form method="post" action="([^"]+)"/.exec(confirm.body)![1]!.replaceAll('&amp;', '&');
    const res = await browser.request(new URL(form, world.appUrl).href, {
      method: 'POST',
      headers: { origin: world.appUrl, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(new RegExp(`^${world.idp.issuer}/auth\\?.*login_hint=ada%40`));
  });

  it('refuses the confirmation when posted from another site', async () => {
    const res = await new TestBrowser().request(start(), {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(403);
  });
});

describe('email-first entry', () => {
  it('finds the organisation by the verified domain of the email', async () => {
    const res = await new TestBrowser().request(`${world.appUrl}/login?email=${encodeURIComponent(`Someone@${world.domain.toUpperCase()}`)}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/auth/${world.org.slug}/login?login_hint=${encodeURIComponent(`someone@${world.domain}`)}`);
  });

  it('says clearly when the organisation does not use SSO here', async () => {
    const res = await new TestBrowser().request(`${world.appUrl}/login?email=someone@not-here.example`);
    expect(res.status).toBe(404);
    expect(res.body).toContain('Your organisation does not use SSO here');
  });

  it('takes the user all the way from the email to /api/me', async () => {
    const browser = new TestBrowser();
    const page = await world.signIn(browser, 'ada', { start: `/login?email=ada@${world.domain}` });
    expect(page.url).toBe(`${world.appUrl}/api/me`);
  });
});
