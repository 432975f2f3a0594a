/**
 * A member's status in words for the admin page: who decided, what the directory says, and what
 * each decision the admin can take would do, before they take it. The outcomes come from the
 * lifecycle rule itself (applyAdminAction + effectiveStatus), so the words cannot drift from it.
 */
import { adminActions, applyAdminAction, effectiveStatus, type AdminAction, type DirectoryState, type MemberStatusView, type StatusDecision } from './lifecycle.ts';

export interface StatusExplanation {
  /** One sentence: the status, who decided it and why, and what the directory says. */
  summary: string;
  /** What each decision offered now would do; a decision that changes nothing is absent. */
  consequences: Partial<Record<AdminAction, string>>;
}

/** What the directory says of the member, as the end of a sentence. */
const directorySays: Record<DirectoryState, string> = {
  none: 'no directory manages them',
  active: 'the directory lists them as active',
  inactive: 'the directory has deactivated them',
  deleted: 'the directory has removed them',
};

const because = (reason: string | null) => (reason ? `: “${reason}”` : ' (no reason given)');

function summary(view: MemberStatusView, adminName: string | null): string {
  const o = view.override;
  const directory = directorySays[view.directoryStatus];
  if (!o) {
    if (view.directoryStatus === 'none') return 'Active: no directory manages them and no admin has disabled them.';
    return view.status === 'active' ? `Active because ${directory}.` : `Disabled because ${directory}.`;
  }
  const who = adminName ?? 'a former admin';
  const verb = o.kind === 'disabled' ? 'Disabled' : 'Enabled';
  const agrees = effectiveStatus({ directory: { state: view.directoryStatus, seq: 0, at: null }, override: null }) === view.status;
  const context = !agrees ? `although ${directory},` : `${directory}${view.directoryStatus === 'none' ? '' : ' as well'}, and`;
  return `${verb} by ${who}${because(o.reason)}; ${context} this decision stands until an admin follows the directory again.`;
}

function consequence(action: AdminAction, before: MemberStatusView, after: StatusDecision): string {
  const next = effectiveStatus(after);
  const directory = directorySays[after.directory.state];
  switch (action) {
    case 'disable':
      return 'Disable: they are signed out at once and cannot sign in; the directory cannot enable them until an admin follows the directory again.';
    case 'enable':
      return after.directory.state === 'inactive' || after.directory.state === 'deleted'
        ? `Enable: they can sign in again even though ${directory}, until an admin follows the directory again.`
        : 'Enable: they can sign in again, and later directory changes do not disable them until an admin follows the directory again.';
    case 'follow_directory': {
      const outcome = next === before.status ? `they stay ${next}` : next === 'active' ? 'they become active again' : 'they are disabled and signed out';
      return `Follow the directory: the admin decision is dropped and, as ${directory}, ${outcome}.`;
    }
    default: {
      const unknown: never = action;
      return unknown;
    }
  }
}

/** The decisions an admin can take now: the ones that would change something (applyAdminAction). */
export function explainStatus(view: MemberStatusView, adminName: string | null): StatusExplanation {
  const decision: StatusDecision = { directory: { state: view.directoryStatus, seq: 0, at: null }, override: view.override };
  const consequences: Partial<Record<AdminAction, string>> = {};
  for (const action of adminActions) {
    // Disable on a disabled member (or enable on an active one) would only pin the current status; not offered.
    if ((action === 'disable' && view.status === 'disabled') || (action === 'enable' && view.status === 'active')) continue;
    const after = applyAdminAction(decision, { action, by: '', at: '', reason: null });
    if (after) consequences[action] = consequence(action, view, after);
  }
  return { summary: summary(view, adminName), consequences };
}
