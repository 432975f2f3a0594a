import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSite, makeOrgAdmin } from '../operator/operations.ts';
import { createScimToken } from '../operator/scim-tokens.ts';
import { reconcileSiteAccess } from '../db/site-assignments.ts';
import { queueGroupMembers } from '../db/site-rules.ts';
import { memberWorkflowId, searchAttributes, siteAccessChangedSignal } from '../workflows/definitions.ts';
import { applySiteRulesWorkflow } from '../workflows/index.ts';
import { TestBrowser } from './support/browser.ts';
import { insertOrg } from './support/fixtures.ts';
import { recordHistory } from './support/histories.ts';
import { directoryUsersInDatabase, scimClient } from './support/scim.ts';
import { entraGroups, okta, oktaGroups } from './support/scim-fixtures.ts';
import { startSsoWorld, type SsoWorld } from './support/sso.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

let h: TestHarness;
let world: SsoWorld;
let boss: TestBrowser;
let scim: ReturnType<typeof scimClient>;
let berlin: string;
let lisbon: string;
let porto: string;

beforeAll(async () => {
  h = await startHarness();
  world = await startSsoWorld(h, (domain) => [
    { login: 'boss', email: `boss@${domain}`, email_verified: true, name: 'Avery Admin' },
    { login: 'newbie', email: `newbie@${domain}`, email_verified: true, name: 'New Bie' },
  ]);
  await makeOrgAdmin(h.sql, { org: world.org.slug, email: `boss@${world.domain}` });
  boss = new TestBrowser();
  await world.signIn(boss, 'boss');
  berlin = (await addSite(h.sql, { org: world.org.slug, name: 'Berlin' })).id;
  lisbon = (await addSite(h.sql, { org: world.org.slug, name: 'Lisbon' })).id;
  porto = (await addSite(h.sql, { org: world.org.slug, name: 'Porto' })).id;
  scim = scimClient(world.appUrl, (await createScimToken(h.sql, { org: world.org.slug })).token);
});
afterAll(async () => {
  await world?.stop();
  await h?.stop();
});

/** The org admin API as the signed-in admin, over HTTP. */
async function api(path: string, method = 'GET', body?: unknown) {
  const res = await boss.request(`${world.appUrl}/api/orgs/${world.org.slug}${path}`, {
    method,
    headers: { origin: world.appUrl, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: res.body ? JSON.parse(res.body) : undefined };
}

/** Site name → role of each member named, as site_assignments holds it. */
async function sitesOf(memberIds: string[]): Promise<Record<string, Record<string, string>>> {
  const rows = await h.sql<{ memberId: string; name: string; role: string }[]>`
    select a.member_id as "memberId", s.name, a.site_role as role from site_assignments a join sites s on s.id = a.site_id
    where a.member_id = any(${memberIds}::uuid[]) order by s.name`;
  return Object.fromEntries(memberIds.map((id) => [id, Object.fromEntries(rows.filter((r) => r.memberId === id).map((r) => [r.name, r.role]))]));
}

const group = async (name: string, members: string[] = []) => {
  const created = await scim('POST', '/Groups', { ...oktaGroups.create(name), members: members.map((value) => ({ value })) });
  expect(created.status).toBe(201);
  return created.body.id as string;
};
const rule = async (groupId: string, siteId: string, role = 'site_member') => {
  const created = await api('/site-rules', 'POST', { groupId, siteId, role });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  return created.json as { rule: { id: string }; queued: number };
};
const users = (count: number, prefix: string) => directoryUsersInDatabase(h, { id: world.org.id, domain: world.domain }, count, prefix);
const until = (check: () => Promise<boolean>, timeoutMs = 20_000) => eventually(async () => ((await check()) ? true : undefined), timeoutMs);

describe('site-access rules', () => {
  it('a new rule gives its group\'s members the site in a workflow run, and a member waiting for a site stops waiting', async () => {
    await world.signIn(new TestBrowser(), 'newbie');
    const [newbie]: [{ id: string }] = await h.sql`select id from members where org_id = ${world.org.id} and email = ${`newbie@${world.domain}`}`;
    const linked = await scim('POST', '/Users', okta.create(`newbie@${world.domain}`, 'ext-newbie', 'New', 'Bie'));
    expect(linked.status).toBe(201);
    const others = await users(2, 'staff');
    const office = await group('Berlin Office', [linked.body.id, ...others.map((u) => u.id)]);
    const lifecycle = h.client.workflow.getHandle(memberWorkflowId(world.org.slug, newbie.id));
    await until(async () => (await lifecycle.describe()).typedSearchAttributes.get(searchAttributes.siteAccessPending) === true);

    const created = await rule(office, berlin);
    expect(created.queued).toBe(3);
    const ids = [newbie.id, ...others.map((u) => u.memberId)];
    await until(async () => Object.values(await sitesOf(ids)).every((sites) => sites.Berlin === 'site_member'));
    await until(async () => (await lifecycle.describe()).typedSearchAttributes.get(searchAttributes.siteAccessPending) === false);
    const [{ pendingSince }]: [{ pendingSince: Date | null }] = await h.sql`select site_access_pending_since as "pendingSince" from members where id = ${newbie.id}`;
    expect(pendingSince).toBeNull();

    const audit = await h.sql`select actor, data from audit_events where member_id = ${newbie.id} and type = 'site_assignment.added'`;
    expect(audit).toEqual([{ actor: 'system:site-rules', data: expect.objectContaining({ siteName: 'Berlin', role: 'site_member', groups: ['Berlin Office'] }) }]);
    const [orgEvent] = await h.sql`select data from audit_events where org_id = ${world.org.id} and type = 'site_rule.created'`;
    expect(orgEvent!.data).toMatchObject({ groupName: 'Berlin Office', siteName: 'Berlin', queued: 3 });
    expect((await h.sql`select count(*)::int as n from site_access_queue where org_id = ${world.org.id}`)[0]!.n).toBe(0);

    // One signal told the waiting member's lifecycle; nothing else reached it.
    const signals = (await lifecycle.fetchHistory()).events!.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === siteAccessChangedSignal.name);
    expect(signals).toHaveLength(1);
    const run = await eventually(async () => {
      for await (const w of h.client.workflow.list({ query: `WorkflowType = 'applySiteRulesWorkflow'` })) if (w.workflowId.startsWith(`site-rules/${world.org.slug}/`)) return w;
      return undefined;
    });
    const handle = h.client.workflow.getHandle(run.workflowId);
    expect(await handle.result()).toEqual({ members: 3, flipped: 3, announcedLate: 0 });
    await recordHistory(handle, 'apply-site-rules');
    const listed = await api('/site-rules');
    expect(listed.json.rules).toEqual([expect.objectContaining({ group: { id: office, name: 'Berlin Office', memberCount: 3 }, site: { id: berlin, name: 'Berlin' }, role: 'site_member' })]);
  });

  it('joining grants at once; leaving takes only what no other rule or admin gives; an admin\'s removal and role stick until handed back', async () => {
    const [ana] = await users(1, 'ana');
    const a = ana!.memberId;
    const berlinGroup = await group('Berlin Staff');
    const lisbonGroup = await group('Lisbon Staff');
    const portoGroup = await group('Porto Visitors');
    await rule(berlinGroup, berlin);
    await rule(lisbonGroup, lisbon);
    await rule(portoGroup, porto, 'site_admin');
    await rule(lisbonGroup, porto);

    // Okta: PATCH add with display; Entra: Add with values only.
    expect((await scim('PATCH', `/Groups/${berlinGroup}`, oktaGroups.add([{ id: ana!.id, userName: ana!.userName }]))).status).toBe(200);
    expect(await sitesOf([a])).toEqual({ [a]: { Berlin: 'site_member' } });
    expect((await scim('PATCH', `/Groups/${lisbonGroup}`, entraGroups.add([ana!.id]))).status).toBe(200);
    expect((await scim('PATCH', `/Groups/${portoGroup}`, entraGroups.add([ana!.id]))).status).toBe(200);
    // Two rules give Porto: the stronger role wins.
    expect(await sitesOf([a])).toEqual({ [a]: { Berlin: 'site_member', Lisbon: 'site_member', Porto: 'site_admin' } });

    // The admin removes Berlin and makes Lisbon a site admin: both stick against the groups.
    expect((await api(`/members/${a}/sites/${berlin}`, 'DELETE')).status).toBe(200);
    expect((await api(`/members/${a}/sites`, 'POST', { siteId: lisbon, role: 'site_admin' })).status).toBe(200);
    // The directory pushes the full Berlin group again (Okta PUT), and Entra removes Ana from Lisbon by filter.
    expect((await scim('PUT', `/Groups/${berlinGroup}`, oktaGroups.replace(berlinGroup, 'Berlin Staff', []))).status).toBe(200);
    expect((await scim('PUT', `/Groups/${berlinGroup}`, oktaGroups.replace(berlinGroup, 'Berlin Staff', [{ id: ana!.id, userName: ana!.userName }]))).status).toBe(200);
    expect((await scim('PATCH', `/Groups/${lisbonGroup}`, oktaGroups.remove([ana!.id]))).status).toBe(200);
    // Lisbon stays (the admin granted it); Porto stays (the other rule still gives it); Berlin stays removed.
    expect(await sitesOf([a])).toEqual({ [a]: { Lisbon: 'site_admin', Porto: 'site_admin' } });

    // Handed back: the rules decide again.
    expect((await api(`/members/${a}/sites/${berlin}/hand-back`, 'POST')).json).toMatchObject({ changed: true, sites: expect.arrayContaining([{ id: berlin, name: 'Berlin', role: 'site_member' }]) });
    expect((await api(`/members/${a}/sites/${lisbon}/hand-back`, 'POST')).status).toBe(200);
    expect(await sitesOf([a])).toEqual({ [a]: { Berlin: 'site_member', Porto: 'site_admin' } });
    // Handing back a site nobody decided about changes nothing.
    expect((await api(`/members/${a}/sites/${porto}/hand-back`, 'POST')).json).toMatchObject({ changed: false });
    // Leaving the last group that gives Porto takes it away, and the log says which group she left.
    expect((await scim('PATCH', `/Groups/${portoGroup}`, entraGroups.remove([ana!.id]))).status).toBe(200);
    expect(await sitesOf([a])).toEqual({ [a]: { Berlin: 'site_member' } });

    const timeline = await h.sql<{ type: string; actor: string; data: Record<string, unknown> }[]>`
      select type, actor, data from audit_events where member_id = ${a} and type like 'site_%' order by id`;
    expect(timeline.map((e) => [e.type, e.data.siteName, e.data.groups ?? e.data.despiteGroups ?? e.data.overGroups ?? null])).toEqual([
      ['site_assignment.added', 'Berlin', ['Berlin Staff']],
      ['site_assignment.added', 'Lisbon', ['Lisbon Staff']],
      ['site_assignment.added', 'Porto', ['Lisbon Staff']],
      ['site_assignment.role_changed', 'Porto', ['Lisbon Staff', 'Porto Visitors']],
      ['site_assignment.removed', 'Berlin', ['Berlin Staff']],
      ['site_assignment.role_changed', 'Lisbon', ['Lisbon Staff']],
      ['site_decision.handed_back', 'Berlin', null],
      ['site_assignment.added', 'Berlin', ['Berlin Staff']],
      ['site_decision.handed_back', 'Lisbon', null],
      ['site_assignment.removed', 'Lisbon', null],
      ['site_assignment.removed', 'Porto', null],
    ]);
    expect(timeline.at(-1)).toMatchObject({ actor: expect.stringMatching(/^scim:/), data: { leftGroup: 'Porto Visitors' } });
  });

  it('a rule deleted, or a group with rules deleted, takes away only what it alone gave', async () => {
    const staff = await users(3, 'del');
    const ids = staff.map((u) => u.memberId);
    const team = await group('Delete Team', staff.map((u) => u.id));
    const { rule: teamRule } = await rule(team, lisbon);
    await until(async () => Object.values(await sitesOf(ids)).every((s) => s.Lisbon === 'site_member'));
    // One of them the admin also granted Lisbon by hand, another Porto.
    expect((await api(`/members/${ids[0]}/sites`, 'POST', { siteId: lisbon, role: 'site_admin' })).status).toBe(200);
    expect((await api(`/members/${ids[1]}/sites`, 'POST', { siteId: porto, role: 'site_member' })).status).toBe(200);

    const deleted = await api(`/site-rules/${teamRule.id}`, 'DELETE');
    expect(deleted).toMatchObject({ status: 200, json: { queued: 3 } });
    await until(async () => (await sitesOf([ids[2]!]))[ids[2]!]!.Lisbon === undefined);
    expect(await sitesOf(ids)).toEqual({ [ids[0]!]: { Lisbon: 'site_admin' }, [ids[1]!]: { Porto: 'site_member' }, [ids[2]!]: {} });
    expect(await api(`/site-rules/${teamRule.id}`, 'DELETE')).toMatchObject({ status: 404, json: { error: 'site_rule_not_found' } });

    await rule(team, berlin);
    await until(async () => Object.values(await sitesOf(ids)).every((s) => s.Berlin === 'site_member'));
    expect((await scim('DELETE', `/Groups/${team}`)).status).toBe(204);
    await until(async () => Object.values(await sitesOf(ids)).every((s) => s.Berlin === undefined));
    expect(await sitesOf(ids)).toEqual({ [ids[0]!]: { Lisbon: 'site_admin' }, [ids[1]!]: { Porto: 'site_member' }, [ids[2]!]: {} });
    // Whoever has no site left waits for one again.
    const [{ waiting }]: [{ waiting: boolean }] = await h.sql`select site_access_pending_since is not null as waiting from members where id = ${ids[2]!}`;
    expect(waiting).toBe(true);
  });

  it('a disabled member keeps their sites while the rules change, and is worked out again when re-enabled', async () => {
    const created = await scim('POST', '/Users', okta.create(`dora@${world.domain}`, 'ext-dora', 'Dora', 'Disabled'));
    const [dora]: [{ id: string }] = await h.sql`select id from members where org_id = ${world.org.id} and email = ${`dora@${world.domain}`}`;
    const team = await group('Dora Team', [created.body.id]);
    await rule(team, berlin);
    await until(async () => (await sitesOf([dora.id]))[dora.id]!.Berlin === 'site_member');

    expect((await scim('PATCH', `/Users/${created.body.id}`, okta.setActive(false))).status).toBe(200);
    await until(async () => (await h.sql`select status from members where id = ${dora.id}`)[0]!.status === 'disabled');
    const { rule: later } = await rule(team, lisbon);
    expect((await scim('PATCH', `/Groups/${team}`, oktaGroups.remove([created.body.id]))).status).toBe(200);
    await until(async () => (await h.sql`select count(*)::int as n from site_access_queue where org_id = ${world.org.id}`)[0]!.n === 0);
    expect(await sitesOf([dora.id])).toEqual({ [dora.id]: { Berlin: 'site_member' } });
    expect((await api(`/members/${dora.id}/sites/${berlin}`, 'DELETE')).json).toMatchObject({ error: 'member_disabled' });

    expect((await scim('PATCH', `/Groups/${team}`, entraGroups.add([created.body.id]))).status).toBe(200);
    expect((await scim('PATCH', `/Users/${created.body.id}`, okta.setActive(true))).status).toBe(200);
    await until(async () => (await sitesOf([dora.id]))[dora.id]!.Lisbon === 'site_member');
    expect(await sitesOf([dora.id])).toEqual({ [dora.id]: { Berlin: 'site_member', Lisbon: 'site_member' } });
    expect((await api(`/site-rules/${later.id}`, 'DELETE')).status).toBe(200);
  });

  it('refuses rules for another organisation\'s group or site, duplicates and bad bodies, and changes nothing', async () => {
    const team = await group('Refusal Team');
    await rule(team, porto);
    const otherOrg = await insertOrg(h.sql);
    const [otherGroup]: [{ id: string }] = await h.sql`insert into directory_groups (org_id, display_name) values (${otherOrg.id}, 'Theirs') returning id`;
    const [otherSite]: [{ id: string }] = await h.sql`insert into sites (org_id, name) values (${otherOrg.id}, 'Theirs') returning id`;
    // The two organisations' rows only: other test files make rules at the same time.
    const orgs = [world.org.id, otherOrg.id];
    const tables = () => h.sql`select (select count(*)::int from site_rules where org_id = any(${orgs}::uuid[])) as rules, (select count(*)::int from audit_events where org_id = any(${orgs}::uuid[]) and type like 'site_rule.%') as audit`;
    const before = await tables();
    const refusals: [unknown, number, string][] = [
      [{ groupId: team, siteId: porto, role: 'site_admin' }, 409, 'site_rule_exists'],
      [{ groupId: otherGroup.id, siteId: berlin, role: 'site_member' }, 404, 'group_not_found'],
      [{ groupId: team, siteId: otherSite.id, role: 'site_member' }, 404, 'site_not_found'],
      [{ groupId: team, siteId: berlin, role: 'owner' }, 400, 'invalid_request'],
      [{ groupId: team, siteId: berlin }, 400, 'invalid_request'],
      [{ groupId: 'not-a-uuid', siteId: berlin, role: 'site_member' }, 400, 'invalid_request'],
      [{ groupId: team, siteId: berlin, role: 'site_member', extra: 1 }, 400, 'invalid_request'],
    ];
    for (const [body, status, error] of refusals) {
      const answer = await api('/site-rules', 'POST', body);
      expect(answer, JSON.stringify(body)).toMatchObject({ status, json: { error } });
      expect(answer.json.message).toBeTruthy();
    }
    expect(await api(`/site-rules/${crypto.randomUUID()}`, 'DELETE')).toMatchObject({ status: 404 });
    expect(await tables()).toEqual(before);
  });

  it('gives the site to each chunk of a 1,000-member group as the directory pushes it, and a rule made later reaches a large group in batches', { timeout: 120_000 }, async () => {
    const pushed = await users(1_000, 'chunk');
    const team = await group('Large Office');
    await rule(team, porto);
    const latencies: number[] = [];
    for (let i = 0; i < pushed.length; i += 100) {
      const chunk = pushed.slice(i, i + 100);
      const started = performance.now();
      expect((await scim('PATCH', `/Groups/${team}`, entraGroups.add(chunk.map((u) => u.id)))).status).toBe(200);
      latencies.push(performance.now() - started);
      // Granted in the PATCH's own transaction: there when it answers.
      const [{ n }]: [{ n: number }] = await h.sql`select count(*)::int as n from site_assignments where site_id = ${porto} and member_id = any(${chunk.map((u) => u.memberId)}::uuid[])`;
      expect(n).toBe(100);
    }
    console.log(`site rules: 1,000 members pushed in chunks of 100, PATCH ms per chunk ${latencies.map(Math.round).join(' ')}`);

    const large = Number(process.env.SITE_RULES_BACKFILL_MEMBERS ?? 2_000);
    const crowd = await users(large, 'crowd');
    const [{ id: crowdGroup }]: [{ id: string }] = await h.sql`insert into directory_groups (org_id, display_name) values (${world.org.id}, 'Crowd') returning id`;
    await h.sql`insert into directory_group_members (org_id, group_id, member_id) select ${world.org.id}, ${crowdGroup}, unnest(${crowd.map((u) => u.memberId)}::uuid[])`;
    const started = performance.now();
    expect((await rule(crowdGroup, lisbon)).queued).toBe(large);
    const answered = performance.now() - started;
    const count = async () => (await h.sql<[{ n: number }]>`select count(*)::int as n from site_assignments where site_id = ${lisbon} and member_id = any(${crowd.map((u) => u.memberId)}::uuid[])`)[0].n;
    await until(async () => (await count()) === large, 100_000);
    console.log(`site rules: a rule over ${large} members answered in ${Math.round(answered)} ms, all had the site after ${Math.round(performance.now() - started)} ms`);
  });

  it('a later run works out members a change queued when its own run never started', async () => {
    const staff = await users(2, 'orphan');
    const ids = staff.map((u) => u.memberId);
    const [{ id: team }]: [{ id: string }] = await h.sql`insert into directory_groups (org_id, display_name) values (${world.org.id}, 'Orphans') returning id`;
    await h.sql`insert into directory_group_members (org_id, group_id, member_id) select ${world.org.id}, ${team}, unnest(${ids}::uuid[])`;
    // Runs of earlier rule changes in this organisation have ended: one still draining would take
    // these members off the queue itself (seen once in a clean-clone CI), and the later run below
    // is the one this proves.
    await until(async () => {
      for await (const _run of h.client.workflow.list({ query: `WorkflowId STARTS_WITH "site-rules/${world.org.slug}/" AND ExecutionStatus = "Running"` })) return false;
      return true;
    });
    // As createSiteRule commits it, with the api gone before it could start the run.
    await h.sql.begin(async (tx) => {
      await tx`insert into site_rules (org_id, group_id, site_id, site_role, created_by) values (${world.org.id}, ${team}, ${berlin}, 'site_admin', 'operator')`;
      await queueGroupMembers(tx, world.org.id, team);
    });
    // Scoped to this file's organisation: the schedule's run (no scope) would also tell Temporal of
    // announcements other test files in the same database left owed, on this file's task queue.
    const applied = await h.client.workflow.execute(applySiteRulesWorkflow, { workflowId: `sweep-${crypto.randomUUID()}`, taskQueue: h.taskQueue, args: [{ orgId: world.org.id }] });
    expect(applied.members).toBeGreaterThanOrEqual(2);
    expect(await sitesOf(ids)).toEqual(Object.fromEntries(ids.map((id) => [id, { Berlin: 'site_admin' }])));
    expect((await h.sql`select count(*)::int as n from site_access_queue where org_id = ${world.org.id}`)[0]!.n).toBe(0);
  });

  it('a member who joins while a rule is created or deleted is not missed: both wait on the group\'s row', async () => {
    const [joiner] = await users(1, 'race');
    const team = await group('Race Team');
    // A SCIM membership write in progress, as patchDirectoryGroup holds it: the group's row locked, the join not yet committed.
    const midJoin = async (change: (tx: typeof h.sql) => Promise<unknown>, during: () => Promise<{ status: number; json: { queued: number } }>) => {
      let release!: () => void;
      let locked!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const lockTaken = new Promise<void>((resolve) => (locked = resolve));
      const write = h.sql.begin(async (tx) => {
        await tx`select 1 from directory_groups where id = ${team} for update`;
        await change(tx as unknown as typeof h.sql);
        locked();
        await held;
      });
      await lockTaken;
      const answer = during();
      await new Promise((resolve) => setTimeout(resolve, 300));
      release();
      await write;
      return answer;
    };
    const created = await midJoin(
      (tx) => tx`insert into directory_group_members (org_id, group_id, member_id) values (${world.org.id}, ${team}, ${joiner!.memberId})`,
      () => api('/site-rules', 'POST', { groupId: team, siteId: porto, role: 'site_member' }),
    );
    expect(created).toMatchObject({ status: 201, json: { queued: 1 } });
    await until(async () => (await sitesOf([joiner!.memberId]))[joiner!.memberId]!.Porto === 'site_member');

    const { id: ruleId } = (await api('/site-rules')).json.rules.find((r: { group: { id: string } }) => r.group.id === team);
    const [late] = await users(1, 'race-late');
    const deleted = await midJoin(
      async (tx) => {
        await tx`insert into directory_group_members (org_id, group_id, member_id) values (${world.org.id}, ${team}, ${late!.memberId})`;
        await reconcileSiteAccess(tx, world.org.id, [late!.memberId], 'scim:test');
      },
      () => api(`/site-rules/${ruleId}`, 'DELETE'),
    );
    expect(deleted).toMatchObject({ status: 200, json: { queued: 2 } });
    const both = [joiner!.memberId, late!.memberId];
    await until(async () => Object.values(await sitesOf(both)).every((sites) => sites.Porto === undefined));
  });
});
