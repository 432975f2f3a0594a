/**
 * What activities ask of Temporal, as narrow functions the worker wires to its client
 * (temporal/activity-ports.ts). Activities import no client module, and through it no workflow
 * code (test/import-boundaries.test.ts).
 */
import type { MemberRef, OrgRef } from '../domain/member.ts';
import type { DirectoryEvent, RemindersNudge, SiteAccessChange } from '../workflows/definitions.ts';

export interface TemporalPorts {
  /** Tells the org's reminders that someone's reminder falls due (or, without a time, that who can be mailed changed), starting them if idle. */
  nudgeReminders(org: OrgRef, nudge?: RemindersNudge): Promise<void>;
  /** Whether the org's reminder workflow runs now. */
  remindersRunning(org: OrgRef): Promise<boolean>;
  /** The MemberEmailHash search attribute's value for an email (keyed: temporal/member-email-hash.ts). */
  memberEmailHash(email: string): string;
  /** Hands what the directory said to the member's lifecycle, starting it if it does not run; bounded by `timeoutMs` (else a default deadline), given up when `signal` aborts. */
  sendDirectoryEvent(member: MemberRef & { email: string }, event: DirectoryEvent, bounds?: CallBounds): Promise<void>;
  /** Tells the member's lifecycle that their site access began or ended and, with `dueAt`, the org's reminders when they fall due. */
  announceSiteAccess(member: MemberRef, change: SiteAccessChange & { dueAt?: string | undefined }): Promise<void>;
  /** Whether Temporal answers at all within `timeoutMs`: a failure while it does not is an outage, not the call's fault. */
  temporalAnswers(timeoutMs: number): Promise<boolean>;
}

export interface CallBounds {
  signal?: AbortSignal;
  timeoutMs?: number;
}
