import { createSiteRule, deleteSiteRule } from '../db/site-rules.ts';
import type { SiteRole } from '../domain/member.ts';
import type { AppDeps } from './context.ts';
import type { Acting } from './member-actions.ts';
import { siteAccessAnnouncer } from './site-access-announcer.ts';

/**
 * What an org admin does to the organisation's site-access rules, shared by the JSON API and the
 * rules page. The rule and the members it reaches commit together; the members' sites follow in
 * batches (workflows/apply-site-rules.ts), so the answer says how many are queued.
 */
export function siteRuleActions(deps: AppDeps) {
  const announcer = siteAccessAnnouncer(deps);
  const actor = ({ admin }: Acting) => `member:${admin.memberId}`;
  return {
    async create(acting: Acting, rule: { groupId: string; siteId: string; role: SiteRole }) {
      const change = await createSiteRule(deps.sql, { orgId: acting.admin.orgId, ...rule, actor: actor(acting) });
      if (change.queued > 0) await announcer.startApplyingRules(acting.admin, acting.requestId);
      return change;
    },
    async delete(acting: Acting, ruleId: string) {
      const change = await deleteSiteRule(deps.sql, { orgId: acting.admin.orgId, ruleId, actor: actor(acting) });
      if (change.queued > 0) await announcer.startApplyingRules(acting.admin, acting.requestId);
      return change;
    },
  };
}
