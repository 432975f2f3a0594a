import { describe, expect, it } from 'vitest';
import { canHandBack, siteSourceWords } from '../api/pages/site-source-words.ts';
import type { SiteSource } from '../db/site-sources.ts';

const berlin = { id: 'g1', name: 'Berlin Office' };
const sales = { id: 'g2', name: 'Sales' };
const source = (s: Partial<SiteSource>): SiteSource => ({ site: { id: 's1', name: 'Berlin HQ' }, role: null, ruleRole: null, groups: [], decision: null, ...s });
const by = (kind: 'granted' | 'removed', role: SiteSource['role'] = null) => ({ kind, role, by: 'member:a', byName: 'Avery Admin', at: new Date(0) });

describe('where a member page says a site comes from', () => {
  it('the rules alone: the groups whose rules give it', () => {
    expect(siteSourceWords(source({ role: 'site_member', ruleRole: 'site_member', groups: [berlin] }))).toBe('from group Berlin Office');
    expect(siteSourceWords(source({ role: 'site_admin', ruleRole: 'site_admin', groups: [berlin, sales] }))).toBe('from groups Berlin Office and Sales');
    // A rule just made, its members still being updated.
    expect(siteSourceWords(source({ ruleRole: 'site_member', groups: [berlin] }))).toBe('group Berlin Office gives site member; being applied');
  });

  it('an admin\'s decision, and the rules it stands over', () => {
    expect(siteSourceWords(source({ role: 'site_member', decision: by('granted', 'site_member') }))).toBe('granted by Avery Admin');
    expect(siteSourceWords(source({ role: 'site_admin', ruleRole: 'site_member', groups: [berlin], decision: by('granted', 'site_admin') }))).toBe(
      'site role set by Avery Admin (group Berlin Office gives site member)',
    );
    expect(siteSourceWords(source({ role: 'site_member', ruleRole: 'site_member', groups: [berlin, sales], decision: by('granted', 'site_member') }))).toBe(
      'granted by Avery Admin (groups Berlin Office and Sales give it too)',
    );
    expect(siteSourceWords(source({ ruleRole: 'site_member', groups: [berlin], decision: by('removed') }))).toBe('removed by Avery Admin despite group Berlin Office');
    expect(siteSourceWords(source({ decision: by('removed') }))).toBe('removed by Avery Admin; no group rule gives it now');
  });

  it('nothing speaks for an assignment whose rule was just deleted: no words', () => {
    expect(siteSourceWords(source({ role: 'site_member' }))).toBeNull();
  });

  it('hand back is offered only for a decision a group rule also speaks about', () => {
    expect(canHandBack(source({ groups: [berlin], decision: by('removed') }))).toBe(true);
    expect(canHandBack(source({ decision: by('granted', 'site_member') }))).toBe(false);
    expect(canHandBack(source({ decision: by('removed') }))).toBe(true);
    expect(canHandBack(source({ role: 'site_member', groups: [berlin] }))).toBe(false);
  });
});
