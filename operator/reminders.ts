import type { Config } from '../config/index.ts';
import type { Sql } from '../db/client.ts';
import { remindersAwaitRecipients } from '../db/site-access.ts';
import { nudgeReminders } from '../temporal/site-access.ts';
import type { Org } from './operations.ts';
import { withTemporal } from './temporal.ts';

/**
 * Tells the org's site-access reminders that who can be mailed changed (a new admin or IT
 * contact), so reminders held for want of a recipient go out now; nothing when nobody waits for
 * one (a nudge there would cost a start, a signal and a digest for nothing). The change stands either way:
 * if Temporal does not answer, the returned note says the hourly reminder sweep will catch up.
 */
export async function tellReminders(config: Config, sql: Sql, org: Org): Promise<string> {
  if (!(await remindersAwaitRecipients(sql, config.reminders, org.id))) return '';
  try {
    await withTemporal(config, (client) => nudgeReminders(client, { orgId: org.id, orgSlug: org.slug }, config.temporal.taskQueue));
    return '';
  } catch (err) {
    return `\nnote: Temporal at ${config.temporal.address} did not answer (${(err as Error).message}); held reminders go out at the next hourly sweep`;
  }
}
