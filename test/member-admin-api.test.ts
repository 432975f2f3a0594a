import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeOrgRole } from '../db/org-roles.ts';
import { addSite, makeOrgAdmin } from '../operator/operations.ts';
import { TestBrowser } from './support/browser.ts';
import { insertMember, insertOrg } from './support/fixtures.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { startHarness, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let world: SsoWorld;
let rivalWorld: SsoWorld;
let boss: TestBrowser;
let plain: TestBrowser;
let rival: TestBrowser;
let bossId: string;
let berlin: string;
let lisbon: string;
let rivalSite: string;

beforeAll(async () => {
  h = await startHarness();
  world = await startSsoWorld(h, (domain) => [
    { login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' },
    { login: 'plain', email: `plain@${domain}`, email_verified: true, name: 'Plain Member' },
  ]);
  rivalWorld = await startSsoWorld(h, (domain) => [{ login: 'rival', email: `rival@${domain}`, email_verified: true, name: 'Rival Admin' }]);
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  await makeOrgAdmin(h.sql, { org: rivalWorld.org.slug, email: `rival@${rivalWorld.domain}` });
  [boss, plain, rival] = [new TestBrowser(), new TestBrowser(), new TestBrowser()];
  await world.signIn(boss, 'boss');
  await world.signIn(plain, 'plain');
  await rivalWorld.signIn(rival, 'rival');
  bossId = (await memberId(`boss@${world.domain}`))!;
  berlin = (await addSite(h.sql, { org: world.org.slug, name: 'Berlin HQ' })).id;
  lisbon = (await addSite(h.sql, { org: world.org.slug, name: 'Lisbon Office' })).id;
  rivalSite = (await addSite(h.sql, { org: rivalWorld.org.slug, name: 'Rival HQ' })).id;
});
afterAll(async () => {
  await world?.stop();
  await rivalWorld?.stop();
  await h?.stop();
});

async function memberId(email: string) {
  const [row]: [{ id: string }?] = await h.sql`select id from members where org_id = ${world.org.id} and email = ${email}`;
  return row?.id;
}

/** The member API of `org` (this test's org by default) as `browser`, over HTTP. */
async function api(browser: TestBrowser, path: string, init: { method?: string; body?: unknown; org?: string } = {}) {
  const page = await browser.request(`${world.appUrl}/api/orgs/${init.org ?? world.org.slug}/members${path}`, {
    method: init.method ?? 'GET',
    headers: { origin: world.appUrl, 'content-type': 'application/json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: page.status, json: JSON.parse(page.body) };
}

const newMember = (local: string, options?: Parameters<typeof insertMember>[3]) => insertMember(h.sql, world.org.id, `${local}@${world.domain}`, options);
const auditOf = (id: string) => h.sql`select actor, type, data from audit_events where member_id = ${id} and type like 'site_assignment.%' order by id`;
const listed = async (query: string) => {
  const res = await api(boss, `?${query}`);
  expect(res.status).toBe(200);
  return (res.json.members as { email: string }[]).map((m) => m.email.split('@')[0]).sort();
};

describe('org-admin member list', () => {
  it('never lists an org admin without sites as waiting: org admins reach every site', async () => {
    const chief = await newMember('chief-without-sites', { orgRole: 'org_admin' });
    try {
      expect(await listed('q=chief-without&siteAccess=none')).toEqual([]);
      expect(await listed('q=chief-without&siteAccess=some')).toEqual(['chief-without-sites']);
      expect((await api(boss, `/${chief.id}`)).json.member.waitingForSiteSince).toBeNull();
    } finally {
      // Out of the last-admin counts of later tests.
      await h.sql`update members set status = 'disabled' where id = ${chief.id}`;
    }
  });

  it('lists each member with org role, source, site count and since when it waits for a site', async () => {
    const { json } = await api(boss, '?q=plain');
    expect(json.members).toEqual([
      {
        id: await memberId(`plain@${world.domain}`),
        email: `plain@${world.domain}`,
        name: 'Plain Member',
        orgRole: 'member',
        status: 'active',
        source: 'jit',
        createdAt: expect.any(String),
        siteCount: 0,
        waitingForSiteSince: json.members[0].createdAt,
      },
    ]);
    expect(json.nextCursor).toBeNull();
  });

  it('filters by site access, status, source and a case-insensitive search of email and name', async () => {
    const seated = await newMember('flt-seated', { source: 'operator' });
    const gone = await newMember('flt-gone', { source: 'invitation' });
    await newMember('flt-synced', { source: 'directory' });
    await h.sql`update members set status = 'disabled' where id = ${gone.id}`;
    await h.sql`update members set name = 'Zoë Quux' where id = ${seated.id}`;
    expect((await api(boss, `/${seated.id}/sites`, { method: 'PUT', body: { sites: [{ siteId: berlin, role: 'site_member' }] } })).status).toBe(200);

    expect(await listed('q=flt-')).toEqual(['flt-gone', 'flt-seated', 'flt-synced']);
    // A disabled member does not wait for a site (db/site-access.ts waitsForSite).
    expect(await listed('q=flt-&siteAccess=none')).toEqual(['flt-synced']);
    expect(await listed('q=flt-&siteAccess=some')).toEqual(['flt-gone', 'flt-seated']);
    expect(await listed('q=flt-&status=disabled')).toEqual(['flt-gone']);
    expect(await listed('q=flt-&status=active&source=directory')).toEqual(['flt-synced']);
    expect(await listed('q=QUUX')).toEqual(['flt-seated']);
    expect(await listed(`q=${encodeURIComponent('FLT-SY')}`)).toEqual(['flt-synced']);
    // LIKE wildcards in the search are plain characters.
    expect(await listed(`q=${encodeURIComponent('flt%')}`)).toEqual([]);
    expect(await listed(`q=${encodeURIComponent('f_t-')}`)).toEqual([]);
  });

  it('pages with a cursor, newest first, through members that joined in the same instant', async () => {
    await h.sql`
      insert into members (org_id, email, source)
      select ${world.org.id}, 'pager-' || n || ${`@${world.domain}`}, 'operator' from generate_series(1, 7) n`;
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const res = await api(boss, `?q=pager-&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      sizes.push(res.json.members.length);
      seen.push(...res.json.members.map((m: { id: string }) => m.id));
      cursor = res.json.nextCursor;
    }
    expect(sizes).toEqual([3, 3, 1]);
    expect(new Set(seen).size).toBe(7);
    const all = await api(boss, '?q=pager-');
    expect(all.json.members.map((m: { id: string }) => m.id)).toEqual(seen);
  });

  it('refuses bad list parameters with 400 and a message naming each', async () => {
    for (const [query, mentions] of [
      ['limit=201', 'limit'],
      ['limit=0', 'limit'],
      ['siteAccess=maybe', 'siteAccess'],
      ['status=gone', 'status'],
      ['source=ldap', 'source'],
      [`q=${'x'.repeat(101)}`, 'q'],
      ['cursor=not-a-cursor', 'not a cursor from this API'],
      [`cursor=${Buffer.from(JSON.stringify(['0000-01-01T00:00:00Z', '6be494c1-89a8-4183-9986-f66290770d07'])).toString('base64url')}`, 'not a cursor from this API'],
      ['sitesAccess=none', 'sitesAccess'],
    ] as const) {
      const res = await api(boss, `?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.json.message, query).toContain(mentions);
    }
  });
});

describe('org-admin member detail and site assignments', () => {
  it('shows the member with org role and sites with their site roles', async () => {
    const m = await newMember('detail');
    await api(boss, `/${m.id}/sites`, { method: 'PUT', body: { sites: [{ siteId: lisbon, role: 'site_admin' }, { siteId: berlin, role: 'site_member' }] } });
    const res = await api(boss, `/${m.id}`);
    expect(res.status).toBe(200);
    expect(res.json.member).toMatchObject({ id: m.id, email: m.email, orgRole: 'member', siteCount: 2, waitingForSiteSince: null });
    expect(res.json.sites).toEqual([
      { id: berlin, name: 'Berlin HQ', role: 'site_member' },
      { id: lisbon, name: 'Lisbon Office', role: 'site_admin' },
    ]);
    expect((await api(boss, '/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await api(boss, '/not-a-uuid')).status).toBe(400);
  });

  it('PUT sets the full set; the same set again changes nothing and writes no second audit event', async () => {
    const m = await newMember('put-twice');
    const body = { sites: [{ siteId: berlin, role: 'site_member' }, { siteId: lisbon, role: 'site_admin' }] };
    const first = await api(boss, `/${m.id}/sites`, { method: 'PUT', body });
    expect(first).toMatchObject({ status: 200, json: { changed: true } });
    expect(first.json.sites.map((s: { id: string }) => s.id)).toEqual([berlin, lisbon]);
    const events = await auditOf(m.id);
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.actor === `member:${bossId}` && e.type === 'site_assignment.added')).toBe(true);

    const again = await api(boss, `/${m.id}/sites`, { method: 'PUT', body: { sites: [...body.sites].reverse() } });
    expect(again).toEqual({ status: 200, json: { changed: false, sites: first.json.sites } });
    expect(await auditOf(m.id)).toHaveLength(2);

    const narrowed = await api(boss, `/${m.id}/sites`, { method: 'PUT', body: { sites: [{ siteId: lisbon, role: 'site_member' }] } });
    expect(narrowed.json).toEqual({ changed: true, sites: [{ id: lisbon, name: 'Lisbon Office', role: 'site_member' }] });
    expect((await auditOf(m.id)).slice(2)).toEqual([
      { actor: `member:${bossId}`, type: 'site_assignment.removed', data: { siteId: berlin, siteName: 'Berlin HQ', role: 'site_member' } },
      { actor: `member:${bossId}`, type: 'site_assignment.role_changed', data: { siteId: lisbon, siteName: 'Lisbon Office', from: 'site_admin', to: 'site_member' } },
    ]);
  });

  it('POST adds or replaces one site, DELETE removes one; waiting starts again when the last site goes', async () => {
    const m = await newMember('one-by-one');
    const waiting = async () => (await api(boss, `/${m.id}`)).json.member.waitingForSiteSince as string | null;
    const joined = await waiting();

    expect((await api(boss, `/${m.id}/sites`, { method: 'POST', body: { siteId: berlin, role: 'site_member' } })).json.changed).toBe(true);
    expect(await waiting()).toBeNull();
    const replaced = await api(boss, `/${m.id}/sites`, { method: 'POST', body: { siteId: berlin, role: 'site_admin' } });
    expect(replaced.json).toEqual({ changed: true, sites: [{ id: berlin, name: 'Berlin HQ', role: 'site_admin' }] });
    expect((await api(boss, `/${m.id}/sites`, { method: 'POST', body: { siteId: berlin, role: 'site_admin' } })).json.changed).toBe(false);
    // The same id in upper case is the same site (UUIDs are case-insensitive).
    expect((await api(boss, `/${m.id}/sites`, { method: 'POST', body: { siteId: berlin.toUpperCase(), role: 'site_admin' } })).json.changed).toBe(false);

    expect((await api(boss, `/${m.id}/sites/${lisbon}`, { method: 'DELETE' })).json).toMatchObject({ changed: false });
    const [{ beforeRemoval }]: [{ beforeRemoval: Date }] = await h.sql`select now() as "beforeRemoval"`;
    expect((await api(boss, `/${m.id}/sites/${berlin}`, { method: 'DELETE' })).json).toEqual({ changed: true, sites: [] });
    const since = await waiting();
    expect(new Date(since!).getTime()).toBeGreaterThanOrEqual(beforeRemoval.getTime());
    expect(new Date(since!).getTime()).toBeGreaterThan(new Date(joined!).getTime());
    expect(await listed('q=one-by-one&siteAccess=none')).toEqual(['one-by-one']);
  });

  it('refuses an unknown role or malformed body with 400, an unknown site or a site of another org with 404, and assigns nothing', async () => {
    const m = await newMember('refused');
    const put = (sites: unknown) => api(boss, `/${m.id}/sites`, { method: 'PUT', body: { sites } });
    const badRole = await put([{ siteId: berlin, role: 'owner' }]);
    expect(badRole.status).toBe(400);
    expect(badRole.json.message).toMatch(/role.*site_member.*site_admin/);
    expect((await put([{ siteId: 'berlin', role: 'site_member' }])).status).toBe(400);
    expect((await put([{ siteId: berlin, role: 'site_member' }, { siteId: berlin, role: 'site_admin' }])).json.message).toContain('at most once');
    expect((await api(boss, `/${m.id}/sites`, { method: 'PUT', body: { site: [] } })).status).toBe(400);
    expect((await api(boss, `/${m.id}/sites`, { method: 'POST', body: { siteId: berlin } })).status).toBe(400);

    const foreign = await put([{ siteId: berlin, role: 'site_member' }, { siteId: rivalSite, role: 'site_member' }]);
    expect(foreign).toMatchObject({ status: 404, json: { error: 'site_not_found' } });
    expect(foreign.json.message).toContain(rivalSite);
    const unknown = await api(boss, `/${m.id}/sites`, { method: 'POST', body: { siteId: '00000000-0000-4000-8000-000000000000', role: 'site_member' } });
    expect(unknown.status).toBe(404);
    expect((await api(boss, `/${m.id}/sites/${rivalSite}`, { method: 'DELETE' })).status).toBe(404);

    expect(await h.sql`select 1 from site_assignments where member_id = ${m.id}`).toHaveLength(0);
    expect(await h.sql`select 1 from site_assignments where site_id = ${rivalSite}`).toHaveLength(0);
    expect(await auditOf(m.id)).toHaveLength(0);
  });

  it('refuses site changes for a disabled member with 409 and keeps their assignments', async () => {
    const m = await newMember('disabled');
    await api(boss, `/${m.id}/sites`, { method: 'PUT', body: { sites: [{ siteId: berlin, role: 'site_member' }] } });
    await h.sql`update members set status = 'disabled' where id = ${m.id}`;
    for (const res of [
      await api(boss, `/${m.id}/sites`, { method: 'PUT', body: { sites: [] } }),
      await api(boss, `/${m.id}/sites`, { method: 'POST', body: { siteId: lisbon, role: 'site_member' } }),
      await api(boss, `/${m.id}/sites/${berlin}`, { method: 'DELETE' }),
    ]) {
      expect(res).toMatchObject({ status: 409, json: { error: 'member_disabled' } });
      expect(res.json.message).toContain('Enable the member first');
    }
    expect((await api(boss, `/${m.id}`)).json.sites).toEqual([{ id: berlin, name: 'Berlin HQ', role: 'site_member' }]);
  });
});

describe('org sites', () => {
  it("lists the organisation's sites to assign from, with member counts; only to its org admins", async () => {
    const sitesOf = (browser: TestBrowser, org = world.org.slug) => browser.request(`${world.appUrl}/api/orgs/${org}/sites`);
    const res = await sitesOf(boss);
    expect(res.status).toBe(200);
    const { sites } = JSON.parse(res.body);
    expect(sites.map((s: { id: string }) => s.id)).toEqual([berlin, lisbon]);
    const [{ n }]: [{ n: number }] = await h.sql`select count(*)::int as n from site_assignments where site_id = ${berlin}`;
    expect(sites[0]).toEqual({ id: berlin, name: 'Berlin HQ', memberCount: n });
    expect((await sitesOf(plain)).status).toBe(403);
    expect((await sitesOf(rival)).status).toBe(403);
    expect(JSON.parse((await sitesOf(rival, rivalWorld.org.slug)).body).sites).toEqual([{ id: rivalSite, name: 'Rival HQ', memberCount: 0 }]);
  });
});

describe('org roles', () => {
  it('promotes and demotes with an audit event naming the admin, but never demotes the last active org admin', async () => {
    const deputy = await newMember('deputy');
    const promoted = await api(boss, `/${deputy.id}`, { method: 'PATCH', body: { orgRole: 'org_admin' } });
    expect(promoted).toMatchObject({ status: 200, json: { changed: true, member: { id: deputy.id, orgRole: 'org_admin' } } });
    expect((await api(boss, `/${deputy.id}`, { method: 'PATCH', body: { orgRole: 'org_admin' } })).json.changed).toBe(false);
    expect((await api(boss, `/${deputy.id}`, { method: 'PATCH', body: { orgRole: 'member' } })).status).toBe(200);
    expect(await h.sql`select actor, data from audit_events where member_id = ${deputy.id} and type = 'member.role_changed' order by id`).toEqual([
      { actor: `member:${bossId}`, data: { email: deputy.email, orgRole: 'org_admin', previous: 'member' } },
      { actor: `member:${bossId}`, data: { email: deputy.email, orgRole: 'member', previous: 'org_admin' } },
    ]);

    const last = await api(boss, `/${bossId}`, { method: 'PATCH', body: { orgRole: 'member' } });
    expect(last).toMatchObject({ status: 409, json: { error: 'last_org_admin' } });
    expect(last.json.message).toContain('make another member org admin first');
    const [row] = await h.sql`select org_role from members where id = ${bossId}`;
    expect(row!.org_role).toBe('org_admin');

    expect((await api(boss, `/${deputy.id}`, { method: 'PATCH', body: { orgRole: 'owner' } })).status).toBe(400);
    expect((await api(boss, '/00000000-0000-4000-8000-000000000000', { method: 'PATCH', body: { orgRole: 'member' } })).status).toBe(404);
  });

  it('of two admins demoting each other at the same moment, one is refused', async () => {
    const org = await insertOrg(h.sql);
    const [a, b] = await Promise.all(['a@x.example', 'b@x.example'].map((e) => insertMember(h.sql, org.id, e, { orgRole: 'org_admin' })));
    for (let round = 0; round < 5; round++) {
      await h.sql`update members set org_role = 'org_admin' where org_id = ${org.id}`;
      const results = await Promise.allSettled(
        [a!, b!].map((m) => changeOrgRole(h.sql, { orgId: org.id, memberId: m.id, actor: 'operator' }, 'member')),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { name: 'LastOrgAdminError' } });
      expect(await h.sql`select 1 from members where org_id = ${org.id} and org_role = 'org_admin'`).toHaveLength(1);
    }
  });
});

describe('authorization', () => {
  it('refuses plain members (403) and anyone signed out (401)', async () => {
    const id = (await memberId(`plain@${world.domain}`))!;
    expect((await api(plain, '')).status).toBe(403);
    expect((await api(plain, `/${id}`)).status).toBe(403);
    expect((await api(plain, `/${id}`, { method: 'PATCH', body: { orgRole: 'org_admin' } })).status).toBe(403);
    expect((await api(plain, `/${id}/sites`, { method: 'PUT', body: { sites: [{ siteId: berlin, role: 'site_admin' }] } })).status).toBe(403);
    expect((await api(new TestBrowser(), '')).status).toBe(401);
    expect(await h.sql`select 1 from site_assignments where member_id = ${id}`).toHaveLength(0);
  });

  it("refuses another organisation's admin on this org (403) and hides this org's members from their own org's routes (404)", async () => {
    const id = (await memberId(`plain@${world.domain}`))!;
    expect((await api(rival, '')).status).toBe(403);
    expect((await api(rival, `/${id}/sites`, { method: 'PUT', body: { sites: [{ siteId: berlin, role: 'site_admin' }] } })).status).toBe(403);
    const own = { org: rivalWorld.org.slug };
    expect((await api(rival, `/${id}`, own)).status).toBe(404);
    expect((await api(rival, `/${id}/sites`, { ...own, method: 'PUT', body: { sites: [{ siteId: rivalSite, role: 'site_admin' }] } })).status).toBe(404);
    expect((await api(rival, `/${id}`, { ...own, method: 'PATCH', body: { orgRole: 'org_admin' } })).status).toBe(404);
    expect((await api(rival, '?q=plain', own)).json.members).toEqual([]);
    expect(await h.sql`select 1 from site_assignments where member_id = ${id}`).toHaveLength(0);
  });
});
