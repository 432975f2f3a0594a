import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { nudgeReminders } from '../temporal/site-access.ts';
import { insertMember, insertOrg } from './support/fixtures.ts';
import { deleteMaintenanceSchedules, startWorkerProcess } from './support/processes.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';

// Served only by the worker process below; the harness's own worker polls another queue.
const taskQueue = `drain-${randomUUID()}`;

let h: TestHarness;
let smtp: SmtpSink;
let release = () => {};
const stall = new Promise<void>((resolve) => (release = resolve));
let held = 0;
beforeAll(async () => {
  smtp = await startSmtpSink({
    beforeRecipient: async () => {
      held++;
      await stall;
    },
  });
  h = await startHarness();
});
afterAll(async () => {
  release();
  if (h) await deleteMaintenanceSchedules(h.client, taskQueue);
  await h?.stop();
  await smtp?.stop();
});

it('SIGTERM lets the mail worker finish a digest already at the mail server before the process exits', async () => {
  const worker = await startWorkerProcess(taskQueue, { SMTP_URL: smtp.url, REMINDER_SCHEDULE: '1s,1h', REMINDER_DIGEST_WINDOW: '1s' });
  const exited = new Promise<number | null>((resolve) => worker.once('exit', resolve));
  const org = await insertOrg(h.sql);
  const boss = await insertMember(h.sql, org.id, `boss@${org.slug}.test`, { orgRole: 'org_admin' });
  await h.sql`
    insert into members (org_id, email, name, source, site_access_pending_since)
    values (${org.id}, ${`newcomer@${org.slug}.test`}, 'Newcomer', 'jit', now() - interval '10 seconds')`;
  await nudgeReminders(h.client, { orgId: org.id, orgSlug: org.slug }, taskQueue, { dueAt: new Date().toISOString() });
  await eventually(async () => (held > 0 ? true : undefined), 30_000);

  worker.kill('SIGTERM');
  // Draining, not gone: the digest holds a mail slot (the grace time is 20 s).
  await sleep(1_000);
  expect(worker.exitCode).toBeNull();
  release();
  expect(await exited).toBe(0);

  expect(smtp.messages.map((mail) => mail.to && [mail.to].flat().flatMap((to) => to.value.map((v) => v.address)))).toEqual([[boss.email]]);
  expect(await h.sql`select status from email_log where org_id = ${org.id}`).toEqual([{ status: 'sent' }]);
}, 90_000);
