import type { SiteRole } from '../domain/member.ts';
import type { SiteDecision } from '../domain/site-rules.ts';
import { actorName } from '../domain/timeline-sentences.ts';
import type { Queryable } from './client.ts';
import { siteOutcomesOf } from './site-assignments.ts';

/** One site of a member and where it comes from: what the admin reads beside each site. */
export interface SiteSource {
  site: { id: string; name: string };
  /** The member's site role there now (site_assignments), or null when they do not have it. */
  role: SiteRole | null;
  /** The strongest role the groups' rules give, null when none does. */
  ruleRole: SiteRole | null;
  /** The groups whose rules give the site, by name. */
  groups: { id: string; name: string }[];
  /** An admin's decision that overrides the rules until handed back, with who took it in words. */
  decision: (Omit<SiteDecision, 'siteId'> & { byName: string }) | null;
}

/**
 * Every site a rule, a decision or an assignment speaks about for the member, by site name. The
 * role is the one they have now, so a change of rules still being worked out (db/site-rules.ts
 * queue) shows as a role that differs from what the rules and decision say.
 */
export async function memberSiteSources(sql: Queryable, orgId: string, memberId: string): Promise<SiteSource[]> {
  const outcomes = (await siteOutcomesOf(sql, [memberId])).get(memberId) ?? [];
  const assigned = await sql<{ siteId: string; role: SiteRole }[]>`
    select site_id as "siteId", site_role as role from site_assignments where member_id = ${memberId}`;
  const siteIds = [...new Set([...outcomes.map((o) => o.siteId), ...assigned.map((a) => a.siteId)])];
  const sites = await sql<{ id: string; name: string }[]>`
    select id, name from sites where org_id = ${orgId} and id = any(${siteIds}::uuid[]) order by name, id`;
  const deciders = outcomes.flatMap((o) => (o.decision?.by.startsWith('member:') ? [o.decision.by] : []));
  const names = new Map(
    (await sql<{ actor: string; name: string }[]>`
      select 'member:' || id::text as actor, coalesce(nullif(name, ''), email::text) as name
      from members where org_id = ${orgId} and 'member:' || id::text = any(${deciders}::text[])`).map((m) => [m.actor, m.name]),
  );
  return sites.map((site) => {
    const outcome = outcomes.find((o) => o.siteId === site.id);
    const decision = outcome?.decision;
    return {
      site,
      role: assigned.find((a) => a.siteId === site.id)?.role ?? null,
      ruleRole: outcome?.ruleRole ?? null,
      groups: outcome?.groups ?? [],
      decision: decision
        ? { kind: decision.kind, role: decision.role, by: decision.by, byName: actorName({ actor: decision.by, actorName: names.get(decision.by) ?? null }), at: decision.at }
        : null,
    };
  });
}
