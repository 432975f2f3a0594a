/**
 * Every message, search attribute and workflow ID shared by workflows, worker and api.
 * Wire names never change once shipped: running workflows and operators' saved filters depend on them.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ProvisionRefusal } from '../domain/identity-linking.ts';
import type { MemberRef, MemberSource, MemberStatus, OrgRole } from '../domain/member.ts';
import type { ReminderOutlook } from '../domain/reminder-outlook.ts';
import type { ReminderDecisions } from '../domain/reminders.ts';

export const searchAttributes = {
  orgSlug: defineSearchAttributeKey('OrgSlug', SearchAttributeType.KEYWORD),
  memberEmail: defineSearchAttributeKey('MemberEmail', SearchAttributeType.KEYWORD),
  memberStatus: defineSearchAttributeKey('MemberStatus', SearchAttributeType.KEYWORD),
  siteAccessPending: defineSearchAttributeKey('SiteAccessPending', SearchAttributeType.BOOL),
  /** Since when the member has had no site; unset while they have one. */
  siteAccessPendingSince: defineSearchAttributeKey('SiteAccessPendingSince', SearchAttributeType.DATETIME),
} as const;

export const memberWorkflowId = (orgSlug: string, memberId: string): string => `member/${orgSlug}/${memberId}`;

export interface MemberLifecycleInput extends MemberRef {
  email: string;
  source: MemberSource;
  /** Carried across continue-as-new; absent on the first run. */
  state?: MemberLifecycleState;
}

export interface MemberLifecycleState {
  status: MemberStatus;
  siteAccessPending: boolean;
  email: string;
  /** ISO; absent while the member has a site, and in lifecycles started before it was tracked. */
  siteAccessPendingSince?: string;
  /** When the last applied site-access change was committed (ISO): older changes arriving late are ignored. */
  siteAccessChangedAt?: string;
}

export const memberStateQuery = defineQuery<MemberLifecycleState & MemberRef>('memberState');

export interface SiteAccessChange {
  /** Since when the member has had no site (ISO), or null now that they have one. */
  pendingSince: string | null;
  /** When the change was committed (ISO, the database's clock). */
  changedAt: string;
}

/** Sent by whoever changes a member's site assignments, after the change commits. */
export const siteAccessChangedSignal = defineSignal<[SiteAccessChange]>('siteAccessChanged');

/** What the directory says about a member, in the order the service accepted it. */
export interface DirectoryEvent {
  state: 'active' | 'inactive' | 'deleted';
  /** Per-member, strictly increasing (a PostgreSQL sequence read when the SCIM write committed): older events change nothing. */
  seq: number;
  /** When the SCIM write committed (ISO, the database's clock). */
  at: string;
}
export const directoryEventSignal = defineSignal<[DirectoryEvent]>('directoryEvent');

/** One reminder workflow per organisation (see workflows/site-access-reminders.ts). */
export const siteAccessRemindersWorkflowId = (orgSlug: string): string => `site-access-reminders/${orgSlug}`;

export interface SiteAccessRemindersInput {
  orgId: string;
  orgSlug: string;
  /** Carried across continue-as-new; absent on a fresh start. */
  decisions?: ReminderDecisions;
}

/** "Someone may have started or stopped waiting for a site": the workflow re-reads who waits. */
export const remindersNudgeSignal = defineSignal('remindersNudge');

export const reminderStateQuery = defineQuery<ReminderOutlook & { orgSlug: string }>('reminderState');

/** One sign-in identity, keyed by (connection, iss, sub); `identityKey` is a hash of that triple. */
export const signInWorkflowId = (orgSlug: string, identityKey: string): string => `signin/${orgSlug}/${identityKey}`;

export interface ProvisionIdentityInput {
  orgId: string;
  orgSlug: string;
  connectionId: string;
  iss: string;
  sub: string;
  email: string;
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
      /** Whether the member's lifecycle has stamped the member; absent in histories recorded before it existed. */
      lifecycleStarted?: boolean;
    }
  | { outcome: 'refused'; reason: ProvisionRefusal };

/**
 * The sign-in's early return: answers as soon as the account is settled, while the workflow goes
 * on to make sure the member's lifecycle runs. Sent with update-with-start.
 */
export const signInOutcomeUpdate = defineUpdate<ProvisionOutcome>('signInOutcome');

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

/**
 * The prune schedule; one per task queue, so deployments (and test runs) sharing a namespace each
 * prune their own database. Its runs get workflow IDs starting with the same string.
 */
export const pruneScheduleId = (taskQueue: string): string => `maintenance/prune-expired/${taskQueue}`;

/** Rows deleted by one prune run, shown as the run's result in the Temporal UI. */
export interface PruneResult {
  sessions: number;
  loginTransactions: number;
  signInAttempts: number;
}
