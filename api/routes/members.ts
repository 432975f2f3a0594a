import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { resetIdentityLinks } from '../../auth/identity-links.ts';
import { findMember, listMembers } from '../../db/member-queries.ts';
import { changeOrgRole } from '../../db/org-roles.ts';
import { assignSite, setMemberSites, unassignSite, type SiteAccessChange } from '../../db/site-assignments.ts';
import { MAX_REASON_LENGTH } from '../../domain/lifecycle.ts';
import { LastOrgAdminError, MemberNotFoundError } from '../../domain/member-errors.ts';
import { memberSources, memberStatuses, orgRoles, siteRoles } from '../../domain/member.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { encodeMemberCursor, memberCursor } from '../cursor.ts';
import { ClientError } from '../errors.ts';
import { requireOrgAdmin } from '../session.ts';
import { uuidId, validate } from '../validate.ts';
import { orgsWithRemindersDue, reminderDueAt } from '../../db/site-access.ts';
import { announceSiteAccessChange, nudgeReminders } from '../../temporal/site-access.ts';
import { decideMemberStatus, statusUpdates, type StatusDecisionName } from '../../temporal/member-status.ts';
import { memberReminders } from '../site-access-status.ts';

const MAX_SITES_PER_REQUEST = 200;
/** Temporal is told of site-access changes within this, or the change stands and a warning is logged. */
const NUDGE_DEADLINE_MS = 3_000;

const listQuery = z.strictObject({
  siteAccess: z.enum(['none', 'some']).optional(),
  status: z.enum(memberStatuses).optional(),
  source: z.enum(memberSources).optional(),
  q: z.string().trim().max(100).optional().transform((q) => q || undefined),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: memberCursor.optional(),
});

const memberParam = z.object({ id: uuidId() });
const memberSiteParam = z.object({ id: uuidId(), siteId: uuidId() });
const siteGrant = z.strictObject({ siteId: uuidId(), role: z.enum(siteRoles) });
const siteSet = z.strictObject({
  sites: z
    .array(siteGrant)
    .max(MAX_SITES_PER_REQUEST)
    .refine((grants) => new Set(grants.map((g) => g.siteId)).size === grants.length, 'name each siteId at most once'),
});
const roleChange = z.strictObject({ orgRole: z.enum(orgRoles) });
/** The body is optional: without one (or without `reason`) the decision has no reason. */
const statusRequest = z.strictObject({
  reason: z.string().trim().max(MAX_REASON_LENGTH).optional().transform((reason) => reason || null),
});
/** An admin's status decision waits this long for the lifecycle to take it; it stands if it is late. */
const DECISION_DEADLINE_MS = 10_000;
const unconfirmed = () =>
  new ClientError(503, 'decision_unconfirmed', 'The decision was handed to the member\'s lifecycle but not confirmed in time; it may still apply. GET the member in a moment to see its status.');

/** The acting org admin and the member they act on, scoped to the admin's own organisation. */
const target = (c: Context<AppEnv>, memberId: string) => {
  const admin = c.get('member')!;
  return { orgId: admin.orgId, memberId, actor: `member:${admin.memberId}` };
};

const siteAnswer = ({ changed, sites }: SiteAccessChange) => ({ changed, sites });

export function memberRoutes({ sql, temporal, config, log }: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use(requireOrgAdmin);

  /**
   * After a change that may start or end a member's wait for a site has committed: the lifecycle's
   * search attributes follow, and a member who began to wait is announced to the org's reminders.
   * Best effort within a deadline: the change stands either way; a digest re-reads PostgreSQL
   * before it is sent, so it never mails about a granted member, and the hourly reminder sweep
   * (worker/maintenance-schedules.ts) starts reminders a missed nudge left idle.
   */
  async function announce(c: Context<AppEnv>, memberId: string, flipped: boolean) {
    if (!flipped) return;
    const admin = c.get('member')!;
    const member = { orgId: admin.orgId, orgSlug: admin.orgSlug, memberId };
    const [row]: [{ pendingSince: Date | null; changedAt: Date }?] = await sql`
      select case when org_role = 'member' then site_access_pending_since end as "pendingSince", now() as "changedAt"
      from members where id = ${memberId}`;
    if (!row) return;
    const dueAt = row.pendingSince ? await reminderDueAt(sql, admin.orgId, memberId, config.reminders) : undefined;
    const change = { pendingSince: row.pendingSince?.toISOString() ?? null, changedAt: row.changedAt.toISOString(), dueAt };
    await told(c, memberId, () => announceSiteAccessChange(temporal.client, member, change, config.temporal.taskQueue));
  }

  function told(c: Context<AppEnv>, memberId: string, tell: () => Promise<void>) {
    return temporal.connection
      .withDeadline(Date.now() + NUDGE_DEADLINE_MS, tell)
      .catch((err: unknown) => log.warn({ err, requestId: c.get('requestId'), memberId }, 'site access or recipients changed but Temporal was not told in time; the change stands'));
  }

  /** Resets the member's sign-in link: their next sign-in may link by email again (a recreated IdP account). */
  app.delete('/:id/identities', async (c) => {
    const admin = c.get('member')!;
    const id = c.req.param('id');
    if (!z.uuid().safeParse(id).success) throw new MemberNotFoundError();
    const reset = await resetIdentityLinks(sql, { orgId: admin.orgId, memberId: id, actor: `member:${admin.memberId}` });
    if (!reset) throw new MemberNotFoundError();
    return c.json(reset);
  });

  app.get('/', validate('query', listQuery), async (c) => {
    const { limit, cursor, ...filters } = c.req.valid('query');
    const page = await listMembers(sql, c.get('member')!.orgId, filters, { limit, after: cursor });
    return c.json({ members: page.members, nextCursor: page.next ? encodeMemberCursor(page.next) : null });
  });

  /** The member, their sites and, while they wait, what the org's reminders will do about them next. */
  app.get('/:id', validate('param', memberParam), async (c) => {
    const admin = c.get('member')!;
    const found = await findMember(sql, admin.orgId, c.req.valid('param').id);
    if (!found) throw new MemberNotFoundError();
    return c.json({ ...found, reminders: await memberReminders(sql, config.reminders, admin.orgId, found.member.id) });
  });

  /**
   * disable, enable, follow-directory: the member's lifecycle takes the decision (an Update) and
   * answers with the status it took there, so the answer is the truth, not a guess.
   */
  for (const decision of Object.keys(statusUpdates) as StatusDecisionName[]) {
    app.post(`/:id/${decision}`, validate('param', memberParam), validate('json', statusRequest), async (c) => {
      const admin = c.get('member')!;
      const { id } = c.req.valid('param');
      const found = await findMember(sql, admin.orgId, id);
      if (!found) throw new MemberNotFoundError();
      const member = { orgId: admin.orgId, orgSlug: admin.orgSlug, memberId: id, email: found.member.email, source: found.member.source };
      const request = { by: admin.memberId, reason: c.req.valid('json').reason };
      const answer = await temporal.connection
        .withDeadline(Date.now() + DECISION_DEADLINE_MS, () => decideMemberStatus(temporal.client, config.temporal.taskQueue, member, decision, request))
        .catch((err: unknown) => {
          if (err instanceof LastOrgAdminError) throw err;
          throw Object.assign(unconfirmed(), { cause: err });
        });
      return c.json(answer);
    });
  }

  app.patch('/:id', validate('param', memberParam), validate('json', roleChange), async (c) => {
    const { id } = c.req.valid('param');
    const { orgRole } = c.req.valid('json');
    const { changed } = await changeOrgRole(sql, target(c, id), orgRole);
    const found = await findMember(sql, c.get('member')!.orgId, id);
    if (!found) throw new MemberNotFoundError();
    // Org admins reach every site: a role change starts or ends the wait of a member without sites.
    if (changed && found.sites.length === 0) await announce(c, id, true);
    // A new admin is a new recipient: reminders held for want of one may go out now (if any wait).
    const heldFor = changed && orgRole === 'org_admin' ? await orgsWithRemindersDue(sql, config.reminders, c.get('member')!.orgId) : [];
    if (heldFor.length > 0) await told(c, id, () => nudgeReminders(temporal.client, c.get('member')!, config.temporal.taskQueue));
    return c.json({ changed, ...found });
  });

  /** The full set: the same set again changes nothing and writes no audit event. */
  app.put('/:id/sites', validate('param', memberParam), validate('json', siteSet), async (c) => {
    const { id } = c.req.valid('param');
    const change = await setMemberSites(sql, target(c, id), c.req.valid('json').sites);
    await announce(c, id, change.hadSites !== change.hasSites);
    return c.json(siteAnswer(change));
  });

  app.post('/:id/sites', validate('param', memberParam), validate('json', siteGrant), async (c) => {
    const { id } = c.req.valid('param');
    const change = await assignSite(sql, target(c, id), c.req.valid('json'));
    await announce(c, id, change.hadSites !== change.hasSites);
    return c.json(siteAnswer(change));
  });

  app.delete('/:id/sites/:siteId', validate('param', memberSiteParam), async (c) => {
    const { id, siteId } = c.req.valid('param');
    const change = await unassignSite(sql, target(c, id), siteId);
    await announce(c, id, change.hadSites !== change.hasSites);
    return c.json(siteAnswer(change));
  });

  return app;
}
