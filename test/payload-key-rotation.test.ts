import { randomBytes } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { dataConverter } from '../temporal/data-converter.ts';
import { sendDirectoryEvent } from '../temporal/directory-events.ts';
import { EncryptionCodec, KEY_ID_METADATA, type PayloadKey } from '../temporal/payload-codec.ts';
import { lifecycleStart, memberStateQuery, memberWorkflowId } from '../workflows/definitions.ts';
import { memberLifecycleWorkflow } from '../workflows/index.ts';
import { insertMember, insertOrg } from './support/fixtures.ts';
import { testEmailHash, withEmailHash } from './support/payload-keys.ts';
import { eventually, startHarness, untilLifecycleStarted, type TestHarness } from './support/temporal.ts';

/*
 * A rotation as an operator does it: PAYLOAD_KEYS gains a new key in front, the worker restarts.
 * The restarted worker has no cached run, so it replays what the old key sealed before it can go on.
 */
const old: PayloadKey = { id: 'rotation-old', key: randomBytes(32) };
const fresh: PayloadKey = { id: 'rotation-new', key: randomBytes(32) };
const harnesses: TestHarness[] = [];

afterAll(async () => {
  for (const h of harnesses) await h.stop().catch(() => undefined);
});

/** The key id of every encrypted payload in a history event, wherever in the event it sits. */
function keyIds(value: unknown, found: string[] = []): string[] {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return found;
  const id = (value as { metadata?: Record<string, Uint8Array> }).metadata?.[KEY_ID_METADATA];
  if (id) found.push(new TextDecoder().decode(id));
  for (const inner of Object.values(value)) keyIds(inner, found);
  return found;
}

it('a lifecycle started under the old key goes on under the new one after PAYLOAD_KEYS puts a new key in front', { timeout: 60_000 }, async () => {
  const before = await startHarness({ dataConverter: dataConverter([old]) });
  harnesses.push(before);
  const org = await insertOrg(before.sql);
  const member = await insertMember(before.sql, org.id, `rotated@${org.slug}.test`, { source: 'directory' });
  const ref = { orgId: org.id, orgSlug: org.slug, memberId: member.id, email: member.email, source: 'directory' as const };
  const workflowId = memberWorkflowId(org.slug, member.id);
  await before.client.workflow.start(memberLifecycleWorkflow, { taskQueue: before.taskQueue, workflowId, ...lifecycleStart(withEmailHash({ ...ref, waitingSince: null })) });
  await untilLifecycleStarted(before.sql, org.id);
  await before.stop();
  harnesses.pop();

  const after = await startHarness({ taskQueue: before.taskQueue, dataConverter: dataConverter([fresh, old]) });
  harnesses.push(after);
  const handle = after.client.workflow.getHandle(workflowId);
  const eventsBefore = (await handle.fetchHistory()).events?.length ?? 0;
  await sendDirectoryEvent(after.client, ref, { state: 'inactive', seq: 1, at: new Date().toISOString() }, after.taskQueue, testEmailHash);
  await eventually(async () => {
    const [row]: [{ status: string }?] = await after.sql`select status from members where id = ${member.id}`;
    return row?.status === 'disabled' || undefined;
  });
  expect(await handle.query(memberStateQuery)).toMatchObject({ status: 'disabled', directory: { state: 'inactive', seq: 1 } });

  const events = (await handle.fetchHistory()).events ?? [];
  const sealedBefore = new Set(events.slice(0, eventsBefore).flatMap((e) => keyIds(e)));
  const sealedAfter = new Set(events.slice(eventsBefore).flatMap((e) => keyIds(e)));
  expect([...sealedBefore]).toEqual([old.id]);
  expect([...sealedAfter]).toEqual([fresh.id]);

  // Without the old key its start cannot be read: the old key really is what opened it.
  const input = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  await expect(new EncryptionCodec([fresh]).decode(input)).rejects.toThrow(/rotation-old/);
});
