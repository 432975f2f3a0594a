import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditEventTypes, timelineSentence, type AuditEventType, type TimelineEvent } from '../domain/timeline-sentences.ts';

const context = { orgName: 'Acme' };
const admin = { actor: 'member:0b1c6f0e-6f3a-4a47-9b7d-1f0c2d3e4f50', actorName: 'Avery Admin' };
const say = (type: AuditEventType, data: Record<string, unknown> = {}, by: Partial<TimelineEvent> = admin) =>
  timelineSentence({ type, actor: 'system', actorName: null, data, ...by }, context);

/** Every audit event type the code writes, read from the writers themselves. */
function writtenTypes(): string[] {
  const root = join(import.meta.dirname, '..');
  const files = ['activities', 'api', 'auth', 'db', 'operator', 'workflows'].flatMap((dir) =>
    readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join(root, dir, f), 'utf8')),
  );
  const types = new Set<string>();
  for (const source of files) {
    if (!/insertAuditEvents?\(|recordLifecycleStarted|auditEvent\(|_EVENT = '/.test(source)) continue;
    for (const [, type] of source.matchAll(/'((?:member|identity|invitation|site_assignment|site_access|directory|org|domain|sso|site|it_contact|scim_token|setup_link)\.[a-z_]+)'/g)) types.add(type!);
    if (source.includes('`member.${')) types.add('member.disabled').add('member.enabled');
  }
  return [...types].sort();
}

describe('every audit event type has a sentence', () => {
  it('names every type that the code writes to audit_events', () => {
    const written = writtenTypes();
    expect(written.length).toBeGreaterThan(20);
    expect(written.filter((t) => !(auditEventTypes as readonly string[]).includes(t))).toEqual([]);
  });

  it('gives each type words without codes, UUIDs, JSON or nulls', () => {
    for (const type of auditEventTypes) {
      const sentence = say(type, { siteId: 'c8a0e1b2-0000-4000-8000-000000000001', siteName: 'Berlin HQ', role: 'site_member', reason: null, failed: [] });
      if (sentence === null) continue;
      expect(sentence, type).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-|\bnull\b|\[\]|\{|_|member:/);
      expect(sentence, type).not.toContain(type);
    }
  });

  it('an unknown type from an older row still reads as words', () => {
    expect(timelineSentence({ type: 'legacy.thing_done', actor: 'system', actorName: null, data: {} }, context)).toBe('Recorded: legacy thing done');
  });
});

describe('the sentences', () => {
  it('status decisions: who and why, or the directory', () => {
    expect(say('member.disabled', { action: 'disable', reason: 'left the company', status: 'disabled' })).toBe('Disabled by Avery Admin: left the company');
    expect(say('member.disabled', { action: 'disable', reason: null })).toBe('Disabled by Avery Admin');
    expect(say('member.enabled', { action: 'enable', reason: 'back from leave' })).toBe('Enabled by Avery Admin: back from leave');
    expect(say('member.enabled', { action: 'follow_directory', status: 'active' })).toBe('Enabled when Avery Admin handed the decision back to the directory');
    expect(say('member.status_override_changed', { action: 'follow_directory', status: 'disabled' })).toBe('Avery Admin handed the decision back to the directory; they stay disabled');
    expect(say('member.status_override_changed', { action: 'disable', reason: 'audit' })).toBe('Avery Admin decided they stay disabled whatever the directory says: audit');
    expect(say('member.status_override_changed', { action: 'enable', reason: null })).toBe('Avery Admin decided they stay active whatever the directory says');
    const directory = { actor: 'directory', actorName: null };
    expect(say('member.disabled', { directoryState: 'deleted' }, directory)).toBe('Disabled because the directory removed them');
    expect(say('member.disabled', { directoryState: 'inactive' }, directory)).toBe('Disabled because the directory deactivated them');
    expect(say('member.enabled', { directoryState: 'active' }, directory)).toBe('Enabled again because the directory lists them as active');
    expect(say('member.status_override_changed', { directoryState: 'inactive' }, directory)).toBe("The directory now says deactivated; an admin's decision still sets their status");
    expect(say('member.disabled', { action: 'disable' }, { actor: 'member:gone', actorName: null })).toBe('Disabled by a former admin');
  });

  it('sign-in, creation and profile', () => {
    const idp = { actor: 'idp:https://login.acme.test', actorName: null };
    expect(say('identity.linked', { iss: 'x', sub: 'y' }, idp)).toBe('Signed in for the first time through Acme SSO');
    expect(say('member.created', { source: 'jit' }, idp)).toBe('Account created at their first sign-in through Acme SSO');
    expect(say('member.created', { source: 'invitation' }, idp)).toBe('Account created from an invitation');
    expect(say('member.created', { source: 'directory' }, { actor: 'scim:t', actorName: null })).toBe('Account created by the directory');
    expect(say('identity.link_refused', {}, idp)).toMatch(/^A sign-in through Acme SSO was refused/);
    expect(say('identity.reset', { unlinked: [] })).toBe('Avery Admin reset their sign-in link: their next sign-in through Acme SSO may link by email again');
    expect(say('identity.reset', {}, { actor: 'operator', actorName: null })).toMatch(/^The operator reset their sign-in link/);
    expect(say('invitation.accepted', { invitationId: 'x' }, idp)).toBe('Accepted their invitation');
    expect(say('member.profile_updated', { name: { from: 'Al', to: 'Alice' } }, idp)).toBe('Name changed from Al to Alice at sign-in');
    expect(say('member.profile_updated', { name: { from: '', to: 'Alice' }, email: { from: 'a@x.test', to: 'alice@x.test' } }, { actor: 'scim:t', actorName: null })).toBe(
      'Name set to Alice and email changed from a@x.test to alice@x.test by the directory',
    );
    expect(say('member.role_changed', { orgRole: 'org_admin', previous: 'member' })).toBe('Made org admin by Avery Admin');
    expect(say('member.role_changed', { orgRole: 'member', previous: 'org_admin' })).toBe('Made a member (no longer org admin) by Avery Admin');
    expect(say('member.role_changed', { orgRole: 'org_admin', via: 'invitation' }, idp)).toBe('Made org admin by accepting an invitation');
    expect(say('member.role_changed', { orgRole: 'org_admin' }, { actor: 'operator', actorName: null })).toBe('Made org admin by the operator');
  });

  it('sites and reminders', () => {
    expect(say('site_assignment.added', { siteName: 'Berlin HQ', role: 'site_member' })).toBe('Avery Admin gave them access to Berlin HQ as a site member');
    expect(say('site_assignment.removed', { siteName: 'Berlin HQ', role: 'site_admin' })).toBe('Avery Admin removed them from Berlin HQ');
    expect(say('site_assignment.removed', { siteName: 'Berlin HQ', leftGroup: 'Berlin Office' }, { actor: 'scim:t1', actorName: null })).toBe('The directory removed them from Berlin HQ as they left group Berlin Office');
    expect(say('site_assignment.role_changed', { siteName: 'Berlin HQ', from: 'site_member', to: 'site_admin' })).toBe('Avery Admin changed their role at Berlin HQ from site member to site admin');
    expect(say('site_assignment.added', { role: 'site_member' }, { actor: 'operator', actorName: null })).toBe('The operator gave them access to a deleted site as a site member');
    const system = { actor: 'system', actorName: null };
    expect(say('site_access.reminder_sent', { step: 2, of: 5, delivered: ['admin@acme.test'], rejected: [], failed: [] }, system)).toBe('Reminder 2 of 5 sent to admin@acme.test');
    expect(say('site_access.reminder_sent', { step: 5, of: 5, delivered: ['a@acme.test'], rejected: ['b@acme.test'], failed: ['c@acme.test'] }, system)).toBe(
      'Reminder 5 of 5 sent to a@acme.test; could not reach b@acme.test, c@acme.test',
    );
    expect(say('site_access.reminder_sent', { step: 1, of: 5, delivered: [], rejected: [], failed: [] }, system)).toBe('Reminder 1 of 5 not delivered to anyone');
  });

  it('the directory and its bookkeeping', () => {
    const scim = { actor: 'scim:t', actorName: null };
    expect(say('directory.user_created', { linked: false }, scim)).toBe('Added by the directory');
    expect(say('directory.user_created', { linked: true }, scim)).toBe('The directory took over this existing account');
    expect(say('directory.user_updated', { changed: ['active', 'name'] }, scim)).toBe('The directory updated active, name');
    expect(say('directory.user_deleted', {}, scim)).toBe('Deleted from the directory');
    expect(say('directory.event_parked', { attempts: 8 }, { actor: 'system:directory-backstop', actorName: null })).toBe(
      'A directory change could not be applied after 8 attempts; the operator can retry it',
    );
    expect(say('directory.event_retried', {}, { actor: 'operator', actorName: null })).toBe('The operator retried a directory change that had been held back');
  });

  it('leaves out bookkeeping and events about other people', () => {
    expect(say('member.lifecycle_started')).toBeNull();
    expect(say('invitation.created', { email: 'guest@partner.test' })).toBeNull();
    expect(say('invitation.revoked', { invitationId: 'x' })).toBeNull();
  });

  it('organisation events read as words too', () => {
    const op = { actor: 'operator', actorName: null };
    expect(say('org.created', {}, op)).toBe('Organisation created');
    expect(say('domain.verified', { domain: 'acme.test' }, op)).toBe('Domain acme.test verified');
    expect(say('domain.removed', { domain: 'acme.test' }, op)).toBe('Domain acme.test removed');
    expect(say('sso.configured', {}, op)).toBe('Single sign-on configured');
    const it = { actor: 'setup:it@acme.test', actorName: null };
    expect(say('sso.configured', { issuer: 'https://acme.okta.com' }, it)).toBe('Single sign-on configured with the issuer https://acme.okta.com');
    expect(say('sso.draft_saved', { issuer: 'https://acme.okta.com' }, it)).toBe('Single sign-on draft saved for the issuer https://acme.okta.com');
    expect(say('sso.draft_discarded', {}, it)).toBe('Single sign-on draft discarded');
    expect(say('sso.test_succeeded', { email: 'jo@acme.test' }, it)).toBe('Test sign-in with the single sign-on draft succeeded as jo@acme.test');
    expect(say('sso.test_failed', { reason: 'The token endpoint refused the code.' }, it)).toBe('Test sign-in with the single sign-on draft failed: The token endpoint refused the code.');
    expect(say('site.created', { name: 'Berlin HQ' }, op)).toBe('Site Berlin HQ created');
    expect(say('it_contact.added', { email: 'it@acme.test' }, op)).toBe('IT contact it@acme.test added');
    expect(say('scim_token.rotated', {}, op)).toBe('Directory token rotated');
  });
});
