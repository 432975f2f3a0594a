/**
 * The audit log in sentences, for the admin's member page. The log keeps codes and JSON for
 * operators; people read "Disabled by Avery Admin: left the company". One switch over every event
 * type the code writes (test/timeline-sentences.test.ts greps the writers and fails on a new type
 * that is missing here), so a new event cannot appear on the page as a code.
 */
import type { SiteRole } from './member.ts';
import { orgRoleWords, siteRoleWords } from './member-words.ts';

export const auditEventTypes = [
  'member.created',
  'member.lifecycle_started',
  'member.profile_updated',
  'member.role_changed',
  'member.disabled',
  'member.enabled',
  'member.status_override_changed',
  'identity.linked',
  'identity.link_refused',
  'identity.reset',
  'invitation.created',
  'invitation.accepted',
  'invitation.revoked',
  'site_assignment.added',
  'site_assignment.removed',
  'site_assignment.role_changed',
  'site_decision.handed_back',
  'site_rule.created',
  'site_rule.deleted',
  'site_access.reminder_sent',
  'directory.user_created',
  'directory.user_updated',
  'directory.user_deleted',
  'directory.event_parked',
  'directory.event_retried',
  'directory.group_created',
  'directory.group_updated',
  'directory.group_deleted',
  'org.created',
  'domain.claimed',
  'domain.verified',
  'domain.verification_failed',
  'domain.removed',
  'sso.configured',
  'sso.draft_saved',
  'sso.draft_discarded',
  'sso.test_succeeded',
  'sso.test_failed',
  'site.created',
  'it_contact.added',
  'scim_token.created',
  'scim_token.rotated',
  'scim_token.revoked',
  'it_contact.removed',
  'setup_link.sent',
  'setup_link.opened',
  'setup_link.revoked',
] as const;
export type AuditEventType = (typeof auditEventTypes)[number];

/**
 * Written with the acting admin as the event's member (api/invitation-actions.ts), but about the
 * person invited: they belong on the invitations page, not on the admin's own timeline.
 */
export const eventsAboutOthers: readonly AuditEventType[] = ['invitation.created', 'invitation.revoked'];

export interface TimelineEvent {
  type: string;
  /** `member:{id}`, `idp:{issuer}`, `scim:{tokenId}`, `directory`, `operator`, `system`, `system:…`. */
  actor: string;
  /** The acting member's name (or email) when a member acted; null for a member since deleted. */
  actorName: string | null;
  data: Record<string, unknown>;
}

/** What the sentences name: the organisation's SSO ("Acme SSO"). */
export interface TimelineContext {
  orgName: string;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
const count = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const role = (value: unknown) => siteRoleWords[value as SiteRole] ?? 'unknown role';
const orgRole = (value: unknown) => orgRoleWords[value === 'org_admin' ? 'org_admin' : 'member'];
const because = (reason: unknown) => (text(reason) ? `: ${text(reason)}` : '');
const capital = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}`;

/** Who did it, as the end of "… by X". */
export function actorName({ actor, actorName: name }: Pick<TimelineEvent, 'actor' | 'actorName'>): string {
  if (actor.startsWith('member:')) return name ?? 'a former admin';
  if (actor.startsWith('setup:')) return `IT contact ${actor.slice('setup:'.length)}`;
  if (actor === 'directory' || actor.startsWith('scim:')) return 'the directory';
  if (actor === 'operator') return 'the operator';
  if (actor.startsWith('idp:')) return 'the identity provider';
  return 'the service';
}

const directoryState: Record<string, string> = {
  none: 'no longer in a directory',
  active: 'listed as active',
  inactive: 'deactivated',
  deleted: 'removed',
};

function statusSentence(e: TimelineEvent): string {
  const { data } = e;
  if (e.actor === 'directory') {
    const state = directoryState[text(data.directoryState) ?? ''] ?? 'changed';
    if (e.type === 'member.disabled') return `Disabled because the directory ${state === 'removed' ? 'removed' : 'deactivated'} them`;
    if (e.type === 'member.enabled') return 'Enabled again because the directory lists them as active';
    return `The directory now says ${state}; an admin's decision still sets their status`;
  }
  const by = actorName(e);
  const action = text(data.action);
  if (action === 'follow_directory') {
    const status = data.status === 'disabled' ? 'disabled' : 'active';
    return e.type === 'member.status_override_changed'
      ? `${capital(by)} handed the decision back to the directory; they stay ${status}`
      : `${e.type === 'member.disabled' ? 'Disabled' : 'Enabled'} when ${by} handed the decision back to the directory`;
  }
  if (e.type === 'member.disabled') return `Disabled by ${by}${because(data.reason)}`;
  if (e.type === 'member.enabled') return `Enabled by ${by}${because(data.reason)}`;
  return `${capital(by)} decided they stay ${action === 'disable' ? 'disabled' : 'active'} whatever the directory says${because(data.reason)}`;
}

function profileSentence(e: TimelineEvent): string {
  const changes = (['name', 'email'] as const).flatMap((field) => {
    const change = e.data[field] as { from?: unknown; to?: unknown } | undefined;
    if (!change) return [];
    const from = text(change.from);
    return [`${field} ${from ? `changed from ${from} ` : 'set '}to ${text(change.to) ?? '(empty)'}`];
  });
  const source = e.actor.startsWith('idp:') ? 'at sign-in' : `by ${actorName(e)}`;
  const what = changes.join(' and ') || 'profile updated';
  return `${capital(what)} ${source}`;
}

function reminderSentence(data: Record<string, unknown>): string {
  const step = count(data.step);
  const of = count(data.of);
  const label = step && of ? `Reminder ${step} of ${of}` : 'A reminder';
  const delivered = list(data.delivered);
  const missed = [...list(data.rejected), ...list(data.failed)];
  const parts = [delivered.length ? `sent to ${delivered.join(', ')}` : 'not delivered to anyone', missed.length ? `could not reach ${missed.join(', ')}` : ''];
  return `${label} ${parts.filter(Boolean).join('; ')}`;
}

/** "group Berlin Office", "groups Berlin Office and Sales", or null for none. */
export function groupNames(value: unknown): string | null {
  const names = list(value);
  if (names.length === 0) return null;
  const joined = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `${names.length === 1 ? 'group' : 'groups'} ${joined}`;
}

/** Who changed a site: the groups whose rules gave it when no admin decided, else whoever acted. */
function siteSource(e: TimelineEvent, by: string): string {
  const groups = e.actor.startsWith('member:') || e.actor === 'operator' ? null : groupNames(e.data.groups);
  return groups ?? by;
}

/**
 * One event as a sentence, or null for an event that says nothing about the member to an admin
 * (internal bookkeeping, or an event about someone else recorded under the admin who acted).
 */
export function timelineSentence(e: TimelineEvent, { orgName }: TimelineContext): string | null {
  const { data } = e;
  const by = actorName(e);
  const sso = `${orgName} SSO`;
  const site = text(data.siteName) ?? 'a deleted site';
  const type = e.type as AuditEventType;
  switch (type) {
    case 'member.created':
      if (data.source === 'jit') return `Account created at their first sign-in through ${sso}`;
      if (data.source === 'invitation') return 'Account created from an invitation';
      if (data.source === 'directory') return 'Account created by the directory';
      return `Account created by ${by}`;
    case 'member.lifecycle_started':
      return null;
    case 'member.profile_updated':
      return profileSentence(e);
    case 'member.role_changed':
      if (data.via === 'invitation') return `Made ${orgRole(data.orgRole)} by accepting an invitation`;
      return data.orgRole === 'org_admin' ? `Made org admin by ${by}` : `Made a ${orgRole(data.orgRole)} (no longer org admin) by ${by}`;
    case 'member.disabled':
    case 'member.enabled':
    case 'member.status_override_changed':
      return statusSentence(e);
    case 'identity.linked':
      return `Signed in for the first time through ${sso}`;
    case 'identity.link_refused':
      return `A sign-in through ${sso} was refused: another account at the identity provider already signs in as this member`;
    case 'identity.reset':
      return `${capital(by)} reset their sign-in link: their next sign-in through ${sso} may link by email again`;
    case 'invitation.created':
    case 'invitation.revoked':
      return null;
    case 'invitation.accepted':
      return 'Accepted their invitation';
    case 'site_assignment.added':
      return `${capital(siteSource(e, by))} gave them access to ${site} as a ${role(data.role)}`;
    case 'site_assignment.removed': {
      const despite = groupNames(data.despiteGroups);
      if (despite) return `${capital(siteSource(e, by))} removed them from ${site} despite ${despite}`;
      const left = text(data.leftGroup);
      return `${capital(siteSource(e, by))} removed them from ${site}${left ? ` as they left group ${left}` : ''}`;
    }
    case 'site_assignment.role_changed':
      return `${capital(siteSource(e, by))} changed their role at ${site} from ${role(data.from)} to ${role(data.to)}`;
    case 'site_decision.handed_back':
      return `${capital(by)} handed ${site} back to the directory groups' rules`;
    case 'site_rule.created':
    case 'site_rule.deleted':
      return null;
    case 'site_access.reminder_sent':
      return reminderSentence(data);
    case 'directory.user_created':
      return data.linked ? 'The directory took over this existing account' : 'Added by the directory';
    case 'directory.user_updated': {
      const changed = list(data.changed);
      return changed.length ? `The directory updated ${changed.join(', ')}` : 'The directory updated them';
    }
    case 'directory.user_deleted':
      return 'Deleted from the directory';
    case 'directory.event_parked':
      return `A directory change could not be applied after ${count(data.attempts) ?? 'several'} attempts; the operator can retry it`;
    case 'directory.event_retried':
      return 'The operator retried a directory change that had been held back';
    case 'directory.group_created':
      return `The directory created the group ${text(data.displayName) ?? ''}`;
    case 'directory.group_updated':
      return `The directory changed the group ${text(data.displayName) ?? ''}`;
    case 'directory.group_deleted':
      return `The directory deleted the group ${text(data.displayName) ?? ''}`;
    case 'org.created':
      return 'Organisation created';
    case 'domain.claimed':
      return `Domain ${text(data.domain) ?? ''} added; waiting for its DNS record`;
    case 'domain.verified':
      return `Domain ${text(data.domain) ?? ''} verified${data.method === 'dns' ? ' by its DNS record' : ''}`;
    case 'domain.verification_failed':
      return `Domain ${text(data.domain) ?? ''} not verified: ${text(data.reason) ?? 'no record found'}`;
    case 'domain.removed':
      return `Domain ${text(data.domain) ?? ''} removed`;
    case 'sso.configured':
      return `Single sign-on configured${text(data.issuer) ? ` with the issuer ${text(data.issuer)}` : ''}`;
    case 'sso.draft_saved':
      return `Single sign-on draft saved${text(data.issuer) ? ` for the issuer ${text(data.issuer)}` : ''}`;
    case 'sso.draft_discarded':
      return 'Single sign-on draft discarded';
    case 'sso.test_succeeded':
      return `Test sign-in with the single sign-on draft succeeded${text(data.email) ? ` as ${text(data.email)}` : ''}`;
    case 'sso.test_failed':
      return `Test sign-in with the single sign-on draft failed${because(data.reason)}`;
    case 'site.created':
      return `Site ${text(data.name) ?? ''} created`;
    case 'it_contact.added':
      return `IT contact ${text(data.email) ?? ''} added`;
    case 'scim_token.created':
    case 'scim_token.rotated':
    case 'scim_token.revoked':
      return `Directory token ${type.slice('scim_token.'.length)}`;
    case 'it_contact.removed':
      return `IT contact ${text(data.email) ?? ''} removed`;
    case 'setup_link.sent':
      return `Setup link sent to ${text(data.email) ?? 'an IT contact'}`;
    case 'setup_link.opened':
      return `Setup link of ${text(data.email) ?? 'an IT contact'} opened`;
    case 'setup_link.revoked':
      return `Setup link of ${text(data.email) ?? 'an IT contact'} revoked`;
    default: {
      // Rows written before a type was named here still read as something, never as a crash.
      const _exhaustive: never = type;
      return `Recorded: ${String(_exhaustive).replace(/[._]/g, ' ')}`;
    }
  }
}
