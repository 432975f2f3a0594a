import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyAdminAction,
  applyDirectoryEvent,
  disabledBy,
  effectiveStatus,
  followingDirectory,
  statusView,
  type AdminAction,
  type DirectoryWord,
  type StatusDecision,
} from '../domain/lifecycle.ts';
import { commandsArbitrary, model, type Command } from './support/lifecycle-model.ts';

const ADMIN = '0b7e1d2a-5c1e-4f3a-9d7e-2a1b3c4d5e6f';
const AT = '2026-11-29T12:00:00.000Z';
const dir = (state: DirectoryWord['state'], seq: number): DirectoryWord => ({ state, seq, at: AT });
const admin = (action: AdminAction, reason: string | null = null) => ({ action, by: ADMIN, at: AT, reason });

/** Applies commands as the workflow does; a command that changes nothing keeps the decision. */
const run = (commands: readonly Command[], from: StatusDecision = followingDirectory) =>
  commands.reduce(
    (d, c) => ('directory' in c ? applyDirectoryEvent(d, c.directory) : applyAdminAction(d, admin(c.admin, c.reason))) ?? d,
    from,
  );
const steps = (...commands: Command[]) => run(commands);
const directory = (state: DirectoryWord['state'], seq: number): Command => ({ directory: dir(state, seq) });
const by = (action: AdminAction, reason: string | null = null): Command => ({ admin: action, reason });

describe('effective status', () => {
  it('is active for a member the directory never mentioned', () => {
    expect(statusView(followingDirectory)).toEqual({ status: 'active', directoryStatus: 'none', override: null, disabledBy: null });
  });

  it('follows the directory without an override: deactivated or deleted disables, active enables', () => {
    expect(effectiveStatus(steps(directory('inactive', 1)))).toBe('disabled');
    expect(effectiveStatus(steps(directory('deleted', 1)))).toBe('disabled');
    expect(effectiveStatus(steps(directory('inactive', 1), directory('active', 2)))).toBe('active');
    expect(disabledBy(steps(directory('deleted', 1)))).toBe('directory');
  });

  it('keeps a manual disable while the directory says active, until the admin follows the directory again', () => {
    const disabled = steps(directory('active', 1), by('disable', 'on leave'), directory('active', 2));
    expect(statusView(disabled)).toMatchObject({ status: 'disabled', directoryStatus: 'active', disabledBy: 'manual' });
    expect(disabled.override).toEqual({ kind: 'disabled', by: ADMIN, at: AT, reason: 'on leave' });
    expect(statusView(run([by('follow_directory')], disabled))).toMatchObject({ status: 'active', override: null, disabledBy: null });
  });

  it('applies the directory state that arrived under an override when the override is cleared', () => {
    const d = steps(by('disable'), directory('active', 1), directory('inactive', 2), by('follow_directory'));
    expect(statusView(d)).toMatchObject({ status: 'disabled', directoryStatus: 'inactive', disabledBy: 'directory' });
  });

  it('keeps a member the directory removed enabled after a manual enable, through later directory events, until followed', () => {
    const enabled = steps(directory('deleted', 1), by('enable', 'contractor until March'));
    expect(statusView(enabled)).toMatchObject({ status: 'active', directoryStatus: 'deleted', override: { kind: 'enabled' } });
    const later = run([directory('active', 2), directory('inactive', 3)], enabled);
    expect(effectiveStatus(later)).toBe('active');
    expect(statusView(run([by('follow_directory')], later))).toMatchObject({ status: 'disabled', disabledBy: 'directory' });
  });
});

describe('directory events', () => {
  it('ignore an event at or below the last applied seq: duplicates and late arrivals change nothing', () => {
    const d = steps(directory('inactive', 5));
    expect(applyDirectoryEvent(d, dir('inactive', 5))).toBeUndefined();
    expect(applyDirectoryEvent(d, dir('active', 4))).toBeUndefined();
    expect(applyDirectoryEvent(d, dir('active', 0))).toBeUndefined();
    expect(applyDirectoryEvent(d, dir('active', 6))?.directory).toEqual({ state: 'active', seq: 6, at: AT });
  });
});

describe('admin decisions', () => {
  it('repeating the decision in force changes nothing and keeps the first who, when and why', () => {
    const d = steps(by('disable', 'first'));
    expect(applyAdminAction(d, admin('disable', 'second'))).toBeUndefined();
    expect(applyAdminAction(followingDirectory, admin('follow_directory'))).toBeUndefined();
  });

  it('enable replaces a manual disable with a manual enable (the decision still sticks)', () => {
    expect(steps(by('disable'), by('enable')).override?.kind).toBe('enabled');
  });
});

describe('properties (fast-check)', () => {
  it('agrees with the model for any interleaving of directory events (duplicated, reordered) and admin decisions', () => {
    fc.assert(
      fc.property(commandsArbitrary(30), (commands) => {
        const d = run(commands);
        const expected = model(commands);
        expect(effectiveStatus(d)).toBe(expected.status);
        expect(d.directory.state).toBe(expected.directory.state);
        expect(d.directory.seq).toBe(expected.directory.seq);
        expect(d.override && { kind: d.override.kind, reason: d.override.reason }).toEqual(expected.override);
      }),
      { numRuns: 2_000 },
    );
  });

  it('reaches the same decision whatever order the directory events arrive in', () => {
    fc.assert(
      fc.property(
        commandsArbitrary(20).map((cs) => cs.filter((c) => 'directory' in c)),
        fc.infiniteStream(fc.nat()),
        (events, picks) => {
          const shuffled = [...events];
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = picks.next().value % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
          }
          expect(run(shuffled)).toEqual(run(events));
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('a manual disable survives every directory event; following the directory then shows the directory\'s status', () => {
    fc.assert(
      fc.property(commandsArbitrary(20).map((cs) => cs.filter((c) => 'directory' in c)), (events) => {
        const held = run(events, run([by('disable')]));
        expect(effectiveStatus(held)).toBe('disabled');
        const followed = run([by('follow_directory')], held);
        expect(effectiveStatus(followed)).toBe(model(events).status);
      }),
      { numRuns: 1_000 },
    );
  });
});
