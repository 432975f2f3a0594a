import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSiteContent } from '../dev/seed-site-content.ts';
import { addSite, makeOrgAdmin } from '../operator/operations.ts';
import { TestBrowser } from './support/browser.ts';
import { insertOrg } from './support/fixtures.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { startHarness, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let world: SsoWorld;
let boss: TestBrowser;
let berlin: string;
let lisbon: string;

beforeAll(async () => {
  h = await startHarness();
  world = await startSsoWorld(h, (domain) => [
    { login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' },
    { login: 'worker', email: `worker@${domain}`, email_verified: true, name: 'Wanda Worker' },
    { login: 'lead', email: `lead@${domain}`, email_verified: true, name: 'Lee Lead' },
  ]);
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  boss = new TestBrowser();
  await world.signIn(boss, 'boss');
  berlin = (await addSite(h.sql, { org: world.org.slug, name: 'Berlin HQ' })).id;
  lisbon = (await addSite(h.sql, { org: world.org.slug, name: 'Lisbon Office' })).id;
  expect(await seedSiteContent(h.sql, world.org.slug)).toBe(2);
});
afterAll(async () => {
  await world?.stop();
  await h?.stop();
});

async function call(browser: TestBrowser, path: string, init: { method?: string; body?: unknown } = {}) {
  const page = await browser.request(`${world.appUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: { origin: world.appUrl, 'content-type': 'application/json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: page.status, json: JSON.parse(page.body) };
}

async function signedIn(login: string) {
  const browser = new TestBrowser();
  await world.signIn(browser, login);
  const me = await call(browser, '/api/me');
  return { browser, id: me.json.member.id as string };
}

const assign = (memberId: string, sites: { siteId: string; role: string }[]) =>
  call(boss, `/api/orgs/${world.org.slug}/members/${memberId}/sites`, { method: 'PUT', body: { sites } });
const announcementsOf = (siteId: string) => h.sql`select title from announcements where site_id = ${siteId}`;

describe('site content is gated by site assignment', () => {
  it('answers 403 with a clear message before the assignment and the content after it; /api/me lists the sites', async () => {
    const worker = await signedIn('worker');
    for (const kind of ['announcements', 'bookings', 'visitors']) {
      const refused = await call(worker.browser, `/api/sites/${berlin}/${kind}`);
      expect(refused, kind).toMatchObject({ status: 403, json: { error: 'no_site_access' } });
      expect(refused.json.message).toBe('You are not assigned to the site "Berlin HQ" yet. Ask an org admin of your organisation to assign you to it.');
    }
    expect((await call(worker.browser, '/api/me')).json).toMatchObject({ sites: [], message: expect.stringContaining('no site access') });

    expect((await assign(worker.id, [{ siteId: berlin, role: 'site_member' }])).status).toBe(200);

    const announcements = await call(worker.browser, `/api/sites/${berlin}/announcements`);
    expect(announcements.status).toBe(200);
    expect(announcements.json.site).toEqual({ id: berlin, name: 'Berlin HQ', role: 'site_member' });
    expect(announcements.json.announcements.map((a: { title: string }) => a.title).sort()).toEqual(['Fire drill on Thursday', 'Welcome to Berlin HQ']);
    const bookings = await call(worker.browser, `/api/sites/${berlin}/bookings`);
    expect(bookings.json.bookings).toHaveLength(2);
    expect(bookings.json.bookings[0]).toEqual({ id: expect.any(String), resource: 'Meeting room 1', bookedBy: 'Avery Admin', startsAt: expect.any(String), endsAt: expect.any(String) });
    const visitors = await call(worker.browser, `/api/sites/${berlin}/visitors`);
    expect(visitors.json.visitors.map((v: { name: string }) => v.name)).toEqual(['Pat Visitor', 'Sam Auditor']);
    expect((await call(worker.browser, `/api/sites/${lisbon}/announcements`)).status).toBe(403);

    const me = await call(worker.browser, '/api/me');
    expect(me.json.sites).toEqual([{ id: berlin, name: 'Berlin HQ', role: 'site_member' }]);
    expect(me.json.message).toBeUndefined();

    await call(boss, `/api/orgs/${world.org.slug}/members/${worker.id}/sites/${berlin}`, { method: 'DELETE' });
    expect((await call(worker.browser, `/api/sites/${berlin}/announcements`)).status).toBe(403);
  });

  it('lets a site admin post an announcement and refuses a site member (403), writing nothing', async () => {
    const worker = await signedIn('worker');
    const lead = await signedIn('lead');
    await assign(worker.id, [{ siteId: lisbon, role: 'site_member' }]);
    await assign(lead.id, [{ siteId: lisbon, role: 'site_admin' }]);
    const post = { title: '  Canteen closed  ', body: 'Closed on Friday for cleaning.' };

    const refused = await call(worker.browser, `/api/sites/${lisbon}/announcements`, { method: 'POST', body: post });
    expect(refused).toMatchObject({ status: 403, json: { error: 'site_admin_required', message: 'Only a site admin of "Lisbon Office" may post announcements there.' } });
    expect(await announcementsOf(lisbon)).toHaveLength(2);

    const posted = await call(lead.browser, `/api/sites/${lisbon}/announcements`, { method: 'POST', body: post });
    expect(posted.status).toBe(201);
    expect(posted.json.announcement).toMatchObject({ title: 'Canteen closed', body: post.body, authorId: lead.id, authorName: 'Lee Lead' });
    const seen = await call(worker.browser, `/api/sites/${lisbon}/announcements`);
    expect(seen.json.announcements[0]).toMatchObject({ id: posted.json.announcement.id, title: 'Canteen closed', authorName: 'Lee Lead' });
  });

  it('refuses a malformed or over-long announcement with 400 and a message, writing nothing', async () => {
    const before = (await announcementsOf(berlin)).length;
    for (const [body, mentions] of [
      [{ title: 'x'.repeat(201), body: 'b' }, 'title'],
      [{ title: 'Hello', body: 'b'.repeat(5001) }, 'body'],
      [{ title: '   ', body: 'b' }, 'title'],
      [{ title: 'Hello' }, 'body'],
      [{ title: 'Hello', body: 'b', pinned: true }, 'pinned'],
    ] as const) {
      const res = await call(boss, `/api/sites/${berlin}/announcements`, { method: 'POST', body });
      expect(res.status).toBe(400);
      expect(res.json.message).toContain(mentions);
    }
    expect(await announcementsOf(berlin)).toHaveLength(before);
  });

  it('lets org admins read and post on every site of their organisation without an assignment', async () => {
    expect((await call(boss, '/api/me')).json.sites).toEqual([]);
    const read = await call(boss, `/api/sites/${berlin}/visitors`);
    expect(read).toMatchObject({ status: 200, json: { site: { id: berlin, role: 'site_admin' } } });
    const posted = await call(boss, `/api/sites/${berlin}/announcements`, { method: 'POST', body: { title: 'From the org admin', body: 'Hello Berlin.' } });
    expect(posted.status).toBe(201);
  });

  it('answers an unknown site and a site of another organisation alike with 404, a malformed id with 400, no session with 401', async () => {
    const other = await insertOrg(h.sql);
    const [theirs]: [{ id: string }] = await h.sql`insert into sites (org_id, name) values (${other.id}, 'Their HQ') returning id`;
    const worker = await signedIn('worker');
    for (const browser of [worker.browser, boss]) {
      const unknown = await call(browser, '/api/sites/00000000-0000-4000-8000-000000000000/announcements');
      const foreign = await call(browser, `/api/sites/${theirs.id}/announcements`);
      expect(unknown).toMatchObject({ status: 404, json: { error: 'not_found', message: 'No such site.' } });
      expect(foreign).toMatchObject({ status: 404, json: { error: 'not_found', message: 'No such site.' } });
      expect((await call(browser, `/api/sites/${theirs.id}/announcements`, { method: 'POST', body: { title: 't', body: 'b' } })).status).toBe(404);
    }
    expect(await announcementsOf(theirs.id)).toHaveLength(0);
    expect((await call(worker.browser, '/api/sites/berlin/bookings')).status).toBe(400);
    expect((await call(new TestBrowser(), `/api/sites/${berlin}/bookings`)).status).toBe(401);
  });

  it('seeds demo content once per site', async () => {
    expect(await seedSiteContent(h.sql, world.org.slug)).toBe(0);
    expect(await h.sql`select 1 from bookings where site_id = ${berlin}`).toHaveLength(2);
  });
});
