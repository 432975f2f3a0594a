import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSite, makeOrgAdmin } from '../operator/operations.ts';
import { memberWorkflowId, searchAttributes } from '../workflows/definitions.ts';
import { TestBrowser } from './support/browser.ts';
import { insertMember, insertSiteAssignment } from './support/fixtures.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let world: SsoWorld;
let rivalWorld: SsoWorld;
let boss: TestBrowser;
let plain: TestBrowser;
let rival: TestBrowser;
let berlin: { id: string; name: string };
let rivalSite: string;

beforeAll(async () => {
  h = await startHarness();
  world = await startSsoWorld(h, (domain) => [
    { login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'The Boss' },
    { login: 'plain', email: `plain@${domain}`, email_verified: true, name: 'Plain Member' },
    { login: 'newbie', email: `newbie@${domain}`, email_verified: true, name: 'New Bie' },
  ]);
  rivalWorld = await startSsoWorld(h, (domain) => [{ login: 'rival', email: `rival@${domain}`, email_verified: true, name: 'Rival Admin' }]);
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  await makeOrgAdmin(h.sql, { org: rivalWorld.org.slug, email: `rival@${rivalWorld.domain}` });
  [boss, plain, rival] = [new TestBrowser(), new TestBrowser(), new TestBrowser()];
  await world.signIn(boss, 'boss');
  await world.signIn(plain, 'plain');
  await rivalWorld.signIn(rival, 'rival');
  berlin = { id: (await addSite(h.sql, { org: world.org.slug, name: 'Berlin HQ' })).id, name: 'Berlin HQ' };
  rivalSite = (await addSite(h.sql, { org: rivalWorld.org.slug, name: 'Rival HQ' })).id;
}, 60_000);
afterAll(async () => {
  await world?.stop();
  await rivalWorld?.stop();
  await h?.stop();
});

/** POST /api/orgs/:org/members/site-assignments as `browser`. */
async function bulk(browser: TestBrowser, body: unknown, org = world.org.slug) {
  const res = await browser.request(`${world.appUrl}/api/orgs/${org}/members/site-assignments`, {
    method: 'POST',
    headers: { origin: world.appUrl, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: JSON.parse(res.body) };
}

const newMembers = (prefix: string, n: number) =>
  Promise.all(Array.from({ length: n }, (_, i) => insertMember(h.sql, world.org.id, `${prefix}-${i}@${world.domain}`)));
const assignmentsOf = (ids: string[]) =>
  h.sql<{ memberId: string; role: string }[]>`select member_id as "memberId", site_role as role from site_assignments where member_id = any(${ids}::uuid[])`;
const auditsOf = (ids: string[]) =>
  h.sql<{ memberId: string; actor: string; type: string }[]>`
    select member_id as "memberId", actor, type from audit_events where member_id = any(${ids}::uuid[]) and type like 'site_assignment.%' order by id`;
const bossId = async () => (await h.sql<[{ id: string }]>`select id from members where email = ${`boss@${world.domain}`}`)[0].id;

describe('bulk site assignment API', () => {
  it('assigns one site and role to many members, one audit event each, and answers per member', async () => {
    const members = await newMembers('bulk-ok', 4);
    const [gone] = await newMembers('bulk-gone', 1);
    await h.sql`update members set status = 'disabled' where id = ${gone!.id}`;
    const [seated] = await newMembers('bulk-seated', 1);
    await insertSiteAssignment(h.sql, { orgId: world.org.id, memberId: seated!.id, siteId: berlin.id });
    const ids = [...members.map((m) => m.id), gone!.id, seated!.id];

    const res = await bulk(boss, { memberIds: ids, siteId: berlin.id, role: 'site_member' });
    expect(res.status).toBe(200);
    expect(res.json.site).toEqual({ id: berlin.id, name: 'Berlin HQ' });
    expect(res.json.counts).toEqual({ assigned: 4, alreadyAssigned: 1, refused: 1 });
    expect(res.json.results).toEqual([
      ...members.map((m) => ({ memberId: m.id, email: m.email, name: m.email.split('@')[0], outcome: 'assigned' })),
      { memberId: gone!.id, email: gone!.email, name: gone!.email.split('@')[0], outcome: 'refused', reason: 'member_disabled', message: expect.stringContaining('disabled') },
      { memberId: seated!.id, email: seated!.email, name: seated!.email.split('@')[0], outcome: 'already_assigned' },
    ]);
    expect((await assignmentsOf(ids)).map((a) => a.memberId).sort()).toEqual([...members.map((m) => m.id), seated!.id].sort());
    const actor = `member:${await bossId()}`;
    const byMember = (a: { memberId: string }, b: { memberId: string }) => a.memberId.localeCompare(b.memberId);
    expect((await auditsOf(ids)).sort(byMember)).toEqual(members.map((m) => ({ memberId: m.id, actor, type: 'site_assignment.added' })).sort(byMember));
    const listed = await boss.request(`${world.appUrl}/api/orgs/${world.org.slug}/members?siteAccess=none&q=bulk-`);
    expect(JSON.parse(listed.body).members).toEqual([]);

    // The same request again changes nothing twice.
    const again = await bulk(boss, { memberIds: ids, siteId: berlin.id, role: 'site_member' });
    expect(again.json.counts).toEqual({ assigned: 0, alreadyAssigned: 5, refused: 1 });
    expect(await auditsOf(ids)).toHaveLength(4);
    // Another role replaces the role, as one grant does.
    const promoted = await bulk(boss, { memberIds: [members[0]!.id], siteId: berlin.id, role: 'site_admin' });
    expect(promoted.json.results[0].outcome).toBe('assigned');
    expect(await assignmentsOf([members[0]!.id])).toEqual([{ memberId: members[0]!.id, role: 'site_admin' }]);
  });

  it('ends the wait of a signed-in member as one grant does: the lifecycle and the reminders let go', async () => {
    await world.signIn(new TestBrowser(), 'newbie');
    const [newbie] = await h.sql<{ id: string }[]>`select id from members where email = ${`newbie@${world.domain}`}`;
    const lifecycle = h.client.workflow.getHandle(memberWorkflowId(world.org.slug, newbie!.id));
    // The sign-in answers before its lifecycle starts (a child started afterwards): not found yet is "not yet".
    const pending = async () => (await lifecycle.describe().catch(() => undefined))?.typedSearchAttributes.get(searchAttributes.siteAccessPending);
    expect(await eventually(async () => ((await pending()) ? true : undefined))).toBe(true);
    const res = await bulk(boss, { memberIds: [newbie!.id], siteId: berlin.id, role: 'site_member' });
    expect(res.json.counts.assigned).toBe(1);
    const view = await boss.request(`${world.appUrl}/api/orgs/${world.org.slug}/members/${newbie!.id}`);
    expect(JSON.parse(view.body)).toMatchObject({ reminders: null, member: { waitingForSiteSince: null } });
    expect(await eventually(async () => ((await pending()) === false ? false : undefined))).toBe(false);
  });

  it('refuses bad input with a 4xx that says what to fix, and changes nothing', async () => {
    const [a, b] = await newMembers('bulk-bad', 2);
    const [foreign] = [await insertMember(h.sql, rivalWorld.org.id, `bulk-foreign@${rivalWorld.domain}`)];
    const ok = { memberIds: [a!.id, b!.id], siteId: berlin.id, role: 'site_member' };
    const tooMany = Array.from({ length: 501 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const cases: [string, unknown, number, RegExp][] = [
      ['empty list', { ...ok, memberIds: [] }, 400, /at least one member/],
      ['too many ids', { ...ok, memberIds: tooMany }, 400, /at most 500 members/],
      ['duplicate ids', { ...ok, memberIds: [a!.id, b!.id, a!.id.toUpperCase()] }, 400, /at most once/],
      ['an id of another organisation', { ...ok, memberIds: [a!.id, foreign!.id] }, 404, new RegExp(`No such members in this organisation: ${foreign!.id}`)],
      ['an unknown id', { ...ok, memberIds: [a!.id, '00000000-0000-4000-8000-000000000000'] }, 404, /No such members/],
      ['a malformed id', { ...ok, memberIds: ['nope'] }, 400, /memberIds\.0/],
      ['an unknown site', { ...ok, siteId: '00000000-0000-4000-8000-000000000000' }, 404, /No such site/],
      ['a site of another organisation', { ...ok, siteId: rivalSite }, 404, /No such site/],
      ['a bad role', { ...ok, role: 'owner' }, 400, /role/],
      ['a missing site', { memberIds: ok.memberIds, role: 'site_member' }, 400, /siteId/],
      ['an unknown field', { ...ok, force: true }, 400, /force/],
      ['not JSON', '{"memberIds": [', 400, /not valid JSON/],
    ];
    for (const [what, body, status, message] of cases) {
      const res = await bulk(boss, body);
      expect({ what, status: res.status }).toEqual({ what, status });
      expect(res.json.message, what).toMatch(message);
    }
    expect(await assignmentsOf([a!.id, b!.id, foreign!.id])).toEqual([]);
    expect(await auditsOf([a!.id, b!.id, foreign!.id])).toEqual([]);
  });

  it('is for org admins of the organisation only: another org admin, a plain member and a stranger are refused', async () => {
    const [target] = await newMembers('bulk-guarded', 1);
    const body = { memberIds: [target!.id], siteId: berlin.id, role: 'site_admin' };
    expect((await bulk(rival, body)).status).toBe(403);
    // Even naming the rival's own site, through the rival's org path: our member is not theirs.
    const own = await bulk(rival, { ...body, siteId: rivalSite }, rivalWorld.org.slug);
    expect(own.status).toBe(404);
    expect((await bulk(plain, body)).status).toBe(403);
    expect((await bulk(new TestBrowser(), body)).status).toBe(401);
    // The one body type another site can make a browser send without asking (no preflight).
    const crossSite = await boss.request(`${world.appUrl}/api/orgs/${world.org.slug}/members/site-assignments`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
      body: JSON.stringify(body),
    });
    expect(crossSite.status).toBe(403);
    expect(await assignmentsOf([target!.id])).toEqual([]);
  });

  it('takes 500 members in one request', async () => {
    const ids = (
      await h.sql<{ id: string }[]>`
        insert into members (org_id, email, source)
        select ${world.org.id}, 'bulk-many-' || n || ${`@${world.domain}`}, 'operator' from generate_series(1, 500) n returning id`
    ).map((r) => r.id);
    const started = performance.now();
    const res = await bulk(boss, { memberIds: ids, siteId: berlin.id, role: 'site_member' });
    const ms = Math.round(performance.now() - started);
    console.log(`bulk-assigned 500 members in ${ms} ms`);
    expect(res.status).toBe(200);
    expect(res.json.counts).toEqual({ assigned: 500, alreadyAssigned: 0, refused: 0 });
    expect(await auditsOf(ids)).toHaveLength(500);
  }, 120_000);
});

describe('bulk site assignment form on the members page', () => {
  const tokenOf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
  async function post(fields: [string, string][], { origin = world.appUrl, token = true } = {}) {
    const listPage = await boss.request(`${world.appUrl}/admin/members`);
    const form = new URLSearchParams([...(token ? [['_csrf', tokenOf(listPage.body)] as [string, string]] : []), ...fields]);
    return boss.request(`${world.appUrl}/admin/members/site-assignments`, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: form.toString(),
    });
  }

  it('assigns the ticked members and the list page says so once, naming those refused', async () => {
    const picked = await newMembers('form-pick', 3);
    const [gone] = await newMembers('form-gone', 1);
    await h.sql`update members set name = 'Gone Member', status = 'disabled' where id = ${gone!.id}`;
    const listPage = await boss.request(`${world.appUrl}/admin/members`);
    for (const m of picked) expect(listPage.body).toContain(`name="memberId" value="${m.id}"`);
    expect(listPage.body).not.toContain(`value="${gone!.id}"`);

    const res = await post([...picked.map((m): [string, string] => ['memberId', m.id]), ['memberId', gone!.id], ['siteId', berlin.id], ['role', 'site_member']]);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/members');
    expect((await assignmentsOf(picked.map((m) => m.id))).length).toBe(3);
    const shown = await boss.request(`${world.appUrl}/admin/members`);
    expect(shown.body).toContain('3 members can now see Berlin HQ as site members. Not assigned: Gone Member (disabled).');
    expect((await boss.request(`${world.appUrl}/admin/members`)).body).not.toContain('can now see');
  });

  it('"all waiting" assigns every waiting member, also those not on the page', async () => {
    const waiting = await newMembers('form-all', 3);
    const res = await post([['allWaiting', 'yes'], ['siteId', berlin.id], ['role', 'site_admin']]);
    expect(res.status).toBe(303);
    expect(await assignmentsOf(waiting.map((m) => m.id))).toEqual(expect.arrayContaining(waiting.map((m) => ({ memberId: m.id, role: 'site_admin' }))));
    const left = await boss.request(`${world.appUrl}/api/orgs/${world.org.slug}/members?siteAccess=none`);
    expect(JSON.parse(left.body).members).toEqual([]);
    expect((await boss.request(`${world.appUrl}/admin/members`)).body).toMatch(/members can now see Berlin HQ as site admins\./);
  });

  it('refuses a form without its token, from another origin, with nobody ticked or with a member of another organisation', async () => {
    const [m] = await newMembers('form-refused', 1);
    const foreign = await insertMember(h.sql, rivalWorld.org.id, `form-foreign@${rivalWorld.domain}`);
    const fields: [string, string][] = [['memberId', m!.id], ['siteId', berlin.id], ['role', 'site_member']];
    expect((await post(fields, { token: false })).status).toBe(403);
    expect((await post(fields, { origin: 'https://evil.example' })).status).toBe(403);
    const none = await post([['siteId', berlin.id], ['role', 'site_member']]);
    expect(none.status).toBe(400);
    expect(none.body).toContain('Select at least one member');
    const cross = await post([...fields, ['memberId', foreign.id]]);
    expect(cross.status).toBe(404);
    expect(cross.body).toContain('No such members in this organisation');
    expect(await assignmentsOf([m!.id, foreign.id])).toEqual([]);
  });
});
