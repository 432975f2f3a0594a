import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSession, resolveSession } from '../auth/sessions.ts';
import { loadConfig } from '../config/index.ts';
import { decideMemberStatus, type StatusDecisionName } from '../temporal/member-status.ts';
import { memberStateQuery, memberWorkflowId, searchAttributes } from '../workflows/definitions.ts';
import { sendDirectoryEvent } from '../temporal/directory-events.ts';
import { insertMember, insertOrg } from './support/fixtures.ts';
import { commandsArbitrary, model, type Command } from './support/lifecycle-model.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';
import { testEmailHash, withEmailHash } from './support/payload-keys.ts';

const RUNS = Number(process.env.LIFECYCLE_PROPERTY_RUNS ?? 40);
const config = loadConfig({ APP_ENV: 'test' });
const routeOf: Record<Exclude<Command, { directory: unknown }>['admin'], StatusDecisionName> = {
  disable: 'disable',
  enable: 'enable',
  follow_directory: 'follow-directory',
};

let h: TestHarness;
let org: { id: string; slug: string };
let boss: string;
beforeAll(async () => {
  h = await startHarness();
  org = await insertOrg(h.sql);
  boss = (await insertMember(h.sql, org.id, `boss@${org.slug}.test`, { orgRole: 'org_admin' })).id;
});
afterAll(async () => {
  await h?.stop();
});

/**
 * Sends the commands in order to a fresh member's real lifecycle: directory events as the SCIM
 * layer does (signal-with-start, not awaited by the workflow), admin decisions as the api does
 * (update-with-start, whose answer must match the model at that step).
 */
async function play(commands: readonly Command[]) {
  const email = `m-${Math.random().toString(36).slice(2, 10)}@${org.slug}.test`;
  const { id: memberId } = await insertMember(h.sql, org.id, email, { source: 'directory' });
  const member = { orgId: org.id, orgSlug: org.slug, memberId, email, source: 'directory' as const };
  const session = await createSession(h.sql, config, memberId);
  for (const [i, command] of commands.entries()) {
    if ('directory' in command) {
      await sendDirectoryEvent(h.client, member, command.directory, h.taskQueue, testEmailHash);
      continue;
    }
    const answer = await decideMemberStatus(h.client, h.taskQueue, withEmailHash(member), routeOf[command.admin], { by: boss, reason: command.reason });
    expect(answer.status, `answer to command ${i}`).toBe(model(commands.slice(0, i + 1)).status);
  }
  return { member, session };
}

it(`any interleaving of directory events (duplicated, reordered) and admin decisions ends where the model does (${RUNS} runs)`, { timeout: 600_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(commandsArbitrary(12).filter((cs) => cs.length > 0), async (commands) => {
      const expected = model(commands);
      const { member, session } = await play(commands);
      const handle = h.client.workflow.getHandle(memberWorkflowId(member.orgSlug, member.memberId));
      // Directory events are not awaited: once the highest seq shows, every earlier one was taken.
      const state = await eventually(async () => {
        const s = await handle.query(memberStateQuery);
        return s.directory.seq === expected.directory.seq ? s : undefined;
      });
      expect(state.status).toBe(expected.status);
      expect(state.directory.state).toBe(expected.directory.state);
      expect(state.override && { kind: state.override.kind, reason: state.override.reason }).toEqual(expected.override);

      const [row] = await h.sql`select status, directory_state as "directoryState", status_override as override from members where id = ${member.memberId}`;
      expect(row).toEqual({ status: expected.status, directoryState: expected.directory.state, override: expected.override?.kind ?? null });
      const audited = await h.sql`select 1 from audit_events where member_id = ${member.memberId} and type like 'member.%' and type <> 'member.lifecycle_started'`;
      expect(audited).toHaveLength(expected.audited);
      const everDisabled = commands.some((_, i) => model(commands.slice(0, i + 1)).status === 'disabled');
      expect(await resolveSession(h.sql, config, session)).toEqual(everDisabled ? undefined : expect.objectContaining({ memberId: member.memberId }));

      const typed = (await handle.describe()).typedSearchAttributes;
      expect(typed.get(searchAttributes.memberStatus)).toBe(expected.status);
      expect(typed.get(searchAttributes.statusOverride)).toBe(expected.override?.kind);
      await handle.terminate('property run finished');
    }),
    { numRuns: RUNS },
  );
});
