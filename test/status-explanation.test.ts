import { describe, expect, it } from 'vitest';
import { directoryStates, statusView, type DirectoryState, type OverrideKind, type StatusDecision } from '../domain/lifecycle.ts';
import { explainStatus } from '../domain/status-explanation.ts';

const decision = (state: DirectoryState, kind: OverrideKind | null, reason: string | null = null): StatusDecision => ({
  directory: { state, seq: state === 'none' ? 0 : 1, at: null },
  override: kind ? { kind, by: 'avery-id', at: '2026-11-29T10:00:00.000Z', reason } : null,
});
const explain = (d: StatusDecision) => explainStatus(statusView(d), d.override ? 'Avery Admin' : null);

describe('the status in one sentence, for every directory state and decision', () => {
  it('nobody decided: the directory (or no directory) speaks, in words', () => {
    expect(explain(decision('none', null)).summary).toBe('Active: no directory manages them and no admin has disabled them.');
    expect(explain(decision('active', null)).summary).toBe('Active because the directory lists them as active.');
    expect(explain(decision('inactive', null)).summary).toBe('Disabled because the directory has deactivated them.');
    expect(explain(decision('deleted', null)).summary).toBe('Disabled because the directory has removed them.');
  });

  it('an admin decided: who and why, and whether the directory agrees', () => {
    expect(explain(decision('active', 'disabled', 'left the company')).summary).toBe(
      'Disabled by Avery Admin: “left the company”; although the directory lists them as active, this decision stands until an admin follows the directory again.',
    );
    expect(explain(decision('none', 'disabled')).summary).toBe(
      'Disabled by Avery Admin (no reason given); although no directory manages them, this decision stands until an admin follows the directory again.',
    );
    expect(explain(decision('deleted', 'disabled')).summary).toBe(
      'Disabled by Avery Admin (no reason given); the directory has removed them as well, and this decision stands until an admin follows the directory again.',
    );
    expect(explain(decision('none', 'enabled')).summary).toBe(
      'Enabled by Avery Admin (no reason given); no directory manages them, and this decision stands until an admin follows the directory again.',
    );
    expect(explain(decision('deleted', 'enabled', 'contractor')).summary).toBe(
      'Enabled by Avery Admin: “contractor”; although the directory has removed them, this decision stands until an admin follows the directory again.',
    );
    expect(explainStatus(statusView(decision('active', 'disabled')), null).summary).toMatch(/^Disabled by a former admin/);
  });

  it('never shows codes: no "none", "not in a directory", "manual" or "override" in any sentence', () => {
    for (const state of directoryStates) {
      for (const kind of [null, 'disabled', 'enabled'] as const) {
        const { summary, consequences } = explain(decision(state, kind));
        for (const words of [summary, ...Object.values(consequences)]) expect(words).not.toMatch(/\bnone\b|not in a directory|manual|override|inactive|deleted/);
      }
    }
  });
});

describe('what each offered decision will do, before it is pressed', () => {
  it('offers disable only to an active member, enable only to a disabled one, follow the directory only over a decision', () => {
    for (const state of directoryStates) {
      for (const kind of [null, 'disabled', 'enabled'] as const) {
        const d = decision(state, kind);
        const { consequences } = explain(d);
        const status = statusView(d).status;
        expect(Object.keys(consequences).sort(), `${state}/${kind}`).toEqual(
          [status === 'active' ? 'disable' : 'enable', ...(kind ? ['follow_directory'] : [])].sort(),
        );
      }
    }
  });

  it('follow the directory says the outcome the lifecycle rule gives', () => {
    expect(explain(decision('active', 'disabled')).consequences.follow_directory).toBe(
      'Follow the directory: the admin decision is dropped and, as the directory lists them as active, they become active again.',
    );
    expect(explain(decision('none', 'disabled')).consequences.follow_directory).toBe(
      'Follow the directory: the admin decision is dropped and, as no directory manages them, they become active again.',
    );
    expect(explain(decision('deleted', 'enabled')).consequences.follow_directory).toBe(
      'Follow the directory: the admin decision is dropped and, as the directory has removed them, they are disabled and signed out.',
    );
    expect(explain(decision('inactive', 'disabled')).consequences.follow_directory).toBe(
      'Follow the directory: the admin decision is dropped and, as the directory has deactivated them, they stay disabled.',
    );
    expect(explain(decision('active', 'enabled')).consequences.follow_directory).toMatch(/they stay active\.$/);
  });

  it('enable warns when it goes against the directory; disable says it sticks', () => {
    expect(explain(decision('deleted', null)).consequences.enable).toBe(
      'Enable: they can sign in again even though the directory has removed them, until an admin follows the directory again.',
    );
    expect(explain(decision('none', 'disabled')).consequences.enable).toMatch(/^Enable: they can sign in again, and later directory changes do not disable them/);
    expect(explain(decision('active', null)).consequences.disable).toMatch(/^Disable: they are signed out at once and cannot sign in; the directory cannot enable them/);
  });
});
