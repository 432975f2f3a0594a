import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { findMember } from '../../db/member-queries.ts';
import { findOrgSite } from '../../db/site-assignments.ts';
import { LastOrgAdminError, MemberDisabledError, MemberNotFoundError, SiteNotFoundError } from '../../domain/member-errors.ts';
import { displayName, siteRoleWords } from '../../domain/member-words.ts';
import { statusUpdates, type StatusDecisionName } from '../../temporal/member-status.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { ClientError } from '../errors.ts';
import { actingAdmin as acting, memberActions } from '../member-actions.ts';
import { memberParam, memberSiteParam, roleChange, siteGrant, statusRequest } from '../routes/members.ts';
import { parseUrlEncoded } from '../url-encoded.ts';
import { validate } from '../validate.ts';
import { formFields } from './form-token.ts';
import { renderDisableConfirmation, renderMemberPage, type MemberForm } from './member-page.ts';
import { setNotice } from './notice.ts';

/**
 * A refusal the admin can act on, with the status api/errors.ts gives it. A wrong form token
 * (403) and an unknown member (404) still get the error page: there is no form to show again.
 */
function refusalStatus(err: unknown): ContentfulStatusCode | undefined {
  if (err instanceof ClientError) return err.status === 400 || err.status === 409 ? err.status : undefined;
  if (err instanceof MemberDisabledError || err instanceof LastOrgAdminError) return 409;
  if (err instanceof SiteNotFoundError) return 404;
  return undefined;
}

/**
 * The member page's forms: the same actions and field rules as the JSON API, then back to the
 * member page (303, so a reload does not post again) with a notice of what happened. A refused
 * form is shown again on its page with what was typed and why.
 */
export function memberForms(deps: AppDeps) {
  const actions = memberActions(deps);
  const app = new Hono<AppEnv>();
  const nameOf = async (c: Context<AppEnv>, id: string) => {
    const found = await findMember(deps.sql, c.get('member')!.orgId, id);
    if (!found) throw new MemberNotFoundError();
    return displayName(found.member);
  };

  /** Runs the action; done, it leaves its notice and goes back to the member page. */
  async function submit(c: Context<AppEnv>, id: string, form: MemberForm, act: () => Promise<string>) {
    try {
      setNotice(c, deps.config, await act());
      return c.redirect(`/admin/members/${id}`, 303);
    } catch (err) {
      const status = refusalStatus(err);
      if (status === undefined || !(err instanceof Error)) throw err;
      const values = Object.fromEntries(parseUrlEncoded(await c.req.text(), 'The form').map(({ name, value }) => [name, value]));
      const refusal = { form, values, message: err.message };
      return form === 'disable' ? renderDisableConfirmation(deps, c, id, status, refusal) : renderMemberPage(deps, c, id, status, refusal);
    }
  }

  app.post('/:id/sites', validate('param', memberParam), async (c) => {
    const { id } = c.req.valid('param');
    return submit(c, id, 'sites', async () => {
      const grant = await formFields(c, deps.config, siteGrant);
      const { changed, sites } = await actions.assignSite(acting(c), id, grant);
      const site = sites.find((s) => s.id === grant.siteId)?.name ?? 'the site';
      const name = await nameOf(c, id);
      const role = siteRoleWords[grant.role];
      return changed ? `${name} can now see ${site} as a ${role}.` : `${name} already had ${site} as a ${role}; nothing changed.`;
    });
  });

  app.post('/:id/sites/:siteId/remove', validate('param', memberSiteParam), async (c) => {
    const { id, siteId } = c.req.valid('param');
    return submit(c, id, 'remove', async () => {
      await formFields(c, deps.config, z.strictObject({}));
      const [site]: [{ name: string }?] = await deps.sql`select name from sites where id = ${siteId} and org_id = ${c.get('member')!.orgId}`;
      const { changed } = await actions.unassignSite(acting(c), id, siteId);
      const name = await nameOf(c, id);
      return changed ? `${name} no longer sees ${site?.name ?? 'the site'}.` : `${name} was not assigned to ${site?.name ?? 'that site'}; nothing changed.`;
    });
  });

  /** The admins' decision about the site is dropped; the notice says what the group rules give instead. */
  app.post('/:id/sites/:siteId/hand-back', validate('param', memberSiteParam), async (c) => {
    const { id, siteId } = c.req.valid('param');
    return submit(c, id, 'hand-back', async () => {
      await formFields(c, deps.config, z.strictObject({}));
      const site = await findOrgSite(deps.sql, c.get('member')!.orgId, siteId);
      const { changed, sites } = await actions.handBackSite(acting(c), id, siteId);
      const name = await nameOf(c, id);
      const siteName = site?.name ?? 'the site';
      if (!changed) return `No admin decision about ${siteName} stood for ${name}; nothing changed.`;
      const given = sites.find((s) => s.id === siteId);
      return given
        ? `${siteName} is handed back to the group rules: ${name} has it as a ${siteRoleWords[given.role]} from them.`
        : `${siteName} is handed back to the group rules, which do not give it to ${name}.`;
    });
  });

  app.post('/:id/role', validate('param', memberParam), async (c) => {
    const { id } = c.req.valid('param');
    return submit(c, id, 'role', async () => {
      const { orgRole } = await formFields(c, deps.config, roleChange);
      const { changed, member } = await actions.changeOrgRole(acting(c), id, orgRole);
      const name = displayName(member);
      const role = orgRole === 'org_admin' ? 'an org admin' : 'a member';
      return changed ? `${name} is now ${role}.` : `${name} was already ${role}; nothing changed.`;
    });
  });

  for (const decision of Object.keys(statusUpdates) as StatusDecisionName[]) {
    app.post(`/:id/${decision}`, validate('param', memberParam), async (c) => {
      const { id } = c.req.valid('param');
      return submit(c, id, decision, async () => {
        const { reason } = await formFields(c, deps.config, statusRequest);
        const answer = await actions.decideStatus(acting(c), id, decision, reason);
        const name = await nameOf(c, id);
        if (decision === 'follow-directory') return `${name} follows the directory again and is ${answer.status}.`;
        if (!answer.changed) return `${name} was already ${answer.status} by an admin's decision; nothing changed.`;
        return `${name} is ${answer.status === 'disabled' ? 'disabled' : 'active again'}${reason ? `: ${reason}` : ''}.`;
      });
    });
  }
  return app;
}
