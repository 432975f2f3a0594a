/**
 * Escalating reminders to an organisation's admins while members wait for site access, as digests.
 *
 * One workflow per organisation, not per member: "at most one email per admin per digest window,
 * listing everyone who waits" is a decision over all of an org's waiting members, so it is made in
 * one place, and one timer serves them all. The workflow keeps only a clock (when the next step
 * falls due, when the window lets the next digest go, how many digests it sent); who waits and the
 * step each was reminded of live in PostgreSQL, where the digest activity decides from the truth
 * of that moment. So an org with ten thousand waiting members costs the same history as one with
 * a single member, and a member granted a site or disabled a moment before is never mailed about.
 *
 * A member who begins to wait signal-with-starts it with the time their step falls due
 * (`remindersNudge`): one signal, no read. A grant tells it nothing: the next digest finds the
 * member has a site. It ends when nothing is due any more (everyone granted, disabled or past the
 * final notice) or nobody can be mailed; the next nudge starts it again. The rules are pure, in
 * domain/reminders.ts.
 */
import { allHandlersFinished, condition, continueAsNew, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { MailActivities } from '../activities/index.ts';
import type { DigestResult } from '../activities/reminders.ts';
import type { ReminderOutlook } from '../domain/reminder-outlook.ts';
import { retryPolicy } from './activity-retry.ts';
import { Alarm } from './alarm.ts';
import { mailTaskQueue, reminderStateQuery, remindersNudgeSignal, type ReminderClock, type SiteAccessRemindersInput } from './definitions.ts';

// SMTP outages are waited out with backoff; every recipient's email is keyed, so a retry sends only what is missing.
const digestActivity = (taskQueue: string) =>
  proxyActivities<MailActivities>({
    // A slow mail server fills the mail worker's slots, never those member decisions need.
    taskQueue: mailTaskQueue(taskQueue),
    startToCloseTimeout: '5 minutes',
    // It heartbeats every few seconds (activities/heartbeat.ts): a dead worker's attempt is retried within this.
    heartbeatTimeout: '30 seconds',
    retry: retryPolicy({ initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' }),
  }).sendReminderDigest;

/** Nudges one run takes before it continues as new, well below Temporal's 10,000 signals per run. */
const NUDGES_PER_RUN = 2_000;
const RETRY_FLOOR_MS = 1_000;

const earlier = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
const later = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));

/** When to try the next digest: the earliest due step, once the window allows; undefined when nothing is due. */
function attemptAt(clock: ReminderClock, heard: number | undefined): number | undefined {
  const due = earlier(clock.nextDueAt, heard);
  return due === undefined ? undefined : Math.max(due, clock.notBefore ?? -Infinity);
}

export async function siteAccessRemindersWorkflow(input: SiteAccessRemindersInput): Promise<void> {
  const { orgId, orgSlug } = input;
  const sendReminderDigest = digestActivity(workflowInfo().taskQueue);
  let clock: ReminderClock = input.clock ?? { digests: 0 };
  // The earliest due time nudges named since the last digest attempt began (its read may predate them).
  let heard: number | undefined;
  // A nudge without a time: who can be mailed changed, so a held digest may go now.
  let tryNow = false;
  let last: DigestResult | undefined;
  const alarm = new Alarm();
  let nudges = 0;
  setHandler(remindersNudgeSignal, (nudge) => {
    nudges++;
    const due = nudge?.dueAt ? Date.parse(nudge.dueAt) : NaN;
    // A time that does not parse (a hand-made signal) is taken as "try now", never as a timer.
    if (Number.isFinite(due)) heard = earlier(heard, due);
    else tryNow = true;
  });
  // Temporal refuses signals past 10,000 per run, and its continue-as-new hint does not count them.
  const runIsFull = () => workflowInfo().continueAsNewSuggested || nudges >= NUDGES_PER_RUN;
  setHandler(reminderStateQuery, () => outlook(orgSlug, clock, attemptAt(clock, heard), last));

  for (;;) {
    if (runIsFull()) {
      await condition(allHandlersFinished);
      const due = earlier(earlier(clock.nextDueAt, heard), tryNow ? Date.now() : undefined);
      await continueAsNew<typeof siteAccessRemindersWorkflow>({ orgId, orgSlug, clock: { ...clock, nextDueAt: due } });
    }
    if (!tryNow) {
      const at = attemptAt(clock, heard);
      if (at === undefined) return;
      alarm.set(at);
      await condition(() => tryNow || alarm.rang || attemptAt(clock, heard) !== at || runIsFull());
      if (!tryNow && !alarm.rang) continue;
    }
    tryNow = false;
    heard = undefined;
    last = await sendReminderDigest({ orgId, digestKey: `${workflowInfo().firstExecutionRunId}/${clock.digests + 1}` });
    if (last.held) log.warn('site-access reminders are due but nobody can be mailed', { orgSlug, warnings: last.warnings });
    clock = {
      digests: clock.digests + (last.sent ? 1 : 0),
      // Held: wait for a nudge (a new admin or IT contact) instead of trying again and again.
      nextDueAt: last.nextDueAt && !last.held ? Date.parse(last.nextDueAt) : undefined,
      // After an attempt that sent nothing, the next waits a moment: a database clock behind the
      // workflow's would otherwise make it try again and again until the clocks agree.
      notBefore: later(last.notBefore ? Date.parse(last.notBefore) : undefined, last.sent ? undefined : Date.now() + RETRY_FLOOR_MS),
    };
  }
}

function outlook(orgSlug: string, clock: ReminderClock, next: number | undefined, last: DigestResult | undefined): ReminderOutlook & { orgSlug: string } {
  return {
    orgSlug,
    nextDigestAt: next === undefined ? null : new Date(next).toISOString(),
    lastDigestAt: last?.lastDigestAt ?? null,
    digestsSent: clock.digests,
    waiting: last?.waiting ?? 0,
    pending: last?.pending ?? 0,
    recipients: last?.recipients ?? { admins: [], itContacts: [] },
    warnings: last?.warnings ?? [],
  };
}
