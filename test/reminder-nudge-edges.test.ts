/**
 * Edges of skipping reminder nudges (db/reminder-nudges.ts), found by a second review: a note the
 * reminders no longer stand behind (their workflow terminated), and the lock order of a nudger
 * against a digest decision and a SCIM group change.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { reminderActivities } from '../activities/reminders.ts';
import { stampLifecycle } from '../activities/members.ts';
import { noteTold, toldReminders } from '../db/reminder-nudges.ts';
import { createMailer } from '../worker/mailer.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { lifecycleStart, memberWorkflowId, siteAccessRemindersWorkflowId } from '../workflows/definitions.ts';
import { memberLifecycleWorkflow } from '../workflows/index.ts';
import { insertOrg, insertSiteAssignment } from './support/fixtures.ts';
import { testEmailHash } from './support/payload-keys.ts';
import { eventually, reminderSettings, startHarness, type TestHarness } from './support/temporal.ts';

const env = { REMINDER_SCHEDULE: '4s,8s,12s,16s,20s', REMINDER_DIGEST_WINDOW: '1s', PUBLIC_URL: 'https://sso.example.test' };
const settings = reminderSettings(env);

let h: TestHarness;
let smtp: SmtpSink;
beforeAll(async () => {
  smtp = await startSmtpSink();
  h = await startHarness({ smtpUrl: smtp.url, reminders: settings });
});
afterAll(async () => {
  await h?.stop();
  await smtp?.stop();
});

const reminders = (org: { slug: string }) => h.client.workflow.getHandle(siteAccessRemindersWorkflowId(org.slug));
const mailsNaming = (to: string, email: string) => smtp.messages.filter((m) => JSON.stringify(m.to ?? '').includes(to) && (m.text ?? '').includes(email));

async function orgWithAdmin(boss: string) {
  const org = await insertOrg(h.sql);
  const [site]: [{ id: string }] = await h.sql`insert into sites (org_id, name) values (${org.id}, 'HQ') returning id`;
  const [admin]: [{ id: string }] = await h.sql`
    insert into members (org_id, email, name, source, org_role) values (${org.id}, ${boss}, 'admin', 'jit', 'org_admin') returning id`;
  await insertSiteAssignment(h.sql, { orgId: org.id, memberId: admin.id, siteId: site.id });
  return org;
}

async function startLifecycle(org: { id: string; slug: string }, email: string) {
  const [member]: [{ id: string; createdAt: Date }] = await h.sql`
    insert into members (org_id, email, name, source, org_role) values (${org.id}, ${email}, 'newcomer', 'jit', 'member') returning id, created_at as "createdAt"`;
  const input = { orgId: org.id, orgSlug: org.slug, memberId: member.id, emailHash: testEmailHash(email), source: 'jit' as const, waitingSince: member.createdAt.toISOString() };
  const lifecycle = await h.client.workflow.start(memberLifecycleWorkflow, { taskQueue: h.taskQueue, workflowId: memberWorkflowId(org.slug, member.id), ...lifecycleStart(input) });
  await eventually(async () => {
    const [row] = await h.sql<{ stamped: boolean }[]>`select lifecycle_started_at is not null as stamped from members where id = ${member.id}`;
    return row?.stamped ? true : undefined;
  });
  return { member, lifecycle };
}

describe('a note the reminders no longer stand behind', () => {
  it('a member who joins after the reminder workflow was terminated restarts it and is reminded', async ({ expect }) => {
    const boss = `boss@${Date.now()}.term.test`;
    const org = await orgWithAdmin(boss);
    const ann = await startLifecycle(org, `ann-${org.slug}@x.test`);
    // ann's nudge reached the workflow and was noted.
    await eventually(async () => ((await reminders(org).describe().catch(() => undefined))?.status.name === 'RUNNING' ? true : undefined));
    await eventually(async () => {
      const [row] = await h.sql<{ told: Date | null }[]>`select told_due_at as told from site_access_reminder_nudges where org_id = ${org.id}`;
      return row?.told ? true : undefined;
    });
    // An operator terminates the org's reminders before ann's first step (4 s) falls due.
    await reminders(org).terminate('operator clean-up');

    const bob = await startLifecycle(org, `bob-${org.slug}@x.test`);
    // ann's note still says the reminders wait for her step; bob's nudge goes anyway, as they no longer run.
    expect((await reminders(org).describe()).status.name).toBe('RUNNING');
    await eventually(async () => (mailsNaming(boss, `bob-${org.slug}@x.test`).length > 0 ? true : undefined), 15_000);
    await ann.lifecycle.terminate('test finished');
    await bob.lifecycle.terminate('test finished');
    await reminders(org).terminate('test finished').catch(() => undefined);
  }, 40_000);
});

describe('lock interplay of the nudger and the digest decision', () => {
  it("a first sign-in's stamp, a due digest and a SCIM group change that moves both members do not deadlock", async ({ expect }) => {
    const boss = `boss@${Date.now()}.dl.test`;
    const org = await orgWithAdmin(boss);
    // Any org that was told or decided before has the row, so the nudger's `for share` locks something.
    await noteTold(h.sql, org.id, await toldReminders(h.sql, org.id), Date.now() + 3_600_000);
    // due: waits since 10 s (first step at 4 s); fresh: the member whose lifecycle stamps now. due's id sorts first.
    const [due, fresh] = ['00000000-0000-4000-8000-', 'ffffffff-ffff-4fff-8fff-'].map((p) => p + Math.random().toString(16).slice(2, 14).padEnd(12, '0'));
    await h.sql`
      insert into members (id, org_id, email, name, source, created_at, site_access_pending_since)
      values (${due!}, ${org.id}, ${`due-${org.slug}@x.test`}, 'due', 'jit', now() - interval '10 seconds', now() - interval '10 seconds')`;
    await h.sql`insert into members (id, org_id, email, name, source) values (${fresh!}, ${org.id}, ${`fresh-${org.slug}@x.test`}, 'fresh', 'jit')`;
    const activities = reminderActivities(h.sql, createMailer(smtp.url, 'Test <no-reply@test.local>'), settings);

    let nudgerRead!: () => void;
    const read = new Promise<void>((r) => (nudgerRead = r));
    let goOn!: () => void;
    const nudgerGoesOn = new Promise<void>((r) => (goOn = r));
    // The nudger's transaction as recordLifecycleStarted runs it: what the reminders were told, then the stamp (the member's row).
    const nudger = h.sql.begin(async (tx) => {
      const told = await toldReminders(tx, org.id);
      nudgerRead();
      await nudgerGoesOn;
      return stampLifecycle(tx, settings.policy, { idempotencyKey: `stamp-${fresh!}`, orgId: org.id, memberId: fresh!, actor: 'system', type: 'member.lifecycle_started', data: {} }, told);
    });
    await read;
    // db/directory-groups.ts lockMovingMembers: a SCIM group change adding both (holds `due`, waits for `fresh`).
    const scim = h.sql.begin(async (tx) => {
      await tx`select 1 from members where id = any(${[due!, fresh!]}::uuid[]) order by id for update`;
      await sleep(1_000);
    });
    await sleep(300);
    // The digest decision: org lock, then the epoch bump, which waits for the nudger's read (before the
    // nudger locks any member); later it records the digest (FK key share on `due`: waits for scim).
    const digest = activities.sendReminderDigest({ orgId: org.id, digestKey: `deadlock-${org.slug}/1` });
    await sleep(500);
    goOn();
    const outcomes = await Promise.allSettled([nudger, scim, digest]);
    const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [String((o.reason as { code?: string }).code ?? o.reason)] : []));
    expect(failures).toEqual([]);
  }, 30_000);
});
