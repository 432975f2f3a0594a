import type { RemindersNudge } from '../workflows/definitions.ts';
import type { OrgRef } from '../domain/member.ts';

type Send = (org: OrgRef, nudge: RemindersNudge) => Promise<void>;

interface Lane {
  /** The merged nudge waiting for the one on its way, and everyone it answers. */
  next?: { nudge: RemindersNudge; waiters: { resolve: () => void; reject: (err: unknown) => void }[] };
}

/**
 * Nudges of one organisation's reminders from this process, at most one on its way at a time:
 * those arriving meanwhile are merged into the next one, which names the earliest due time. Every
 * new member of an org nudges the same workflow, and a burst of first sign-ins would otherwise
 * queue hundreds of signal-with-starts on that one workflow (each a billable Action and a workflow
 * task). Merging loses nothing: every caller's change committed before the nudge that answers it
 * was sent, the workflow keeps only the earliest time it heard, and each digest reads every later
 * due time from PostgreSQL. A nudge without a time ("try now") is merged only with its own kind.
 */
export function coalescedNudges(send: Send): Send {
  const lanes = new Map<string, Lane>();
  const earliest = (a: string | undefined, b: string | undefined) => (a === undefined || (b !== undefined && Date.parse(b) < Date.parse(a)) ? b : a);

  function run(key: string, org: OrgRef, nudge: RemindersNudge): Promise<void> {
    const lane: Lane = {};
    lanes.set(key, lane);
    const sent = send(org, nudge);
    const afterwards = () => {
      lanes.delete(key);
      const next = lane.next;
      if (!next) return;
      run(key, org, next.nudge).then(
        () => next.waiters.forEach((w) => w.resolve()),
        (err: unknown) => next.waiters.forEach((w) => w.reject(err)),
      );
    };
    sent.then(afterwards, afterwards);
    return sent;
  }

  return (org, nudge) => {
    const key = `${org.orgId}/${nudge.dueAt === undefined ? 'now' : 'due'}`;
    const lane = lanes.get(key);
    if (!lane) return run(key, org, nudge);
    const next = (lane.next ??= { nudge: {}, waiters: [] });
    const dueAt = earliest(next.nudge.dueAt, nudge.dueAt);
    next.nudge = dueAt === undefined ? {} : { dueAt };
    return new Promise<void>((resolve, reject) => next.waiters.push({ resolve, reject }));
  };
}
