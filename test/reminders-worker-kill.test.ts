import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { announceSiteAccessChange } from '../temporal/site-access.ts';
import { lifecycleStart, memberWorkflowId, siteAccessRemindersWorkflowId } from '../workflows/definitions.ts';
import { memberLifecycleWorkflow } from '../workflows/index.ts';
import { insertMember, insertOrg, insertSiteAssignment } from './support/fixtures.ts';
import { deleteMaintenanceSchedules, spawnEntry } from './support/processes.ts';
import { eventually, startHarness, type TestHarness } from './support/temporal.ts';
import { testEmailHash } from './support/payload-keys.ts';

// Served only by the worker processes below; the harness's own worker polls another queue.
const taskQueue = `worker-kill-${randomUUID()}`;
const workers = new Set<ChildProcess>();

let h: TestHarness;
let smtp: SmtpSink;
beforeAll(async () => {
  smtp = await startSmtpSink();
  h = await startHarness();
});
afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  if (h) await deleteMaintenanceSchedules(h.client, taskQueue);
  await h?.stop();
  await smtp?.stop();
});

/** `npm run start:worker` as a process of its own, on the short schedule; resolves once it polls. */
async function startWorker(): Promise<ChildProcess> {
  const worker = spawnEntry('worker/main.ts', [], {
    TASK_QUEUE: taskQueue,
    SMTP_URL: smtp.url,
    PUBLIC_URL: 'https://sso.example.test',
    REMINDER_SCHEDULE: '4s,15s,40s',
    REMINDER_DIGEST_WINDOW: '1s',
    LOG_LEVEL: 'info',
  });
  workers.add(worker);
  worker.once('exit', () => workers.delete(worker));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    worker.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('"msg":"worker started"')) resolve();
    });
    worker.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    worker.once('exit', (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before it started:\n${output}`)));
  });
  return worker;
}

const recipients = (mail: ParsedMail) => [mail.to].flat().flatMap((to) => to?.value.map((v) => v.address) ?? []);

it('a worker killed with SIGKILL between two steps: the next worker sends every step once, none lost, none twice', async () => {
  const first = await startWorker();
  const org = await insertOrg(h.sql);
  const boss = await insertMember(h.sql, org.id, `boss@${org.slug}.test`, { orgRole: 'org_admin' });
  const [site] = await h.sql`insert into sites (org_id, name) values (${org.id}, 'HQ') returning id`;
  await insertSiteAssignment(h.sql, { orgId: org.id, memberId: boss.id, siteId: site!.id, role: 'site_admin' });
  const ann = await insertMember(h.sql, org.id, `ann@${org.slug}.test`, { source: 'jit' });
  const [{ createdAt }]: [{ createdAt: Date }] = await h.sql`select created_at as "createdAt" from members where id = ${ann.id}`;
  await h.client.workflow.start(memberLifecycleWorkflow, {
    taskQueue,
    workflowId: memberWorkflowId(org.slug, ann.id),
    ...lifecycleStart({ orgId: org.id, orgSlug: org.slug, memberId: ann.id, emailHash: testEmailHash(ann.email), source: 'jit', waitingSince: createdAt.toISOString() }),
  });
  const mailsToBoss = () => smtp.messages.filter((mail) => recipients(mail).includes(boss.email));

  // Step 1 is out and its activity finished: the workflow sleeps towards step 2 when the worker dies.
  const reminders = h.client.workflow.getHandle(siteAccessRemindersWorkflowId(org.slug));
  await eventually(async () => (mailsToBoss().length === 1 ? true : undefined), 60_000);
  await eventually(async () => ((await reminders.describe()).raw.pendingActivities?.length === 0 ? true : undefined));
  const killed = new Promise((resolve) => first.once('exit', (_code, signal) => resolve(signal)));
  first.kill('SIGKILL');
  expect(await killed).toBe('SIGKILL');
  // Down past step 2's time, which the next worker then sends late, once (step 3 is far enough off not to be due yet).
  await sleep(Math.max(0, createdAt.getTime() + 15_000 + 1_000 - Date.now()));

  const second = await startWorker();
  await eventually(async () => (mailsToBoss().length >= 3 ? true : undefined), 60_000);
  await sleep(2_000);
  expect(mailsToBoss().map((mail) => mail.subject)).toEqual([
    `1 member of Org ${org.slug} waiting for site access`,
    `Reminder 2 of 3: 1 member of Org ${org.slug} waiting for site access`,
    `Final notice: 1 member of Org ${org.slug} still without site access`,
  ]);
  const logged = await h.sql`select status from email_log where org_id = ${org.id}`;
  expect(logged).toEqual([{ status: 'sent' }, { status: 'sent' }, { status: 'sent' }]);

  const assigned = await insertSiteAssignment(h.sql, { orgId: org.id, memberId: ann.id, siteId: site!.id });
  const ref = { orgId: org.id, orgSlug: org.slug, memberId: ann.id };
  await announceSiteAccessChange(h.client, ref, { pendingSince: null, changedAt: assigned.createdAt.toISOString() }, taskQueue);
  await reminders.result();
  const stopped = new Promise((resolve) => second.once('exit', resolve));
  second.kill('SIGTERM');
  expect(await stopped).toBe(0);
}, 180_000);
