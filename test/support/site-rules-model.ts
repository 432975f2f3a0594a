import fc from 'fast-check';
import type { SiteRole } from '../../domain/member.ts';

/** A small world: sites, directory groups and members named by their index. */
export const SITES = 3;
export const GROUPS = 3;
export const MEMBERS = 4;

export type Command =
  | { kind: 'createRule'; group: number; site: number; role: SiteRole }
  | { kind: 'deleteRule'; group: number; site: number }
  | { kind: 'drain' }
  | { kind: 'join' | 'leave'; group: number; member: number }
  /** The group's members replaced by these (a SCIM PUT). */
  | { kind: 'replaceMembers'; group: number; members: number[] }
  /** The group goes (its rules and memberships with it); a new empty group of the same name takes its place. */
  | { kind: 'deleteGroup'; group: number }
  | { kind: 'assign'; member: number; site: number; role: SiteRole }
  | { kind: 'remove' | 'handBack'; member: number; site: number }
  | { kind: 'setSites'; member: number; sites: { site: number; role: SiteRole }[] }
  | { kind: 'disable' | 'enable'; member: number };

/** Index 0 half the time: commands meet on one member, group and site often enough to build on each other. */
const index = (count: number) => fc.oneof(fc.constant(0), fc.nat(count - 1));
const site = index(SITES);
const group = index(GROUPS);
const member = index(MEMBERS);
const role = fc.constantFrom<SiteRole>('site_member', 'site_admin');

export const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('createRule' as const), group, site, role }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('deleteRule' as const), group, site }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'drain' as const }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constantFrom('join' as const, 'leave' as const), group, member }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('replaceMembers' as const), group, members: fc.uniqueArray(member, { maxLength: MEMBERS }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('deleteGroup' as const), group }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('assign' as const), member, site, role }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constantFrom('remove' as const, 'handBack' as const), member, site }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant('setSites' as const),
      member,
      sites: fc.uniqueArray(fc.record({ site, role }), { selector: (g) => g.site, maxLength: SITES }),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constantFrom('disable' as const, 'enable' as const), member }), weight: 2 },
);

/**
 * Commands in any order, then every member enabled and the queue drained: whatever a command left
 * for later must show by the end.
 */
export const commandsArbitrary = (maxCommands: number) =>
  fc
    .array(commandArbitrary, { minLength: 1, maxLength: maxCommands, size: 'max' })
    .map((commands): Command[] => [...commands, ...Array.from({ length: MEMBERS }, (_, member) => ({ kind: 'enable' as const, member })), { kind: 'drain' }]);

type Decision = { kind: 'granted'; role: SiteRole } | { kind: 'removed' };

/** What the service holds, by index; `assignments` is what the member has now, the rest is what decides it. */
export interface World {
  rules: { group: number; site: number; role: SiteRole }[];
  groups: Set<number>[];
  decisions: Map<number, Decision>[];
  assignments: Map<number, SiteRole>[];
  queued: Set<number>;
  disabled: boolean[];
}

export const emptyWorld = (): World => ({
  rules: [],
  groups: Array.from({ length: GROUPS }, () => new Set<number>()),
  decisions: Array.from({ length: MEMBERS }, () => new Map<number, Decision>()),
  assignments: Array.from({ length: MEMBERS }, () => new Map<number, SiteRole>()),
  queued: new Set(),
  disabled: Array.from({ length: MEMBERS }, () => false),
});

/**
 * The specification, written apart from domain/site-rules.ts: an admin's grant gives the site with
 * its role and a removal takes it away, whatever the groups; without a decision the member has
 * each site a rule of one of their groups gives, with the strongest role (site_admin over site_member).
 */
export function sitesDue(w: World, m: number): Map<number, SiteRole> {
  const due = new Map<number, SiteRole>();
  for (const rule of w.rules) {
    if (!w.groups[rule.group]!.has(m)) continue;
    if (due.get(rule.site) !== 'site_admin') due.set(rule.site, rule.role);
  }
  for (const [s, decision] of w.decisions[m]!) {
    if (decision.kind === 'granted') due.set(s, decision.role);
    else due.delete(s);
  }
  return due;
}

/** Brings an active member's assignments to what is due; a disabled member's stay as they are. */
const settle = (w: World, m: number) => {
  if (!w.disabled[m]) w.assignments[m] = sitesDue(w, m);
};

/** What the service answers: done, or refused with the name of the error (and then nothing changed). */
export type Outcome = 'done' | 'SiteRuleExistsError' | 'SiteRuleNotFoundError' | 'MemberDisabledError';

/**
 * Applies one command to the world in place. "Has the site" in an admin's action means what is due
 * now (rules and decisions), which is what the member has once every queued change is worked out.
 */
export function step(w: World, command: Command): Outcome {
  switch (command.kind) {
    case 'createRule': {
      if (w.rules.some((r) => r.group === command.group && r.site === command.site)) return 'SiteRuleExistsError';
      w.rules.push({ group: command.group, site: command.site, role: command.role });
      for (const m of w.groups[command.group]!) w.queued.add(m);
      return 'done';
    }
    case 'deleteRule': {
      const before = w.rules.length;
      w.rules = w.rules.filter((r) => r.group !== command.group || r.site !== command.site);
      if (w.rules.length === before) return 'SiteRuleNotFoundError';
      for (const m of w.groups[command.group]!) w.queued.add(m);
      return 'done';
    }
    case 'drain':
      for (const m of w.queued) settle(w, m);
      w.queued.clear();
      return 'done';
    case 'join':
    case 'leave':
    case 'replaceMembers': {
      const before = w.groups[command.group]!;
      const after = command.kind === 'replaceMembers' ? new Set(command.members) : new Set(before);
      if (command.kind === 'join') after.add(command.member);
      if (command.kind === 'leave') after.delete(command.member);
      w.groups[command.group] = after;
      // A group without rules gives nothing, so joining or leaving it changes no site.
      if (!w.rules.some((r) => r.group === command.group)) return 'done';
      for (const m of new Set([...before, ...after])) if (before.has(m) !== after.has(m)) settle(w, m);
      return 'done';
    }
    case 'deleteGroup': {
      const members = w.groups[command.group]!;
      if (w.rules.some((r) => r.group === command.group)) for (const m of members) w.queued.add(m);
      w.rules = w.rules.filter((r) => r.group !== command.group);
      members.clear();
      return 'done';
    }
    case 'disable':
      w.disabled[command.member] = true;
      return 'done';
    case 'enable':
      if (!w.disabled[command.member]) return 'done';
      w.disabled[command.member] = false;
      settle(w, command.member);
      return 'done';
    default:
      return adminStep(w, command);
  }
}

function adminStep(w: World, command: Extract<Command, { kind: 'assign' | 'remove' | 'handBack' | 'setSites' }>): Outcome {
  const m = command.member;
  if (w.disabled[m]) return 'MemberDisabledError';
  const due = sitesDue(w, m);
  const decisions = w.decisions[m]!;
  const assign = (s: number, role: SiteRole) => {
    if (due.get(s) !== role) decisions.set(s, { kind: 'granted', role });
  };
  const remove = (s: number) => {
    if (!due.has(s)) return;
    const ruleGives = w.rules.some((r) => r.site === s && w.groups[r.group]!.has(m));
    if (ruleGives) decisions.set(s, { kind: 'removed' });
    else decisions.delete(s);
  };
  switch (command.kind) {
    case 'assign':
      assign(command.site, command.role);
      break;
    case 'remove':
      remove(command.site);
      break;
    case 'handBack':
      decisions.delete(command.site);
      break;
    case 'setSites':
      for (const g of command.sites) assign(g.site, g.role);
      for (const s of due.keys()) if (!command.sites.some((g) => g.site === s)) remove(s);
      break;
  }
  settle(w, m);
  return 'done';
}
