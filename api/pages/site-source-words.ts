import type { SiteSource } from '../../db/site-sources.ts';
import { siteRoleWords } from '../../domain/member-words.ts';
import { groupNames } from '../../domain/timeline-sentences.ts';

/**
 * Where one site of a member comes from, as the member page says it beside the site: "from group
 * Berlin Office", "granted by Avery Admin", "removed by Avery Admin despite group Berlin Office".
 * Null when nothing speaks for the site any more (its rule was just deleted and the member is still
 * being updated, or the member is disabled and keeps what they had).
 */
export function siteSourceWords({ role, ruleRole, groups, decision }: SiteSource): string | null {
  const rule = groupNames(groups.map((g) => g.name));
  const verb = groups.length === 1 ? 'gives' : 'give';
  const gives = `${verb} ${ruleRole ? siteRoleWords[ruleRole] : 'it'}`;
  if (!decision) {
    if (!rule) return null;
    return role ? `from ${rule}` : `${rule} ${gives}; being applied`;
  }
  const by = decision.byName;
  if (decision.kind === 'removed') return rule ? `removed by ${by} despite ${rule}` : `removed by ${by}; no group rule gives it now`;
  if (!rule) return `granted by ${by}`;
  if (decision.role === ruleRole) return `granted by ${by} (${rule} ${verb} it too)`;
  return `site role set by ${by} (${rule} ${gives})`;
}

/**
 * An admin's decision a group rule also speaks about, or a removal (which would also hold against a
 * rule made later): handing it back lets the rules decide again. A grant no rule speaks about has
 * Remove for that.
 */
export const canHandBack = ({ groups, decision }: SiteSource) => decision !== null && (groups.length > 0 || decision.kind === 'removed');
