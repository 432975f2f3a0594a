/**
 * Verifies one organisation's claim to one domain by DNS, then watches the record.
 *
 * One workflow per (org, domain), `domain-verification/{org}/{domain}`. It keeps no state of its
 * own beyond a clock: the claim (status, token, last outcome) lives in PostgreSQL, where each check
 * activity reads and writes it, so the page shows the truth of the last check. While pending, it
 * looks the TXT record up on the schedule (often at first, then hourly) until found (verified,
 * audited, IT contacts and admins emailed) or the deadline passes (failed; claiming the domain
 * again starts a new run). Once verified it re-checks daily and only warns when the record is gone:
 * un-verifying would lock people out over a DNS slip (docs/domain-verification.md). It ends when
 * the domain is removed. A domain removed and claimed again while the run waits has a new token and
 * deserves a new deadline: the run finds it `replaced` and continues as new, which reads the new
 * claim. "Check now" (checkDomainNowSignal) cuts the current wait short.
 */
import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities, MailActivities } from '../activities/index.ts';
import { defaultDomainCheckSchedule, delayAfterCheck, type DomainCheckSchedule } from '../domain/domain-verification.ts';
import { retryPolicy } from './activity-retry.ts';
import { checkDomainNowSignal, mailTaskQueue, type DomainVerificationEnd, type DomainVerificationInput } from './definitions.ts';

// A check that cannot reach PostgreSQL is retried; DNS failures are outcomes, never retries (activities/dns.ts).
const { readDomainClaim, checkDomainRecord, failDomainVerification, recheckDomainRecord } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: retryPolicy({ initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' }),
});

/** Claims with nothing (more) to check, and how the workflow ends on them. */
const endedBefore = { failed: 'failed', gone: 'removed', operator: 'operator', taken: 'taken' } as const;

export async function domainVerificationWorkflow(input: DomainVerificationInput): Promise<DomainVerificationEnd> {
  const schedule = input.schedule ?? defaultDomainCheckSchedule;
  const ref = { orgId: input.orgId, domain: input.domain };
  let checkRequested = false;
  setHandler(checkDomainNowSignal, () => {
    checkRequested = true;
  });
  // The signal that started this run (signal-with-start) is served by the first check; one that
  // arrives during a check asks for another, since that check may have missed a new record.
  checkRequested = false;
  const waitOrCheckNow = async (ms: number) => {
    await condition(() => checkRequested, Math.max(ms, 1));
    checkRequested = false;
  };

  const claim = await readDomainClaim(ref);
  if (!('token' in claim)) return endedBefore[claim.status];
  if (claim.status === 'pending') {
    const end = await verify(input, claim.token, schedule, waitOrCheckNow);
    if (end) return end;
  }
  return watch(input, claim.token, schedule, waitOrCheckNow);
}

/** Checks until the record is found (undefined: go on watching) or the deadline passes. */
async function verify(input: DomainVerificationInput, token: string, schedule: DomainCheckSchedule, wait: (ms: number) => Promise<void>): Promise<DomainVerificationEnd | undefined> {
  const ref = { orgId: input.orgId, domain: input.domain };
  const deadline = Date.now() + schedule.deadlineMs;
  for (let n = 0; ; n++) {
    const result = await checkDomainRecord({ ...ref, token });
    if (result.claim === 'verified') {
      await notices(workflowInfo().taskQueue).sendDomainNotice({ ...ref, kind: 'verified', eventKey: result.verifiedAt });
      return undefined;
    }
    if (result.claim === 'replaced') return startOver(input);
    if (result.claim !== 'pending') return endedBefore[result.claim];
    if (Date.now() >= deadline) {
      await failDomainVerification(ref);
      return 'failed';
    }
    await wait(Math.min(delayAfterCheck(schedule, n), deadline - Date.now()));
  }
}

/** Re-checks a verified domain; a missing record is warned about once per absence, never un-verified. */
async function watch(input: DomainVerificationInput, token: string, schedule: DomainCheckSchedule, wait: (ms: number) => Promise<void>): Promise<DomainVerificationEnd> {
  const ref = { orgId: input.orgId, domain: input.domain };
  for (let n = 0; n < schedule.rechecksPerRun && !workflowInfo().continueAsNewSuggested; n++) {
    await wait(schedule.recheckEveryMs);
    const result = await recheckDomainRecord({ ...ref, token });
    if (result.record === 'gone') return 'removed';
    if (result.record === 'replaced') return startOver(input);
    if (result.record === 'missing') {
      await notices(workflowInfo().taskQueue).sendDomainNotice({ ...ref, kind: 'record_missing', eventKey: result.missingSince, token });
    }
  }
  return startOver(input);
}

/** A new run from the claim as it stands: for a long watch's history, or a claim made again. */
async function startOver(input: DomainVerificationInput): Promise<never> {
  await condition(allHandlersFinished);
  return continueAsNew<(i: DomainVerificationInput) => Promise<DomainVerificationEnd>>(input);
}

// SMTP outages are waited out; each recipient's email is keyed, so a retry sends only what is missing.
const notices = (taskQueue: string) =>
  proxyActivities<MailActivities>({
    taskQueue: mailTaskQueue(taskQueue),
    startToCloseTimeout: '2 minutes',
    retry: retryPolicy({ initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' }),
  });
