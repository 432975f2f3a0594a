/**
 * Which reminder nudges an organisation's site-access reminders can do without (migration 0022).
 *
 * The claim a row makes: "a nudge naming `told_due_at` or earlier reached the workflow after the
 * digest decision `epoch` began", so the workflow will try a digest by then, and that digest's
 * decision will read every member who waits by then. A new member whose reminder falls due no
 * earlier needs no nudge of their own, provided the decision cannot slip in between: a nudger reads
 * the row `for share` in the transaction that found them waiting, and a decision bumps the epoch
 * (`startDigestDecision`) before it reads who waits, so it waits for that transaction's commit and
 * sees the member.
 */
import type { Queryable } from './client.ts';

/** What the reminders were told since the current decision began, as a nudger reads it. */
export interface ToldReminders {
  epoch: number;
  /** Epoch ms; undefined when nothing was told since. */
  dueAt: number | undefined;
}

/** In the nudger's transaction, after it found the member waiting: holds the row until its commit. */
export async function toldReminders(tx: Queryable, orgId: string): Promise<ToldReminders> {
  const [row]: [{ epoch: string; toldDueAt: Date | null }?] = await tx`
    select epoch, told_due_at as "toldDueAt" from site_access_reminder_nudges where org_id = ${orgId} for share`;
  return { epoch: Number(row?.epoch ?? 0), dueAt: row?.toldDueAt?.getTime() };
}

/** Whether a nudge naming `dueAt` would tell the reminders nothing they do not already wait for. */
export const alreadyTold = (told: ToldReminders, dueAt: number): boolean => told.dueAt !== undefined && told.dueAt <= dueAt;

/**
 * After a nudge naming `dueAt` (or earlier) reached the workflow: notes it, unless a decision began
 * since `told` was read (that decision's plan is what the workflow waits for now).
 */
export async function noteTold(sql: Queryable, orgId: string, told: ToldReminders, dueAt: number): Promise<void> {
  const at = new Date(dueAt);
  await sql`
    insert into site_access_reminder_nudges as n (org_id, epoch, told_due_at) values (${orgId}, ${told.epoch}, ${at})
    on conflict (org_id) do update set told_due_at = least(n.told_due_at, excluded.told_due_at)
    where n.epoch = ${told.epoch}`;
}

/** In the digest decision's transaction, before it reads who waits: forgets what was told. */
export async function startDigestDecision(tx: Queryable, orgId: string): Promise<void> {
  await tx`
    insert into site_access_reminder_nudges as n (org_id, epoch) values (${orgId}, 1)
    on conflict (org_id) do update set epoch = n.epoch + 1, told_due_at = null`;
}
