import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createSql } from '../db/client.ts';
import { deleteDirectoryGroup, patchDirectoryGroup } from '../db/directory-groups.ts';
import { unassignSite } from '../db/site-assignments.ts';
import { createSiteRule, deleteSiteRule, drainSiteAccessQueue, queueGroupMembers } from '../db/site-rules.ts';
import { insertMember, insertOrg } from './support/fixtures.ts';
import { directoryUsersInDatabase } from './support/scim.ts';
import { eventually, type TestHarness } from './support/temporal.ts';

// Long lock waits: the races below hold a lock on purpose while the other side runs.
const sql = createSql(inject('databaseUrl'), { max: 6, connection: { lock_timeout: 30_000 } });
// Not the service's client: a session that holds a lock as long as the test needs.
const other = postgres(inject('databaseUrl'), { max: 1, onnotice: () => {} });
// The service's own client, with its lock timeout.
const service = createSql(inject('databaseUrl'), { max: 10 });
afterAll(async () => {
  await Promise.all([sql.end({ timeout: 1 }), other.end({ timeout: 1 }), service.end({ timeout: 1 })]);
});

/** A lock another session holds until `release` is called, taken before this returns. */
async function holding(lock: (tx: postgres.TransactionSql) => Promise<unknown>) {
  let release!: () => void;
  let taken!: () => void;
  const held = new Promise<void>((resolve) => (taken = resolve));
  const done = other.begin(async (tx) => {
    await lock(tx);
    taken();
    await new Promise<void>((resolve) => (release = resolve));
  });
  await held;
  return async () => {
    release();
    await done;
  };
}

/** Until a session waits on a lock for a statement holding `query`. */
const untilWaiting = (query: string) =>
  eventually(async () => {
    const rows = await sql`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like ${`%${query}%`}`;
    return rows.length > 0 ? true : undefined;
  });

const sitesOf = async (memberId: string) =>
  (await sql<{ name: string }[]>`select s.name from site_assignments a join sites s on s.id = a.site_id where a.member_id = ${memberId} order by s.name`).map((s) => s.name);

async function drainAll(orgId: string) {
  while ((await drainSiteAccessQueue(sql, { orgId, limit: 200 })).taken > 0);
}

describe('site-access rules at their edges: races, answers and audit', () => {
  it('a rule created while a drain holds its member keeps the member queued, so the new rule reaches them', async () => {
    const org = await insertOrg(sql);
    const member = await insertMember(sql, org.id, `m@${org.slug}.test`);
    const [x]: [{ id: string }] = await sql`insert into sites (org_id, name) values (${org.id}, 'X') returning id`;
    const [y]: [{ id: string }] = await sql`insert into sites (org_id, name) values (${org.id}, 'Y') returning id`;
    const [g1]: [{ id: string }] = await sql`insert into directory_groups (org_id, display_name) values (${org.id}, 'G1') returning id`;
    const [g2]: [{ id: string }] = await sql`insert into directory_groups (org_id, display_name) values (${org.id}, 'G2') returning id`;
    await sql`insert into directory_group_members (org_id, group_id, member_id) values (${org.id}, ${g1.id}, ${member.id}), (${org.id}, ${g2.id}, ${member.id})`;
    await sql.begin(async (tx) => {
      await tx`insert into site_rules (org_id, group_id, site_id, site_role, created_by) values (${org.id}, ${g1.id}, ${x.id}, 'site_member', 'operator')`;
      await queueGroupMembers(tx, org.id, g1.id);
    });

    // The drain has taken the member and read the rules, and is held while it writes X.
    const releaseX = await holding((tx) => tx`select 1 from sites where id = ${x.id} for update`);
    const drain = drainSiteAccessQueue(sql, { orgId: org.id, limit: 200 });
    await untilWaiting('insert into site_assignments');
    // Meanwhile a rule for the member's other group commits (or waits for the drain: either is right).
    let settled = false;
    const create = createSiteRule(sql, { orgId: org.id, groupId: g2.id, siteId: y.id, role: 'site_member', actor: 'operator' }).finally(() => (settled = true));
    await eventually(async () => (settled || (await sql`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%from site_access_queue%'`).length > 0 ? true : undefined));
    await releaseX();
    await drain;
    expect((await create).queued).toBeLessThanOrEqual(1);

    await drainAll(org.id);
    expect(await sitesOf(member.id)).toEqual(['X', 'Y']);
  });

  it('SCIM PATCHes of several groups with rules over the same members all succeed at once, each member with every site', { timeout: 60_000 }, async () => {
    const org = await insertOrg(sql);
    const people = await directoryUsersInDatabase({ sql } as TestHarness, { id: org.id, domain: `${org.slug}.test` }, 100, 'overlap');
    const groups = await Promise.all(
      ['A', 'B', 'C', 'D', 'E', 'F'].map(async (name) => {
        const [site]: [{ id: string }] = await sql`insert into sites (org_id, name) values (${org.id}, ${name}) returning id`;
        const [group]: [{ id: string }] = await sql`insert into directory_groups (org_id, display_name) values (${org.id}, ${name}) returning id`;
        await sql`insert into site_rules (org_id, group_id, site_id, site_role, created_by) values (${org.id}, ${group.id}, ${site.id}, 'site_member', 'operator')`;
        return group.id;
      }),
    );
    const actor = { orgId: org.id, orgSlug: org.slug, tokenId: 'test' };
    // Entra's order: the users as the directory lists them, not by id.
    const ids = people.map((p) => p.id).reverse();
    const writes = await Promise.allSettled(groups.map((id) => patchDirectoryGroup(service, actor, id, () => [{ kind: 'addMembers', ids }])));
    expect(writes.filter((w) => w.status === 'rejected').map((w) => String((w as PromiseRejectedResult).reason))).toEqual([]);
    // Entra may send one operation per member, in an order of its own.
    const shuffled = () => ids.map((id) => ({ id, key: Math.random() })).sort((a, b) => a.key - b.key).map((x) => x.id);
    await Promise.all(groups.map((id) => patchDirectoryGroup(service, actor, id, () => [{ kind: 'removeAllMembers' }])));
    const oneByOne = await Promise.allSettled(groups.map((id) => patchDirectoryGroup(service, actor, id, () => shuffled().map((one) => ({ kind: 'addMembers' as const, ids: [one] })))));
    expect(oneByOne.filter((w) => w.status === 'rejected').map((w) => String((w as PromiseRejectedResult).reason))).toEqual([]);
    const [{ n }]: [{ n: number }] = await sql`select count(*)::int as n from site_assignments where org_id = ${org.id}`;
    expect(n).toBe(600);
    // Okta's PUT: each group's whole list at once, half of its members leaving, none joining; then the other half back.
    for (const half of [0, 1]) {
      const replaced = await Promise.allSettled(
        groups.map((id, i) => patchDirectoryGroup(service, actor, id, () => [{ kind: 'replaceMembers', ids: shuffled().filter((_, j) => (i + j + half) % 2 === 0) }])),
      );
      expect(replaced.filter((w) => w.status === 'rejected').map((w) => String((w as PromiseRejectedResult).reason))).toEqual([]);
    }
  });

  it('an admin\'s removal that meets a rule change still being worked out says the site went when it did', async () => {
    const org = await insertOrg(sql);
    const member = await insertMember(sql, org.id, `m@${org.slug}.test`);
    const [x]: [{ id: string }] = await sql`insert into sites (org_id, name) values (${org.id}, 'X') returning id`;
    const [g]: [{ id: string }] = await sql`insert into directory_groups (org_id, display_name) values (${org.id}, 'G') returning id`;
    await sql`insert into directory_group_members (org_id, group_id, member_id) values (${org.id}, ${g.id}, ${member.id})`;
    const { rule } = await createSiteRule(sql, { orgId: org.id, groupId: g.id, siteId: x.id, role: 'site_member', actor: 'operator' });
    await drainAll(org.id);
    expect(await sitesOf(member.id)).toEqual(['X']);
    // The rule is deleted and its run has not reached the member yet: they still have X when the admin removes it.
    await deleteSiteRule(sql, { orgId: org.id, ruleId: rule.id, actor: 'operator' });
    const removed = await unassignSite(sql, { orgId: org.id, memberId: member.id, actor: 'operator' }, x.id);
    expect(removed).toMatchObject({ changed: true, hadSites: true, hasSites: false, sites: [] });
  });

  it('a group deleted by the directory leaves a deletion in the audit log for each of its rules', async () => {
    const org = await insertOrg(sql);
    const [x]: [{ id: string }] = await sql`insert into sites (org_id, name) values (${org.id}, 'X') returning id`;
    const [g]: [{ id: string }] = await sql`insert into directory_groups (org_id, display_name) values (${org.id}, 'Leaving Group') returning id`;
    const { rule } = await createSiteRule(sql, { orgId: org.id, groupId: g.id, siteId: x.id, role: 'site_admin', actor: 'operator' });
    await deleteDirectoryGroup(sql, { orgId: org.id, orgSlug: org.slug, tokenId: 'tok' }, g.id);
    const events = await sql`select actor, data from audit_events where org_id = ${org.id} and type = 'site_rule.deleted'`;
    expect(events).toEqual([
      { actor: 'scim:tok', data: { ruleId: rule.id, groupId: g.id, groupName: 'Leaving Group', siteId: x.id, siteName: 'X', role: 'site_admin', queued: 0, groupDeleted: true } },
    ]);
  });

  it('a second rule over a large group whose first rule is being drained answers at once, and every member gets both sites', { timeout: 60_000 }, async () => {
    const org = await insertOrg(sql);
    const people = await directoryUsersInDatabase({ sql } as TestHarness, { id: org.id, domain: `${org.slug}.test` }, 3_000, 'large');
    const [group]: [{ id: string }] = await sql`insert into directory_groups (org_id, display_name) values (${org.id}, 'Large') returning id`;
    await sql`insert into directory_group_members (org_id, group_id, member_id) select ${org.id}, ${group.id}, unnest(${people.map((p) => p.memberId)}::uuid[])`;
    const [x]: [{ id: string }] = await sql`insert into sites (org_id, name) values (${org.id}, 'X') returning id`;
    const [y]: [{ id: string }] = await sql`insert into sites (org_id, name) values (${org.id}, 'Y') returning id`;
    await createSiteRule(service, { orgId: org.id, groupId: group.id, siteId: x.id, role: 'site_member', actor: 'operator' });
    // Two runs at once (the api's and the schedule's), well into the queue.
    const drains = [drainAll(org.id), drainAll(org.id)];
    await eventually(async () => ((await sql`select count(*)::int as n from site_assignments where site_id = ${x.id}`)[0]!.n >= 400 ? true : undefined));
    const started = performance.now();
    // The service's client: its statement and lock timeouts hold.
    expect((await createSiteRule(service, { orgId: org.id, groupId: group.id, siteId: y.id, role: 'site_member', actor: 'operator' })).queued).toBe(3_000);
    console.log(`site rules: a second rule over 3,000 members being drained answered in ${Math.round(performance.now() - started)} ms`);
    await Promise.all(drains);
    await drainAll(org.id);
    const counts = await sql`select s.name, count(*)::int as n from site_assignments a join sites s on s.id = a.site_id where a.org_id = ${org.id} group by s.name order by s.name`;
    expect(counts).toEqual([{ name: 'X', n: 3_000 }, { name: 'Y', n: 3_000 }]);
  });
});
