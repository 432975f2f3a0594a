import type { Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { OrgSite } from '../../db/org-sites.ts';
import { waitingMemberIds } from '../../db/site-access.ts';
import { siteRoles } from '../../domain/member.ts';
import { bulkSiteAssignment, MAX_BULK_MEMBERS, memberIdList, type BulkAssignment } from '../bulk-site-assignment.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { ClientError } from '../errors.ts';
import { actingAdmin as acting } from '../member-actions.ts';
import { parseUrlEncoded } from '../url-encoded.ts';
import { describeIssues, uuidId } from '../validate.ts';
import { formFields } from './form-token.ts';
import { tokenField, type Chrome, type Html } from './layout.ts';
import { setNotice } from './notice.ts';

export const BULK_FORM_ID = 'assign-waiting';

/** The checkbox of one waiting member; it belongs to the bulk form below the table (`form` attribute). */
export const memberPick = (m: { id: string; name: string; email: string }) =>
  html`<input type="checkbox" name="memberId" value="${m.id}" form="${BULK_FORM_ID}" aria-label="Select ${m.name || m.email}" />`;

/**
 * Below the waiting list: one site and role for the ticked members, or for every waiting member
 * (also those on later pages), in one action that the JSON API's bulk route takes too.
 */
export function bulkAssignForm(chrome: Chrome, sites: OrgSite[], totalWaiting: number): Html {
  if (sites.length === 0) return html`<p>Your organisation has no sites yet; the operator creates them.</p>`;
  const all = Math.min(totalWaiting, MAX_BULK_MEMBERS);
  return html`<form method="post" action="/admin/members/site-assignments" id="${BULK_FORM_ID}">
    ${tokenField(chrome)}
    <fieldset>
      <legend>Assign a site to the selected members</legend>
      <div class="fields">
        <label style="flex-direction:row;gap:.5rem;align-items:center"><input type="checkbox" name="allWaiting" value="yes" />
          Select all ${all} waiting member${all === 1 ? '' : 's'}${totalWaiting > all ? ` (the ${all} longest waiting of ${totalWaiting})` : ''}</label>
        <label>Site <select name="siteId">${sites.map((s) => html`<option value="${s.id}">${s.name}</option>`)}</select></label>
        <label>Site role <select name="role"><option value="site_member">Site member</option><option value="site_admin">Site admin</option></select></label>
        <button type="submit">Assign site</button>
      </div>
    </fieldset>
  </form>`;
}

const roleWords = (role: BulkAssignment['role'], n: number) => (role === 'site_admin' ? (n === 1 ? 'a site admin' : 'site admins') : n === 1 ? 'a site member' : 'site members');
const named = (people: string[]) => (people.length > 5 ? `${people.slice(0, 5).join(', ')} and ${people.length - 5} more` : people.join(', '));
const REFUSAL_WORDS = { member_disabled: 'disabled', member_not_found: 'no longer a member' } as const;

/** "5 members can now see Berlin HQ as site members. 1 already could. Not assigned: Dana Example (disabled)." */
export function bulkNotice({ site, role, results, counts }: BulkAssignment): string {
  const nameOf = (r: BulkAssignment['results'][number]) => r.name || r.email;
  const assigned = results.filter((r) => r.outcome === 'assigned');
  const [only] = assigned;
  const who = assigned.length === 1 && only ? nameOf(only) : `${assigned.length} members`;
  const lines = [
    assigned.length ? `${who} can now see ${site.name} as ${roleWords(role, assigned.length)}.` : `No member was newly assigned to ${site.name}.`,
    counts.alreadyAssigned ? `${counts.alreadyAssigned} already could.` : '',
    counts.refused ? `Not assigned: ${named(results.filter((r) => r.outcome === 'refused').map((r) => `${nameOf(r)} (${r.reason ? REFUSAL_WORDS[r.reason] : 'refused'})`))}.` : '',
  ];
  return lines.filter(Boolean).join(' ');
}

const bulkForm = z.strictObject({
  siteId: uuidId(),
  role: z.enum(siteRoles),
  allWaiting: z.literal('yes').optional(),
  // Each ticked member sends one; read below as a list (formFields keeps only the last).
  memberId: z.string().optional(),
});

/** The bulk form's post: checked like every form (token, same origin), then back to the list with a notice. */
export function bulkAssignHandler(deps: AppDeps) {
  const assignMany = bulkSiteAssignment(deps);
  return async (c: Context<AppEnv>) => {
    const { siteId, role, allWaiting } = await formFields(c, deps.config, bulkForm);
    // hono keeps the body it read, so the ticked members come from the very body the token was checked with.
    const ticked = parseUrlEncoded(await c.req.text(), 'The form').filter((f) => f.name === 'memberId').map((f) => f.value);
    const picked = allWaiting ? await waitingMemberIds(deps.sql, c.get('member')!.orgId, MAX_BULK_MEMBERS) : ticked;
    if (picked.length === 0) {
      throw new ClientError(400, 'invalid_request', allWaiting ? 'Nobody waits for a site any more: nothing was assigned.' : 'Select at least one member (or all waiting members), then assign the site again.');
    }
    const memberIds = memberIdList.safeParse(picked);
    if (!memberIds.success) throw new ClientError(400, 'invalid_request', `memberId: ${describeIssues(memberIds.error.issues)}`);
    setNotice(c, deps.config, bulkNotice(await assignMany(acting(c), memberIds.data, { siteId, role })));
    return c.redirect('/admin/members', 303);
  };
}
