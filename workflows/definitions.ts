/**
 * Every message, search attribute and workflow ID shared by workflows, worker and api.
 * Wire names never change once shipped: running workflows and operators' saved filters depend on them.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ProvisionRefusal } from '../domain/identity-linking.ts';
import type { DomainCheckSchedule } from '../domain/domain-verification.ts';
import type { DirectoryView, DirectoryWord, MemberStatusView, StatusDecision, StatusOverride } from '../domain/lifecycle.ts';
import type { MemberRef, MemberSource, MemberStatus, OrgRole } from '../domain/member.ts';
import type { ReminderOutlook } from '../domain/reminder-outlook.ts';

export const searchAttributes = {
  orgSlug: defineSearchAttributeKey('OrgSlug', SearchAttributeType.KEYWORD),
  /**
   * HMAC of the member's email (temporal/member-email-hash.ts), never the email: search attributes are
   * stored and shown in clear. `npm run cli -- workflows find-member --email` prints the filter.
   */
  memberEmailHash: defineSearchAttributeKey('MemberEmailHash', SearchAttributeType.KEYWORD),
  memberStatus: defineSearchAttributeKey('MemberStatus', SearchAttributeType.KEYWORD),
  siteAccessPending: defineSearchAttributeKey('SiteAccessPending', SearchAttributeType.BOOL),
  /** Since when the member has had no site; unset while they have one. */
  siteAccessPendingSince: defineSearchAttributeKey('SiteAccessPendingSince', SearchAttributeType.DATETIME),
  /** Why a disabled member is disabled: `directory` or `manual`; unset while active. */
  disabledBy: defineSearchAttributeKey('DisabledBy', SearchAttributeType.KEYWORD),
  /** An admin's decision in force: `disabled` or `enabled`; unset while the member follows the directory. */
  statusOverride: defineSearchAttributeKey('StatusOverride', SearchAttributeType.KEYWORD),
} as const;

export const memberWorkflowId = (orgSlug: string, memberId: string): string => `member/${orgSlug}/${memberId}`;

export interface MemberLifecycleInput extends MemberRef {
  /** The member's MemberEmailHash: workflows cannot compute it (no crypto, no keys), starters do. */
  emailHash: string;
  /** How the member came (for the start's audit event); absent when a sign-in starts the run: its provisioning tells. */
  source?: MemberSource;
  /**
   * Since when the member waits for a site (ISO), or null, as the starter knows it; the start
   * options carry the same in the search attributes (lifecycleStart), and the lifecycle corrects
   * both from PostgreSQL when it starts.
   */
  waitingSince: string | null;
  /** Carried across continue-as-new; absent on the first run. */
  state?: MemberLifecycleState;
  /**
   * The sign-in that started this run (api/temporal.ts): the run provisions it, and is this
   * member's lifecycle only if the sign-in resolves to this member; otherwise it ends.
   */
  signIn?: ProvisionIdentityInput;
}

/**
 * How every starter starts a member's lifecycle: its search attributes go in the start options,
 * which cost nothing, instead of an upsert in its first task (a billable Action per member).
 */
export function lifecycleStart(input: Omit<MemberLifecycleInput, 'state'>) {
  const { orgSlug, emailHash, waitingSince } = input;
  return {
    args: [input] as [MemberLifecycleInput],
    typedSearchAttributes: [
      { key: searchAttributes.orgSlug, value: orgSlug },
      { key: searchAttributes.memberEmailHash, value: emailHash },
      { key: searchAttributes.memberStatus, value: 'active' },
      { key: searchAttributes.siteAccessPending, value: waitingSince !== null },
      ...(waitingSince === null ? [] : [{ key: searchAttributes.siteAccessPendingSince, value: new Date(waitingSince) }]),
    ] as SearchAttributePair[],
  };
}

export interface MemberLifecycleState {
  status: MemberStatus;
  siteAccessPending: boolean;
  emailHash: string;
  /** When the last applied email change was committed (ISO); absent until the first one. */
  emailChangedAt?: string;
  /** ISO; absent while the member has a site. */
  siteAccessPendingSince?: string;
  /** When the last applied site-access change was committed (ISO): older changes arriving late are ignored. */
  siteAccessChangedAt?: string;
  /** The directory's latest applied word; absent until it first speaks. */
  directory?: DirectoryView;
  /** An admin's decision in force; absent or null while the member follows the directory. */
  override?: StatusOverride | null;
  /** Status decisions projected so far (across runs): the next one's number keys its activity. */
  statusDecisions?: number;
}

/**
 * What a lifecycle's first run goes on from, read in the transaction that stamps the member as
 * having a running lifecycle (activities/members.ts stampLifecycle).
 */
export interface LifecycleSeed {
  /** The MemberEmailHash of the member's email as stored (a starter's may be of another address, e.g. a sign-in's refused change). */
  emailHash: string;
  /**
   * Since when the member has had no site as a plain member (ISO), whatever their status: the
   * lifecycle applies its own status to it (db/site-access.ts `waitsForSite`); null if they have one.
   */
  noSiteSince: string | null;
  /** When that was read (ISO, the database's clock): orders it against later site-access changes. */
  readAt: string;
  /**
   * The status decisions an earlier lifecycle of this member projected (one terminated and started
   * again): the new one goes on from them instead of from "active, following the directory".
   */
  decided: { status: MemberStatus } & StatusDecision;
  /**
   * The directory's latest committed word on the member (their directory link), null if it never
   * spoke: a lifecycle started again goes on from it, so an older event still in flight stays older.
   */
  directory: DirectoryWord | null;
}

export const memberStateQuery = defineQuery<MemberLifecycleState & MemberRef & StatusDecision & MemberStatusView>('memberState');

/** What the directory says about a member, in the order the service accepted it. */
export interface DirectoryEvent {
  state: 'active' | 'inactive' | 'deleted';
  /** Per-member, strictly increasing (a PostgreSQL sequence read when the SCIM write committed): older events change nothing. */
  seq: number;
  /** When the SCIM write committed (ISO, the database's clock). */
  at: string;
  /** The hash of the member's email as the sender read it (temporal/directory-events.ts adds it): MemberEmailHash follows it, as of `at`. */
  emailHash?: string;
}
export const directoryEventSignal = defineSignal<[DirectoryEvent]>('directoryEvent');

/** A member's email changed (at a sign-in, or by the directory with its events); older changes arriving late are ignored. */
export interface MemberEmailChange {
  /** The new email's MemberEmailHash. */
  emailHash: string;
  /** When the change was committed (ISO, the database's clock). */
  changedAt: string;
}

/**
 * Sent by a lifecycle whose sign-in changed the email of another member (an identity linked to
 * that member after the api chose the lifecycle), after it committed: that member's lifecycle follows.
 */
export const memberEmailChangedSignal = defineSignal<[MemberEmailChange]>('memberEmailChanged');

/** An org admin's decision about a member's status; `by` is the admin's member id. */
export interface MemberStatusRequest {
  by: string;
  reason?: string | null;
}

/** The member's status after the decision, and whether the decision changed anything. */
export interface MemberStatusAnswer extends MemberStatusView {
  changed: boolean;
}

/** Manual decisions: each wins over the directory until followDirectoryUpdate hands the member back. */
export const disableMemberUpdate = defineUpdate<MemberStatusAnswer, [MemberStatusRequest]>('disableMember');
export const enableMemberUpdate = defineUpdate<MemberStatusAnswer, [MemberStatusRequest]>('enableMember');
export const followDirectoryUpdate = defineUpdate<MemberStatusAnswer, [MemberStatusRequest]>('followDirectory');

export interface SiteAccessChange {
  /** Since when the member has had no site (ISO), or null now that they have one. */
  pendingSince: string | null;
  /** When the change was committed (ISO, the database's clock). */
  changedAt: string;
}

/** Sent by whoever changes a member's site assignments, after the change commits. */
export const siteAccessChangedSignal = defineSignal<[SiteAccessChange]>('siteAccessChanged');

/** One reminder workflow per organisation (see workflows/site-access-reminders.ts). */
export const siteAccessRemindersWorkflowId = (orgSlug: string): string => `site-access-reminders/${orgSlug}`;

export interface SiteAccessRemindersInput {
  orgId: string;
  orgSlug: string;
  /** Carried across continue-as-new; absent on a fresh start. */
  clock?: ReminderClock;
}

/** All the workflow keeps between digests: per-member progress is in PostgreSQL. */
export interface ReminderClock {
  /** Digests recorded by this workflow (across its runs); the next one's number keys it. */
  digests: number;
  /** The earliest step due among waiting members, as of the last digest attempt (epoch ms). */
  nextDueAt?: number;
  /** No digest before this: the window since the last one (epoch ms). */
  notBefore?: number;
}

/**
 * "Someone's reminders may be due at `dueAt`" (a member began to wait), or, without it, "who can
 * be mailed changed" (a new admin or IT contact): the workflow tries a digest now.
 */
export interface RemindersNudge {
  /** ISO. */
  dueAt?: string;
}

export const remindersNudgeSignal = defineSignal<[RemindersNudge?]>('remindersNudge');

export const reminderStateQuery = defineQuery<ReminderOutlook & { orgSlug: string }>('reminderState');

export interface ProvisionIdentityInput {
  orgId: string;
  orgSlug: string;
  connectionId: string;
  iss: string;
  sub: string;
  email: string;
  /** The email's MemberEmailHash, computed by the api: the lifecycle this sign-in starts or tells takes it. */
  emailHash: string;
  emailVerified: boolean;
  name: string;
}

export type ProvisionOutcome =
  | {
      outcome: 'signed_in' | 'linked' | 'created';
      memberId: string;
      status: MemberStatus;
      orgRole: OrgRole;
      source: MemberSource;
      /** Whether the member's lifecycle has stamped the member. */
      lifecycleStarted: boolean;
      /** This sign-in stamped the member for the lifecycle run that provisioned it (its first run), which goes on from this. */
      lifecycle?: LifecycleSeed;
      /** Since when the member waits for a site (ISO), null if not. */
      waitingSince: string | null;
      /** This sign-in changed the member's email to the input's (the IdP's profile did), committed then (ISO): the lifecycle is told. */
      emailChangedAt?: string;
    }
  | { outcome: 'refused'; reason: ProvisionRefusal };

/**
 * A sign-in, sent to the lifecycle of the member it will resolve to (api/temporal.ts) with
 * update-with-start: the lifecycle provisions it and answers as soon as the account is settled.
 */
export const signInUpdate = defineUpdate<ProvisionOutcome, [ProvisionIdentityInput]>('signIn');

/**
 * Which lifecycle a sign-in's provisioning runs in: a new member takes this member's id (when
 * free), and `seed` asks it to stamp the member for this lifecycle's first run (LifecycleSeed).
 */
export interface SignInLifecycle {
  memberId: string;
  seed?: { idempotencyKey: string };
}

export const invitationWorkflowId = (orgSlug: string, invitationId: string): string => `invitation/${orgSlug}/${invitationId}`;

export interface InvitationEmailInput {
  orgId: string;
  orgSlug: string;
  orgName: string;
  invitationId: string;
  email: string;
  orgRole: OrgRole;
  /** Built by the api from PUBLIC_URL: workflows read no config. */
  signInUrl: string;
  expiresAt: string;
}

/**
 * How an invitation's email workflow ended. Only `sent` means the email went out (in this run or an
 * earlier one); the others end quietly without it: the invitation was revoked, accepted first or
 * expired, or the workflow was cancelled (the api cancels it when an admin revokes).
 */
export type InvitationEmailOutcome = 'sent' | 'revoked' | 'accepted' | 'expired' | 'cancelled';

/** One per claimed domain (see workflows/domain-verification.ts); domains are stored lower-case, so one ID per domain. */
export const domainVerificationWorkflowId = (orgSlug: string, domain: string): string => `domain-verification/${orgSlug}/${domain}`;

export interface DomainVerificationInput {
  orgId: string;
  orgSlug: string;
  domain: string;
  /** Tests shorten it; absent means the production schedule (domain/domain-verification.ts). */
  schedule?: DomainCheckSchedule;
}

/** Why a domain's workflow ended; a verified domain's workflow runs on, re-checking, until the domain is removed. */
export type DomainVerificationEnd = 'failed' | 'taken' | 'removed' | 'operator';

/** "Check now" from the page, the API or the CLI: a check that is due anyway serves it. */
export const checkDomainNowSignal = defineSignal('checkDomainNow');

/**
 * The prune schedule; one per task queue, so deployments (and test runs) sharing a namespace each
 * prune their own database. Its runs get workflow IDs starting with the same string.
 */
export const pruneScheduleId = (taskQueue: string): string => `maintenance/prune-expired/${taskQueue}`;

/** The hourly sweep that starts site-access reminders a lost nudge left idle (see resumeIdleRemindersWorkflow). */
export const reminderSweepScheduleId = (taskQueue: string): string => `maintenance/resume-reminders/${taskQueue}`;

/** The backstop that delivers directory events a SCIM request could not hand over (see redeliverDirectoryEventsWorkflow). */
export const directorySweepScheduleId = (taskQueue: string): string => `maintenance/redeliver-directory-events/${taskQueue}`;

/** The backstop that works out site access left queued by a change whose own run never started (see applySiteRulesWorkflow). */
export const siteRulesSweepScheduleId = (taskQueue: string): string => `maintenance/apply-site-rules/${taskQueue}`;

/**
 * One run per change of site-access rules (a rule created or deleted, a directory group with rules
 * deleted): `site-rules/{org}/{change}`, so an operator finds the runs of an organisation by prefix.
 */
export const siteRulesWorkflowId = (orgSlug: string, change: string): string => `site-rules/${orgSlug}/${change}`;

/** Whose queued members a run works out: one organisation's, or (the sweep) every organisation's. */
export interface SiteRulesScope {
  orgId?: string;
}

export interface SiteRulesApplied {
  /** Members taken off the queue and worked out again. */
  members: number;
  /** Of those, members whose site access began or ended. */
  flipped: number;
  /** Site-access announcements an earlier change left owed (db/site-access-outbox.ts), told now. */
  announcedLate: number;
}

/**
 * The task queue of the activities that talk to SMTP, beside the one their workflows run on. A
 * second worker in every worker process serves it with its own slots (worker/create-worker.ts),
 * so a slow mail server fills those, never the slots member decisions need. Derived from the
 * workflow's own queue, so every deployment (and every test's queue) gets its own.
 */
export const mailTaskQueue = (taskQueue: string): string => `${taskQueue}-mail`;

/** Rows deleted by one prune run, shown as the run's result in the Temporal UI. */
export interface PruneResult {
  sessions: number;
  loginTransactions: number;
  setupSessions: number;
  setupLinks: number;
}

/**
 * Workflow types as clients name them, with the signatures clients start them with. Clients (api,
 * temporal/) start workflows by these names and import no workflow code; workflows/index.ts
 * exports functions of these names and signatures (test/import-boundaries.test.ts checks both).
 */
export const workflowTypes = {
  memberLifecycle: 'memberLifecycleWorkflow',
  sendInvitation: 'sendInvitationWorkflow',
  siteAccessReminders: 'siteAccessRemindersWorkflow',
  domainVerification: 'domainVerificationWorkflow',
  applySiteRules: 'applySiteRulesWorkflow',
} as const;
export type MemberLifecycleWorkflow = (input: MemberLifecycleInput) => Promise<void>;
export type SendInvitationWorkflow = (input: InvitationEmailInput) => Promise<InvitationEmailOutcome>;
export type SiteAccessRemindersWorkflow = (input: SiteAccessRemindersInput) => Promise<void>;
export type DomainVerificationWorkflow = (input: DomainVerificationInput) => Promise<DomainVerificationEnd>;
export type ApplySiteRulesWorkflow = (scope: SiteRulesScope) => Promise<SiteRulesApplied>;
