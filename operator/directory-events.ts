import type { Sql } from '../db/client.ts';
import { retryParkedEvents, undeliveredEventsReport, type UndeliveredEventRow } from '../db/directory-events.ts';
import { OperatorError } from './errors.ts';
import { findOrg } from './operations.ts';

/** Directory events the lifecycles have not taken yet (or only the parked ones), of one organisation or all. */
export async function listDirectoryEvents(sql: Sql, { org: slug, parked }: { org?: string; parked: boolean }): Promise<{ events: UndeliveredEventRow[]; total: number }> {
  const org = slug ? await findOrg(sql, slug) : undefined;
  return undeliveredEventsReport(sql, { ...(org ? { orgId: org.id } : {}), parkedOnly: parked });
}

/** Hands parked events (one member's, or all of the organisation's) back to the backstop's next run. */
export async function retryDirectoryEvents(sql: Sql, { org: slug, email }: { org: string; email?: string }): Promise<number> {
  const org = await findOrg(sql, slug);
  if (email === undefined) return retryParkedEvents(sql, { orgId: org.id });
  const [member]: [{ id: string }?] = await sql`select id from members where org_id = ${org.id} and email = ${email}`;
  if (!member) throw new OperatorError(`no member ${email} in "${slug}"`);
  const retried = await retryParkedEvents(sql, { orgId: org.id, memberId: member.id });
  if (retried === 0) throw new OperatorError(`${email} has no parked directory event in "${slug}"; see: directory events ${slug} --parked`);
  return retried;
}

/** One line per event (what the directory said, since when, where its delivery stands), and a last line when more are left out. */
export function formatDirectoryEvents({ events, total }: { events: UndeliveredEventRow[]; total: number }, parked: boolean): string {
  if (events.length === 0) return `no ${parked ? 'parked' : 'undelivered'} directory events`;
  const more = total > events.length ? [`(the oldest ${events.length} of ${total}; name an organisation to see its own)`] : [];
  return [...events.map(formatDirectoryEvent), ...more].join('\n');
}


function formatDirectoryEvent(e: UndeliveredEventRow): string {
  const standing = e.parkedAt ? `parked=${e.parkedAt.toISOString()}` : `next-attempt=${e.nextAttemptAt?.toISOString() ?? 'next run'}`;
  return [e.org, e.email, e.state, `seq=${e.seq}`, `since=${e.changedAt.toISOString()}`, `attempts=${e.attempts}`, standing, `last-error=${e.lastError ?? '-'}`].join('\t');
}
