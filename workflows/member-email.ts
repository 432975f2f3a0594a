import { upsertSearchAttributes } from '@temporalio/workflow';
import { searchAttributes, type MemberEmailChange, type MemberLifecycleState } from './definitions.ts';

/**
 * Keeps the lifecycle's MemberEmailHash, the search attribute operators filter on, on the
 * member's current address. Changes come from the sign-ins this lifecycle provisions (signInUpdate,
 * several at once), from another lifecycle that provisioned one of this member's sign-ins
 * (memberEmailChangedSignal), with the directory's events (from different api replicas and the
 * backstop) and from the stored email when the lifecycle starts: they may overtake each other, so
 * an older change is ignored, and one that changes nothing costs no upsert.
 */
export function applyEmailChange(state: MemberLifecycleState, { emailHash, changedAt }: MemberEmailChange): void {
  if (state.emailChangedAt && Date.parse(changedAt) <= Date.parse(state.emailChangedAt)) return;
  state.emailChangedAt = changedAt;
  if (emailHash === state.emailHash) return;
  state.emailHash = emailHash;
  upsertSearchAttributes([{ key: searchAttributes.memberEmailHash, value: emailHash }]);
}
