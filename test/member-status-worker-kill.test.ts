import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSession, resolveSession } from '../auth/sessions.ts';
import { loadConfig } from '../config/index.ts';
import { memberStateQuery, memberWorkflowId, type DirectoryEvent } from '../workflows/definitions.ts';
import { sendDirectoryEvent } from '../temporal/directory-events.ts';
import { insertMember, insertOrg } from './support/fixtures.ts';
import { deleteMaintenanceSchedules, startWorkerProcess } from './support/processes.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';
import { testEmailHash } from './support/payload-keys.ts';

// Served only by the worker processes below; the harness's own worker polls another queue.
const taskQueue = `status-kill-${randomUUID()}`;
const workers = new Set<ChildProcess>();
const config = loadConfig({ APP_ENV: 'test' });

let h: TestHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  if (h) await deleteMaintenanceSchedules(h.client, taskQueue);
  await h?.stop();
});

async function startWorker() {
  const worker = await startWorkerProcess(taskQueue);
  workers.add(worker);
  worker.once('exit', () => workers.delete(worker));
  return worker;
}

it('a worker killed with SIGKILL mid-transition: after a restart the member is disabled once, and the event sent meanwhile is not lost', async () => {
  const first = await startWorker();
  const org = await insertOrg(h.sql);
  const ann = await insertMember(h.sql, org.id, `ann@${org.slug}.test`, { source: 'directory' });
  const member = { orgId: org.id, orgSlug: org.slug, memberId: ann.id, email: ann.email };
  const lifecycle = h.client.workflow.getHandle(memberWorkflowId(org.slug, ann.id));
  const event = (state: DirectoryEvent['state'], seq: number) => ({ state, seq, at: new Date().toISOString() });
  const untilApplied = (seq: number) =>
    eventually(async () => ((await lifecycle.query(memberStateQuery).catch(() => undefined))?.directory.seq === seq ? true : undefined), 60_000);
  await sendDirectoryEvent(h.client, member, event('active', 1), taskQueue, testEmailHash);
  await untilApplied(1);
  const session = await createSession(h.sql, config, ann.id);

  // Hold the member's row: the projection's transaction starts and waits on it, uncommitted.
  const holder = await h.sql.reserve();
  await holder`begin`;
  await holder`select 1 from members where id = ${ann.id} for update`;
  await sendDirectoryEvent(h.client, member, event('inactive', 2), taskQueue, testEmailHash);
  await eventually(async () => {
    const [waiting] = await h.sql`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%for update%' and pid <> ${(await holder`select pg_backend_pid() as pid`)[0]!.pid}`;
    return waiting ? true : undefined;
  });
  const killed = new Promise((resolve) => first.once('exit', (_code, signal) => resolve(signal)));
  first.kill('SIGKILL');
  expect(await killed).toBe('SIGKILL');
  await sendDirectoryEvent(h.client, member, event('active', 3), taskQueue, testEmailHash);
  await holder`rollback`;
  holder.release();
  expect((await h.sql`select status from members where id = ${ann.id}`)[0]!.status).toBe('active');

  const second = await startWorker();
  await untilApplied(3);
  const events = await h.sql`select actor, type from audit_events where member_id = ${ann.id} and type <> 'member.lifecycle_started' order by id`;
  expect(events).toEqual([
    { actor: 'directory', type: 'member.disabled' },
    { actor: 'directory', type: 'member.enabled' },
  ]);
  expect((await h.sql`select status from members where id = ${ann.id}`)[0]!.status).toBe('active');
  expect(await resolveSession(h.sql, config, session)).toBeUndefined();
  const attempts = (await lifecycle.fetchHistory()).events?.flatMap((e) => e.activityTaskStartedEventAttributes?.attempt ?? []);
  expect(attempts).toEqual([1, 2, 1]);

  await lifecycle.terminate('test finished');
  const stopped = new Promise((resolve) => second.once('exit', resolve));
  second.kill('SIGTERM');
  expect(await stopped).toBe(0);
}, 180_000);
