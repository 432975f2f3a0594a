import fc from 'fast-check';
import { adminActions, directoryStatus, type AdminAction, type DirectoryWord, type OverrideKind } from '../../domain/lifecycle.ts';
import type { MemberStatus } from '../../domain/member.ts';

export type Command = { directory: DirectoryWord } | { admin: AdminAction; reason: string | null };

/**
 * Directory events drawn from a small pool (one state per seq, as the service's sequence gives),
 * sent in any order and any number of times, mixed with admin decisions.
 */
export const commandsArbitrary = (maxCommands = 14) =>
  fc
    .uniqueArray(fc.record({ seq: fc.integer({ min: 1, max: 40 }), state: fc.constantFrom('active' as const, 'inactive' as const, 'deleted' as const) }), {
      selector: (e) => e.seq,
      minLength: 1,
      maxLength: 6,
    })
    .chain((pool) =>
      fc.array(
        fc.oneof(
          fc.constantFrom(...pool).map((e): Command => ({ directory: { ...e, at: new Date(Date.UTC(2026, 10, 1, 0, 0, e.seq)).toISOString() } })),
          fc.record({ admin: fc.constantFrom(...adminActions), reason: fc.option(fc.constantFrom('left the company', 'on leave', 'back'), { nil: null }) }),
        ),
        { maxLength: maxCommands },
      ),
    );

export interface ModelState {
  /** The directory's state of the highest seq seen, or none. */
  directory: { state: 'none' | DirectoryWord['state']; seq: number };
  override: { kind: OverrideKind; reason: string | null } | null;
  status: MemberStatus;
  /** Status flips and override changes: what gets an audit event. */
  audited: number;
}

/**
 * The specification, written apart from domain/lifecycle.ts: the directory's word is the one with
 * the highest seq; an override is set by disable/enable (the first reason of a repeated decision
 * stays) and cleared by follow-directory; an override wins.
 */
export function model(commands: readonly Command[]): ModelState {
  let directory: ModelState['directory'] = { state: 'none', seq: 0 };
  let override = null as ModelState['override'];
  let status: MemberStatus = 'active';
  let audited = 0;
  for (const command of commands) {
    const overrideBefore: ModelState['override'] = override;
    if ('directory' in command) {
      directory = command.directory.seq > directory.seq ? { state: command.directory.state, seq: command.directory.seq } : directory;
    } else if (command.admin === 'follow_directory') {
      override = null;
    } else {
      const kind: OverrideKind = command.admin === 'disable' ? 'disabled' : 'enabled';
      if (override?.kind !== kind) override = { kind, reason: command.reason };
    }
    const next: MemberStatus = override ? (override.kind === 'disabled' ? 'disabled' : 'active') : directoryStatus(directory.state);
    if (next !== status || override !== overrideBefore) audited++;
    status = next;
  }
  return { directory, override, status, audited };
}
