import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSql, type Sql } from '../db/client.ts';
import { createDirectoryGroup, patchDirectoryGroup } from '../db/directory-groups.ts';
import { memberSites } from '../db/site-assignments.ts';
import { createSiteRule, deleteSiteRule, drainSiteAccessQueue } from '../db/site-rules.ts';
import { createScimToken } from '../operator/scim-tokens.ts';
import { insertOrg } from './support/fixtures.ts';
import { privateDatabase } from './support/private-database.ts';
import { directoryUsersInDatabase } from './support/scim.ts';
import { eventually } from './support/temporal.ts';

/**
 * A rule change and a write that works out the same member's sites at the same moment. Each race
 * is made certain by holding one site row locked (as nothing in the service does) so the first
 * writer stops after it read the rules and before it commits, while the second runs.
 */
let db: Awaited<ReturnType<typeof privateDatabase>>;
let sql: Sql;
beforeAll(async () => {
  db = await privateDatabase();
  sql = createSql(db.url, { max: 6 });
});
afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await db?.drop();
});

async function world() {
  const org = await insertOrg(sql);
  const domain = `${org.slug}.test`;
  await sql`insert into verified_domains (domain, org_id) values (${domain}, ${org.id})`;
  const { id: tokenId } = await createScimToken(sql, { org: org.slug });
  const actor = { orgId: org.id, orgSlug: org.slug, tokenId };
  const [first, second] = await sql<{ id: string }[]>`insert into sites (org_id, name) values (${org.id}, 'First'), (${org.id}, 'Second') returning id`;
  const group = await createDirectoryGroup(sql, actor, { displayName: 'Engineering', externalId: null, members: [] });
  const [user] = await directoryUsersInDatabase({ sql }, { id: org.id, domain }, 1);
  if (!first || !second || !user) throw new Error('world incomplete');
  const join = () => patchDirectoryGroup(sql, actor, group.id, () => [{ kind: 'addMembers', ids: [user.id] }]);
  const drainAll = async () => {
    while ((await drainSiteAccessQueue(sql, { orgId: org.id, limit: 10 })).taken > 0);
  };
  return { orgId: org.id, sites: [first.id, second.id] as const, groupId: group.id, memberId: user.memberId, join, drainAll };
}

/** Holds the site's row locked until `release` is called: a writer that adds an assignment of the site waits there. */
function holdSite(siteId: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const held = sql.begin(async (tx) => {
    await tx`select 1 from sites where id = ${siteId} for update`;
    await released;
  });
  return { release, held };
}

const waitingOnLocks = async () =>
  (await sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)[0]!.n;

/** Whether the promise has settled yet; its outcome is still awaited by the test. */
function tracked<T>(promise: Promise<T>) {
  const t = { settled: false, promise };
  promise.then(() => (t.settled = true), () => (t.settled = true));
  return t;
}

it('a rule deleted while a member joins its group takes away the site the join gave', { timeout: 30_000 }, async () => {
  const w = await world();
  const { rule } = await createSiteRule(sql, { orgId: w.orgId, groupId: w.groupId, siteId: w.sites[0], role: 'site_member', actor: 'operator' });
  const site = holdSite(w.sites[0]);
  // The join reads the rule and stops before its assignment of the site is written.
  const joined = w.join();
  await eventually(async () => ((await waitingOnLocks()) === 1 ? true : undefined));
  const deleted = tracked(deleteSiteRule(sql, { orgId: w.orgId, ruleId: rule.id, actor: 'operator' }));
  // The deletion finishes at once or waits for the join; the outcome must not depend on which.
  await eventually(async () => (deleted.settled || (await waitingOnLocks()) === 2 ? true : undefined));
  site.release();
  await Promise.all([joined, deleted.promise, site.held]);
  await w.drainAll();
  expect(await memberSites(sql, w.memberId)).toEqual([]);
});

it('a rule created while a drain works out its group member gives them the site', { timeout: 30_000 }, async () => {
  const w = await world();
  await w.join();
  // Queues the member, who is worked out by the drain below.
  await createSiteRule(sql, { orgId: w.orgId, groupId: w.groupId, siteId: w.sites[0], role: 'site_member', actor: 'operator' });
  const site = holdSite(w.sites[0]);
  // The drain takes the member's queue row, reads the rules and stops before its assignment of the first site is written.
  const drained = drainSiteAccessQueue(sql, { orgId: w.orgId, limit: 10 });
  await eventually(async () => ((await waitingOnLocks()) === 1 ? true : undefined));
  const created = tracked(createSiteRule(sql, { orgId: w.orgId, groupId: w.groupId, siteId: w.sites[1], role: 'site_admin', actor: 'operator' }));
  await eventually(async () => (created.settled || (await waitingOnLocks()) === 2 ? true : undefined));
  site.release();
  await Promise.all([drained, created.promise, site.held]);
  await w.drainAll();
  expect((await memberSites(sql, w.memberId)).map((s) => [s.name, s.role])).toEqual([
    ['First', 'site_member'],
    ['Second', 'site_admin'],
  ]);
});
