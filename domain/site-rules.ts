/**
 * Where a member's site assignments come from: site-access rules ("members of directory group G get
 * site S with site role R") and an org admin's decisions, which stick against the rules.
 *
 * An admin's decision about one member and one site is one of two, kept until the admin hands the
 * site back to the rules:
 * - granted, with a site role: the member has the site with that role, whatever the groups say
 *   (a site the admin granted stays when the member leaves the group; a role the admin changed
 *   stays changed);
 * - removed: the member does not have the site, whatever the groups say.
 * Without a decision the rules decide: the member has every site a rule of one of their groups
 * gives, with the strongest role any of those rules gives.
 */
import { siteRoles, type SiteRole } from './member.ts';
import type { SiteGrant } from './site-assignments.ts';

/** One rule that applies to the member: they are in its group. */
export interface RuleGrant {
  siteId: string;
  role: SiteRole;
  groupId: string;
  groupName: string;
}

export interface SiteDecision {
  siteId: string;
  kind: 'granted' | 'removed';
  /** The site role of a grant; null for a removal. */
  role: SiteRole | null;
  /** `member:{id}` of the admin, or `operator`. */
  by: string;
  at: Date;
}

/** Everything that speaks about one site of one member, and what follows from it. */
export interface SiteOutcome {
  siteId: string;
  /** The member's site role on the site, or null when they do not have it. */
  role: SiteRole | null;
  /** What the rules alone would give: the strongest role of the rules that apply, null when none does. */
  ruleRole: SiteRole | null;
  /** The groups whose rules give the site, by name. */
  groups: { id: string; name: string }[];
  decision: SiteDecision | null;
}

const strength = (role: SiteRole) => siteRoles.indexOf(role);
export const strongerRole = (a: SiteRole, b: SiteRole): SiteRole => (strength(a) >= strength(b) ? a : b);

/** Every site a rule or a decision speaks about, in no particular order. */
export function siteOutcomes(ruleGrants: readonly RuleGrant[], decisions: readonly SiteDecision[]): SiteOutcome[] {
  const bySite = new Map<string, SiteOutcome>();
  const at = (siteId: string) => {
    let outcome = bySite.get(siteId);
    if (!outcome) bySite.set(siteId, (outcome = { siteId, role: null, ruleRole: null, groups: [], decision: null }));
    return outcome;
  };
  for (const grant of ruleGrants) {
    const outcome = at(grant.siteId);
    outcome.ruleRole = outcome.ruleRole ? strongerRole(outcome.ruleRole, grant.role) : grant.role;
    if (!outcome.groups.some((g) => g.id === grant.groupId)) outcome.groups.push({ id: grant.groupId, name: grant.groupName });
  }
  for (const decision of decisions) at(decision.siteId).decision = decision;
  for (const outcome of bySite.values()) outcome.role = decidedRole(outcome);
  return [...bySite.values()];
}

function decidedRole({ decision, ruleRole }: SiteOutcome): SiteRole | null {
  if (decision?.kind === 'granted') return decision.role;
  if (decision?.kind === 'removed') return null;
  return ruleRole;
}

/** The assignments the member should have. */
export const effectiveSites = (outcomes: readonly SiteOutcome[]): SiteGrant[] =>
  outcomes.flatMap((o) => (o.role ? [{ siteId: o.siteId, role: o.role }] : []));

/** What an admin's action writes about one site: a decision, or none (the rules decide again). */
export type DecisionChange = { siteId: string; kind: 'granted'; role: SiteRole } | { siteId: string; kind: 'removed' } | { siteId: string; kind: 'handed_back' };

/**
 * An admin gives the member the site with `role`. Nothing is written when the member already has
 * it with that role, so a rule-given site stays with its rule until the admin changes something.
 */
export function grantDecision(outcome: SiteOutcome | undefined, siteId: string, role: SiteRole): DecisionChange[] {
  return outcome?.role === role ? [] : [{ siteId, kind: 'granted', role }];
}

/**
 * An admin takes the site away. While a rule gives it, the removal is kept as a decision so it
 * sticks; otherwise the admin's own grant (if any) is dropped, and a rule made later may give the
 * site again.
 */
export function removeDecision(outcome: SiteOutcome | undefined, siteId: string): DecisionChange[] {
  if (!outcome || outcome.role === null) return [];
  return outcome.ruleRole ? [{ siteId, kind: 'removed' }] : [{ siteId, kind: 'handed_back' }];
}

/** The admin hands the site back to the rules; nothing to do when no decision stands. */
export const handBackDecision = (outcome: SiteOutcome | undefined, siteId: string): DecisionChange[] =>
  outcome?.decision ? [{ siteId, kind: 'handed_back' }] : [];

/** The whole set an admin wants: a grant for each site named, a removal for each site the member has and is not named. */
export function setDecisions(outcomes: readonly SiteOutcome[], grants: readonly SiteGrant[]): DecisionChange[] {
  const bySite = new Map(outcomes.map((o) => [o.siteId, o]));
  const named = new Set(grants.map((g) => g.siteId));
  return [
    ...grants.flatMap((g) => grantDecision(bySite.get(g.siteId), g.siteId, g.role)),
    ...outcomes.filter((o) => o.role !== null && !named.has(o.siteId)).flatMap((o) => removeDecision(o, o.siteId)),
  ];
}
