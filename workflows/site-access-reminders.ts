/**
 * Escalating reminders to an organisation's admins while members wait for site access, as digests.
 *
 * One workflow per organisation, not per member: "at most one email per admin per digest window,
 * listing everyone who waits" is a decision over all of an org's waiting members, so it is made in
 * one place, and a single timer serves them all. Member lifecycles (and the api, when site access
 * changes) signal-with-start it with `remindersNudge`; it completes once nobody waits.
 *
 * PostgreSQL says who waits: a nudge makes the workflow re-read it, and every digest re-reads it
 * again at send time, so a member granted a site or disabled a moment before is never mailed
 * about. The workflow owns the decisions: the step each member has been reminded of, when the next
 * digest may go and the digest's number, which keys its emails (one per recipient) in the email log.
 * The rules themselves are pure, in domain/reminders.ts.
 */
import { allHandlersFinished, condition, continueAsNew, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ReminderInputs } from '../activities/reminders.ts';
import { reminderOutlook } from '../domain/reminder-outlook.ts';
import { applyDigest, contactWarnings, nextDigestAt, noDecisions, planDigest, reconcile, recipientsFor } from '../domain/reminders.ts';
import { retryPolicy } from './activity-retry.ts';
import { Alarm } from './alarm.ts';
import { reminderStateQuery, remindersNudgeSignal, type SiteAccessRemindersInput } from './definitions.ts';

const { loadWaitingMembers } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: retryPolicy({ initialInterval: '1 second', maximumInterval: '1 minute' }),
});
// SMTP outages are waited out with backoff; every recipient's email is keyed, so a retry sends only what is missing.
const { sendReminderDigest } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: retryPolicy({ initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' }),
});

export async function siteAccessRemindersWorkflow(input: SiteAccessRemindersInput): Promise<void> {
  const { orgId, orgSlug } = input;
  let decisions = input.decisions ?? noDecisions();
  let known: ReminderInputs | undefined;
  let stale = true;
  const alarm = new Alarm();
  setHandler(remindersNudgeSignal, () => {
    stale = true;
  });
  setHandler(reminderStateQuery, () => ({ orgSlug, ...reminderOutlook(decisions, known) }));

  for (;;) {
    if (stale || !known) {
      stale = false;
      known = await loadWaitingMembers({ orgId });
      decisions = reconcile(decisions, known.waiting);
    }
    // A nudge that arrived meanwhile may name someone new: read again before giving up.
    if (known.waiting.length === 0) {
      if (stale) continue;
      return;
    }
    const plan = planDigest(decisions, known.policy, Date.now());
    if (plan && recipientsFor(plan.level, known.contacts).length > 0) {
      const digestKey = `${workflowInfo().firstExecutionRunId}/${decisions.digests + 1}`;
      const sent = await sendReminderDigest({ orgId, digestKey, plan });
      // The window starts when the digest went out, not when it was planned: a slow send must not shorten it.
      const at = new Date().toISOString();
      known = { ...known, waiting: sent.waiting, contacts: sent.contacts };
      decisions = reconcile(applyDigest(decisions, sent.entries, at), sent.waiting);
      continue;
    }
    // Due but nobody to mail: wait (without a timer) for a nudge instead of waking every window.
    if (plan) log.warn('site-access reminders are due but nobody can be mailed', { orgSlug, warnings: contactWarnings(known.contacts) });
    alarm.set(plan ? undefined : nextDigestAt(decisions, known.policy));
    await condition(() => stale || alarm.rang);
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof siteAccessRemindersWorkflow>({ orgId, orgSlug, decisions });
    }
  }
}
