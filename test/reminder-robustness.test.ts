/**
 * Attacks on the site-access reminders found by a second reviewer: a mailbox that keeps deferring,
 * overlapping attempts of one digest, a malformed nudge, orgs that cannot be mailed, and nudges
 * that would cost Actions for nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { reminderActivities } from '../activities/reminders.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { freePort } from '../dev/ports.ts';
import { nudgeReminders } from '../temporal/site-access.ts';
import { lifecycleStart, memberWorkflowId, siteAccessRemindersWorkflowId } from '../workflows/definitions.ts';
import { memberLifecycleWorkflow } from '../workflows/index.ts';
import { createMailer } from '../worker/mailer.ts';
import { insertOrg, insertSiteAssignment } from './support/fixtures.ts';
import { eventually, reminderSettings, startHarness, type TestHarness } from './support/temporal.ts';
import { testEmailHash } from './support/payload-keys.ts';

const env = { REMINDER_SCHEDULE: '4s,8s,12s,16s,20s', REMINDER_DIGEST_WINDOW: '1s', PUBLIC_URL: 'https://sso.example.test' };
const settings = reminderSettings({ ...env, REMINDER_RECIPIENT_ATTEMPTS: '2' });

let h: TestHarness;
let smtp: SmtpSink;
beforeAll(async () => {
  smtp = await startSmtpSink({ defers: (address) => address.startsWith('full@') });
  h = await startHarness({ smtpUrl: smtp.url, reminders: settings });
});
afterAll(async () => {
  await h?.stop();
  await smtp?.stop();
});

const mailsTo = (to: string) => smtp.messages.filter((mail) => JSON.stringify(mail.to ?? '').includes(to));
const reminders = (org: { slug: string }) => h.client.workflow.getHandle(siteAccessRemindersWorkflowId(org.slug));

async function orgWith(admins: string[], itContacts: string[] = []) {
  const org = await insertOrg(h.sql);
  const [site]: [{ id: string }] = await h.sql`insert into sites (org_id, name) values (${org.id}, 'HQ') returning id`;
  for (const email of admins) {
    const [admin]: [{ id: string }] = await h.sql`
      insert into members (org_id, email, name, source, org_role) values (${org.id}, ${email}, 'admin', 'jit', 'org_admin') returning id`;
    await insertSiteAssignment(h.sql, { orgId: org.id, memberId: admin.id, siteId: site.id });
  }
  for (const email of itContacts) await h.sql`insert into it_contacts (org_id, email, name) values (${org.id}, ${email}, 'IT')`;
  return org;
}

async function waitingSince(org: { id: string }, email: string, secondsAgo: number) {
  await h.sql`
    insert into members (org_id, email, name, source, created_at, site_access_pending_since)
    values (${org.id}, ${email}, 'waits', 'jit', now() - ${`${secondsAgo} seconds`}::interval, now() - ${`${secondsAgo} seconds`}::interval)`;
}

async function startLifecycle(org: { id: string; slug: string }, email: string, orgRole: 'member' | 'org_admin') {
  const [member]: [{ id: string; createdAt: Date }] = await h.sql`
    insert into members (org_id, email, name, source, org_role) values (${org.id}, ${email}, 'newcomer', 'jit', ${orgRole}) returning id, created_at as "createdAt"`;
  const waitingSince = orgRole === 'member' ? member.createdAt.toISOString() : null;
  const input = { orgId: org.id, orgSlug: org.slug, memberId: member.id, emailHash: testEmailHash(email), source: 'jit' as const, waitingSince };
  const lifecycle = await h.client.workflow.start(memberLifecycleWorkflow, {
    taskQueue: h.taskQueue,
    workflowId: memberWorkflowId(org.slug, member.id),
    ...lifecycleStart(input),
  });
  return { member, lifecycle };
}

describe.concurrent('site-access reminders under attack', () => {
  it('an org whose only admin mailbox keeps deferring (451) gives up on it and still escalates to its IT contact', async ({ expect }) => {
    const org = await orgWith([`full@${'x'}.test`], [`it@x.test`]);
    const { lifecycle } = await startLifecycle(org, `ned-${org.slug}@x.test`, 'member');
    const [mail] = await eventually(async () => (mailsTo('it@x.test').length > 0 ? mailsTo('it@x.test') : undefined), 45_000);
    expect(mail!.subject).toMatch(/^Urgent, reminder [34] of 5: /);
    const log = await h.sql<{ status: string; attempts: number }[]>`
      select status, attempts from email_log where org_id = ${org.id} and to_addresses = ${['full@x.test']} order by id limit 2`;
    expect(log).toEqual([
      { status: 'failed', attempts: 2 },
      { status: 'failed', attempts: 2 },
    ]);
    await reminders(org).terminate('test finished');
    await lifecycle.terminate('test finished');
  }, 60_000);

  it('overlapping attempts of one digest (a timed-out attempt still sending) deliver each email once', async ({ expect }) => {
    const received: string[] = [];
    const slow = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        stream.resume();
        stream.on('end', () => {
          received.push(session.envelope.rcptTo.map((r) => r.address).join(','));
          setTimeout(callback, 1_500);
        });
      },
    });
    const port = await freePort();
    await new Promise<void>((resolve) => slow.listen(port, '127.0.0.1', resolve));
    try {
      const activities = reminderActivities(h.sql, createMailer(`smtp://127.0.0.1:${port}`, 'Test <no-reply@test.local>'), settings);
      const org = await orgWith([`boss@${Date.now()}.z.test`]);
      await waitingSince(org, `waits@${org.slug}.test`, 5);
      const request = { orgId: org.id, digestKey: `overlap-${org.slug}/1` };
      const first = activities.sendReminderDigest(request);
      await sleep(300);
      const outcomes = await Promise.allSettled([first, activities.sendReminderDigest(request)]);
      // Whichever takes the digest's lock first sends; the other is refused, to be retried.
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')!.reason).toMatchObject({ type: 'DigestBeingSent' });
      // Temporal's next retry of the refused attempt finds everything sent.
      await activities.sendReminderDigest(request);
      expect(received).toHaveLength(1);
    } finally {
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

  it('a nudge whose dueAt does not parse is taken as "try now", never as a timer loop', async ({ expect }) => {
    const org = await orgWith([`boss@${Date.now()}.nan.test`]);
    await waitingSince(org, `waits@${org.slug}.test`, 5);
    await nudgeReminders(h.client, { orgId: org.id, orgSlug: org.slug }, h.taskQueue, { dueAt: 'tomorrow' });
    await eventually(async () => ((await h.sql`select 1 from site_access_digests where org_id = ${org.id}`).length === 1 ? true : undefined));
    const { events } = await reminders(org).fetchHistory();
    expect(events?.filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
    expect(events?.filter((e) => e.timerStartedEventAttributes).length).toBeLessThanOrEqual(1);
    await reminders(org).terminate('test finished');
  });

  it('the hourly sweep leaves alone an org whose only admin has no address that can receive mail', async ({ expect }) => {
    const org = await orgWith([`boss@localhost`]);
    await waitingSince(org, `waits@${org.slug}.test`, 5);
    const swept = await h.client.workflow.execute('resumeIdleRemindersWorkflow', { taskQueue: h.taskQueue, workflowId: `sweep-held-${org.slug}`, args: [{ orgId: org.id }] });
    expect(swept).not.toContain(org.slug);
    await expect(reminders(org).describe()).rejects.toThrow(/not found/);
  });

  it('an org admin joining an org where nobody waits starts no reminder workflow', async ({ expect }) => {
    const org = await orgWith([]);
    const { lifecycle } = await startLifecycle(org, `admin@${org.slug}.test`, 'org_admin');
    await eventually(async () => ((await lifecycle.fetchHistory()).events?.some((e) => e.markerRecordedEventAttributes) ? true : undefined));
    await expect(reminders(org).describe()).rejects.toThrow(/not found/);
    await lifecycle.terminate('test finished');
  });
});
