/**
 * Whether a member may use the service: their organisation's directory (SCIM) decides, unless an
 * org admin has decided by hand. Pure: the lifecycle workflow applies it, property tests check it.
 */
import type { MemberStatus } from './member.ts';

/** `none`: the directory has never spoken of the member (JIT, invitation and operator members). */
export const directoryStates = ['none', 'active', 'inactive', 'deleted'] as const;
export type DirectoryState = (typeof directoryStates)[number];

/** The directory's latest applied word on the member; seq 0 until it speaks. */
export interface DirectoryView {
  state: DirectoryState;
  seq: number;
  /** When the directory write committed (ISO); null while `none`. */
  at: string | null;
}

export const overrideKinds = ['disabled', 'enabled'] as const;
export type OverrideKind = (typeof overrideKinds)[number];

/** An org admin's decision: who (member id), when (ISO) and why (optional). */
export interface StatusOverride {
  kind: OverrideKind;
  by: string;
  at: string;
  reason: string | null;
}

export interface StatusDecision {
  directory: DirectoryView;
  /** Null: the member follows the directory. */
  override: StatusOverride | null;
}

export const noDirectory: DirectoryView = { state: 'none', seq: 0, at: null };
export const followingDirectory: StatusDecision = { directory: noDirectory, override: null };

/** A reason an admin gives for a decision, as stored and shown. */
export const MAX_REASON_LENGTH = 500;

/** Removed (deactivated or deleted) means disabled; a member the directory never mentioned is active. */
export const directoryStatus = (state: DirectoryState): MemberStatus => (state === 'inactive' || state === 'deleted' ? 'disabled' : 'active');

/** A manual decision wins over the directory until an admin hands the member back to it. */
export function effectiveStatus({ directory, override }: StatusDecision): MemberStatus {
  if (override) return override.kind === 'disabled' ? 'disabled' : 'active';
  return directoryStatus(directory.state);
}

export type DisabledBy = 'directory' | 'manual';

/** Why a disabled member is disabled (null while active): operators filter on it. */
export function disabledBy(decision: StatusDecision): DisabledBy | null {
  if (effectiveStatus(decision) === 'active') return null;
  return decision.override ? 'manual' : 'directory';
}

export interface DirectoryWord {
  state: Exclude<DirectoryState, 'none'>;
  seq: number;
  at: string;
}

/**
 * The directory's newer word replaces its older one, even under a manual override (clearing the
 * override applies it). An event at or below the last applied seq is a duplicate or arrived out of
 * order and changes nothing (undefined).
 */
export function applyDirectoryEvent(decision: StatusDecision, event: DirectoryWord): StatusDecision | undefined {
  if (!(event.seq > decision.directory.seq)) return undefined;
  return { ...decision, directory: { state: event.state, seq: event.seq, at: event.at } };
}

export const adminActions = ['disable', 'enable', 'follow_directory'] as const;
export type AdminAction = (typeof adminActions)[number];

export interface AdminDecision {
  action: AdminAction;
  by: string;
  at: string;
  reason: string | null;
}

/**
 * An admin's disable or enable becomes the override, whatever the directory says; following the
 * directory clears it. Repeating the decision in force changes nothing (undefined): the first
 * who/when/why stays, so a retried request is not a second decision. A manual enable of a member
 * the directory removed is an override like any other: an admin's audited exception that holds
 * through later directory events until someone follows the directory again (the IdP still decides
 * whether the person can authenticate at all).
 */
export function applyAdminAction(decision: StatusDecision, { action, by, at, reason }: AdminDecision): StatusDecision | undefined {
  if (action === 'follow_directory') return decision.override ? { ...decision, override: null } : undefined;
  const kind: OverrideKind = action === 'disable' ? 'disabled' : 'enabled';
  if (decision.override?.kind === kind) return undefined;
  return { ...decision, override: { kind, by, at, reason } };
}

/** What the api and operators see of a member's status decision. */
export interface MemberStatusView {
  status: MemberStatus;
  directoryStatus: DirectoryState;
  override: StatusOverride | null;
  disabledBy: DisabledBy | null;
}

export const statusView = (decision: StatusDecision): MemberStatusView => ({
  status: effectiveStatus(decision),
  directoryStatus: decision.directory.state,
  override: decision.override,
  disabledBy: disabledBy(decision),
});
