import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOrgAdmin } from '../operator/operations.ts';
import { createScimToken } from '../operator/scim-tokens.ts';
import { TestBrowser, type Page } from './support/browser.ts';
import { scimGroupWithPeople } from './support/scim.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

// The site rules page and the member page's hand-back over plain HTTP with cookies: what a
// refused form leaves (nothing), and where a member's sites come from in the JSON API.
let h: TestHarness;
let w: SsoWorld;
let other: SsoWorld;
let scimToken: string;
let siteId: string;
const html = { accept: 'text/html' };

beforeAll(async () => {
  h = await startHarness();
  const accounts = (domain: string) => [
    { login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'Avery Admin' },
    { login: 'alice', email: `alice@${domain}`, email_verified: true, name: 'Alice Example' },
  ];
  w = await startSsoWorld(h, accounts);
  other = await startSsoWorld(h, accounts);
  await makeOrgAdmin(h.sql, { org: w.org.slug, email: `boss@${w.domain}` });
  [{ id: siteId }] = await h.sql<[{ id: string }]>`insert into sites (org_id, name) values (${w.org.id}, 'Berlin HQ') returning id`;
  ({ token: scimToken } = await createScimToken(h.sql, { org: w.org.slug }));
});
afterAll(async () => {
  await w?.stop();
  await other?.stop();
  await h?.stop();
});

const tokenOf = (page: Page) => /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
const textOf = (page: Page) => page.body.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const idOf = async (email: string) => (await h.sql<{ id: string }[]>`select id from members where email = ${email}`)[0]!.id;

/**
 * Signed in, and the member's lifecycle has stamped them: its audit event comes after the sign-in
 * answers, and would otherwise land inside a test's before/after comparison.
 */
async function signedIn(login: string) {
  const browser = new TestBrowser();
  await w.signIn(browser, login);
  await eventually(async () => {
    const [row] = await h.sql`select 1 from members where email = ${`${login}@${w.domain}`} and lifecycle_started_at is not null`;
    return row ? true : undefined;
  }, 30_000);
  return { browser, token: tokenOf(await browser.request(`${w.appUrl}/`, { headers: html })) };
}
const post = (browser: TestBrowser, path: string, fields: Record<string, string>, origin = new URL(w.appUrl).origin) =>
  browser.request(`${w.appUrl}${path}`, {
    method: 'POST',
    body: new URLSearchParams(fields),
    headers: { ...html, 'content-type': 'application/x-www-form-urlencoded', origin },
  });

/** Everything a rule change writes: a refused one must leave it exactly so. */
const ruleState = async () => {
  const [state] = await h.sql`
    select
      (select coalesce(json_agg(r order by r.id), '[]') from site_rules r where org_id = ${w.org.id}) as rules,
      (select coalesce(json_agg(d order by d.member_id, d.site_id), '[]') from site_decisions d where org_id = ${w.org.id}) as decisions,
      (select coalesce(json_agg(a order by a.member_id, a.site_id), '[]') from site_assignments a where org_id = ${w.org.id}) as assignments,
      (select count(*)::int from site_access_queue where org_id = ${w.org.id}) as queued,
      (select count(*)::int from audit_events where org_id = ${w.org.id}) as audit`;
  return state;
};

describe('the site rules page over HTTP', () => {
  it('without directory groups, says that groups come from the directory and where it is connected', async () => {
    const { browser } = await signedIn('boss');
    const page = await browser.request(`${w.appUrl}/admin/site-rules`, { headers: html });
    expect(page.status).toBe(200);
    expect(textOf(page)).toContain("Groups come from your organisation's directory (SCIM");
    expect(page.body).toContain('href="/admin/setup"');
    expect(page.body).not.toContain('Create rule');
  });

  it('a member who is not an org admin gets a 403 page and cannot post the forms', async () => {
    const { browser, token } = await signedIn('alice');
    expect((await browser.request(`${w.appUrl}/admin/site-rules`, { headers: html })).status).toBe(403);
    const before = await ruleState();
    expect((await post(browser, '/admin/site-rules', { _csrf: token, groupId: randomUUID(), siteId, role: 'site_admin' })).status).toBe(403);
    expect(await ruleState()).toEqual(before);
  });

  it('refuses a form without its token, with another session\'s token, or from another origin, and changes nothing', async () => {
    await scimGroupWithPeople(w.appUrl, scimToken, 'Refusals', [{ email: `rita@${w.domain}`, given: 'Rita', family: 'Refused' }]);
    const [group] = await h.sql<{ id: string }[]>`select id from directory_groups where org_id = ${w.org.id} and display_name = 'Refusals'`;
    const boss = await signedIn('boss');
    const alice = await signedIn('alice');
    const fields = { groupId: group!.id, siteId, role: 'site_member' };
    const before = await ruleState();
    for (const [sent, origin] of [
      [fields, undefined],
      [{ _csrf: '', ...fields }, undefined],
      [{ _csrf: alice.token, ...fields }, undefined],
      [{ _csrf: boss.token, ...fields }, 'http://evil.example'],
    ] as const) {
      expect((await post(boss.browser, '/admin/site-rules', sent, origin)).status).toBe(403);
    }
    expect(await ruleState()).toEqual(before);

    // A rule that stands, and a member's decision, are not undone by forged forms either.
    expect((await post(boss.browser, '/admin/site-rules', { _csrf: boss.token, ...fields })).status).toBe(303);
    const rita = await idOf(`rita@${w.domain}`);
    await eventually(async () => ((await h.sql`select 1 from site_assignments where member_id = ${rita}`).length ? true : undefined), 30_000);
    expect((await post(boss.browser, `/admin/members/${rita}/sites/${siteId}/remove`, { _csrf: boss.token })).status).toBe(303);
    const [rule] = await h.sql<{ id: string }[]>`select id from site_rules where org_id = ${w.org.id}`;
    const standing = await ruleState();
    for (const path of [`/admin/site-rules/${rule!.id}/delete`, `/admin/members/${rita}/sites/${siteId}/hand-back`]) {
      expect((await post(boss.browser, path, {})).status, path).toBe(403);
      expect((await post(boss.browser, path, { _csrf: alice.token })).status, path).toBe(403);
      expect((await post(boss.browser, path, { _csrf: boss.token }, 'http://evil.example')).status, path).toBe(403);
    }
    // A GET to a form's address deletes nothing: it is the confirmation step.
    expect((await boss.browser.request(`${w.appUrl}/admin/site-rules/${rule!.id}/delete?_csrf=${boss.token}`, { headers: html })).status).toBe(200);
    expect(await ruleState()).toEqual(standing);
  });

  it('a duplicate rule, an unknown group, another organisation\'s site or role show the reason on the page and change nothing', async () => {
    await scimGroupWithPeople(w.appUrl, scimToken, 'Duplicates', [{ email: `dora@${w.domain}`, given: 'Dora', family: 'Double' }]);
    const [group] = await h.sql<{ id: string }[]>`select id from directory_groups where org_id = ${w.org.id} and display_name = 'Duplicates'`;
    const [foreignSite] = await h.sql<{ id: string }[]>`insert into sites (org_id, name) values (${other.org.id}, 'Foreign Office') returning id`;
    const { browser, token } = await signedIn('boss');
    expect((await post(browser, '/admin/site-rules', { _csrf: token, groupId: group!.id, siteId, role: 'site_admin' })).status).toBe(303);
    const dora = await idOf(`dora@${w.domain}`);
    await eventually(async () => ((await h.sql`select 1 from site_assignments where member_id = ${dora}`).length ? true : undefined), 30_000);
    const before = await ruleState();
    for (const [fields, status, message] of [
      [{ groupId: group!.id, siteId, role: 'site_member' }, 409, 'This group already has a rule for this site.'],
      [{ groupId: randomUUID(), siteId, role: 'site_member' }, 404, 'That directory group is not in your organisation'],
      [{ groupId: group!.id, siteId: foreignSite!.id, role: 'site_member' }, 404, 'That site is not one of your organisation'],
      [{ groupId: group!.id, siteId, role: 'owner' }, 400, 'Choose a group, a site and a site role from the lists; nothing was created.'],
    ] as const) {
      const refused = await post(browser, '/admin/site-rules', { _csrf: token, ...fields });
      expect(refused.status, message).toBe(status);
      expect(refused.headers.get('content-type')).toContain('text/html');
      expect(textOf(refused), message).toContain(message);
      // Shown again on the rules page, with what was chosen still chosen.
      expect(refused.body).toContain('<h1>Site rules</h1>');
      if (fields.groupId === group!.id) expect(refused.body).toContain(`value="${group!.id}" selected`);
    }
    expect(await ruleState()).toEqual(before);
    const [rule] = await h.sql<{ id: string }[]>`select id from site_rules where group_id = ${group!.id}`;
    expect((await post(browser, `/admin/site-rules/${rule!.id}/delete`, { _csrf: token })).status).toBe(303);
    // Deleted already (a second click, another admin): the page says so.
    const again = await post(browser, `/admin/site-rules/${rule!.id}/delete`, { _csrf: token });
    expect(again.status).toBe(404);
    expect(textOf(again)).toContain('That rule no longer exists');
  });
});

describe('where a member\'s sites come from, in the JSON API', () => {
  it('GET /api/orgs/:org/members/:id names the groups, the decision and the admin who took it', async () => {
    await scimGroupWithPeople(w.appUrl, scimToken, 'Berlin Office', [{ email: `sam@${w.domain}`, given: 'Sam', family: 'Source' }]);
    const [group] = await h.sql<{ id: string }[]>`select id from directory_groups where org_id = ${w.org.id} and display_name = 'Berlin Office'`;
    const { browser, token } = await signedIn('boss');
    const sam = await idOf(`sam@${w.domain}`);
    const member = async () => JSON.parse((await browser.request(`${w.appUrl}/api/orgs/${w.org.slug}/members/${sam}`)).body);
    expect((await post(browser, '/admin/site-rules', { _csrf: token, groupId: group!.id, siteId, role: 'site_member' })).status).toBe(303);
    await eventually(async () => ((await member()).sites.length ? true : undefined), 30_000);
    const given = await member();
    expect(given.sites).toEqual([{ id: siteId, name: 'Berlin HQ', role: 'site_member' }]);
    expect(given.siteSources).toEqual([
      { site: { id: siteId, name: 'Berlin HQ' }, role: 'site_member', ruleRole: 'site_member', groups: [{ id: group!.id, name: 'Berlin Office' }], decision: null },
    ]);

    expect((await post(browser, `/admin/members/${sam}/sites/${siteId}/remove`, { _csrf: token })).status).toBe(303);
    const removed = await member();
    expect(removed.sites).toEqual([]);
    expect(removed.siteSources).toEqual([
      {
        site: { id: siteId, name: 'Berlin HQ' },
        role: null,
        ruleRole: 'site_member',
        groups: [{ id: group!.id, name: 'Berlin Office' }],
        decision: { kind: 'removed', role: null, by: `member:${await idOf(`boss@${w.domain}`)}`, byName: 'Avery Admin', at: expect.any(String) },
      },
    ]);
    expect(Object.keys(removed)).toEqual(['member', 'sites', 'statusDecision', 'siteSources', 'reminders']);
  });
});
