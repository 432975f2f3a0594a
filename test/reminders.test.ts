import { setTimeout as sleep } from 'node:timers/promises';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { siteAccessStatus } from '../api/site-access-status.ts';
import { loadConfig } from '../config/index.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { formatUtc } from '../domain/reminder-email.ts';
import { reminderActivities } from '../activities/reminders.ts';
import { memberReminders } from '../api/site-access-status.ts';
import { announceSiteAccessChange, nudgeReminders, reminderState } from '../temporal/site-access.ts';
import { lifecycleStart, memberWorkflowId, siteAccessRemindersWorkflowId } from '../workflows/definitions.ts';
import { memberLifecycleWorkflow } from '../workflows/index.ts';
import { createMailer } from '../worker/mailer.ts';
import { countWorkflowActions } from './support/actions.ts';
import { insertOrg, insertSiteAssignment } from './support/fixtures.ts';
import { recordHistory } from './support/histories.ts';
import { eventually, reminderSettings, startHarness, type TestHarness } from './support/temporal.ts';
import { testEmailHash } from './support/payload-keys.ts';

// Seconds instead of days, through the same config as production.
const env = { REMINDER_SCHEDULE: '4s,8s,12s,16s,20s', REMINDER_DIGEST_WINDOW: '1s', PUBLIC_URL: 'https://sso.example.test' };
const config = loadConfig({ APP_ENV: 'test', ...env });
const FIRST_STEP_MS = 4_000;

let h: TestHarness;
let smtp: SmtpSink;
beforeAll(async () => {
  smtp = await startSmtpSink({ rejects: (address) => address.startsWith('bounce@'), defers: (address) => address.startsWith('full@') });
  h = await startHarness({ smtpUrl: smtp.url, reminders: reminderSettings({ ...env, REMINDER_RECIPIENT_ATTEMPTS: '2' }) });
});
afterAll(async () => {
  await h?.stop();
  await smtp?.stop();
});

interface Org {
  id: string;
  slug: string;
  name: string;
  siteId: string;
}
interface Member {
  id: string;
  email: string;
  createdAt: Date;
}

const address = (org: Org, login: string) => `${login}@${org.slug}.test`;
const recipients = (mail: ParsedMail) => [mail.to].flat().flatMap((to) => to?.value.map((v) => v.address) ?? []);
const mailsTo = (to: string) => smtp.messages.filter((mail) => recipients(mail).includes(to));
const subjects = (to: string) => mailsTo(to).map((mail) => mail.subject);
const reminders = (org: Org) => h.client.workflow.getHandle(siteAccessRemindersWorkflowId(org.slug));

async function insertMember(org: Org, login: string, { orgRole = 'member', name = login } = {}): Promise<Member> {
  const [member]: [Member] = await h.sql`
    insert into members (org_id, email, name, source, org_role) values (${org.id}, ${address(org, login)}, ${name}, 'jit', ${orgRole})
    returning id, email, created_at as "createdAt"`;
  return member;
}

/** Admins and plain members already have a site, so only the newcomers of a test wait. */
async function orgWith({ admins = [] as string[], itContacts = [] as string[], plain = [] as string[] } = {}): Promise<Org> {
  const created = await insertOrg(h.sql);
  const [site]: [{ id: string }] = await h.sql`insert into sites (org_id, name) values (${created.id}, 'HQ') returning id`;
  const org = { ...created, name: `Org ${created.slug}`, siteId: site.id };
  for (const login of admins) await assignSite(org, await insertMember(org, login, { orgRole: 'org_admin' }));
  for (const login of plain) await assignSite(org, await insertMember(org, login));
  for (const login of itContacts) await h.sql`insert into it_contacts (org_id, email, name) values (${org.id}, ${address(org, login)}, 'IT')`;
  return org;
}

async function assignSite(org: Org, member: Member) {
  return [await insertSiteAssignment(h.sql, { orgId: org.id, memberId: member.id, siteId: org.siteId })];
}

/** A member who has waited for `seconds` already, with no lifecycle and no nudge. */
async function insertWaiting(org: Org, login: string, seconds: number): Promise<Member> {
  const [member]: [Member] = await h.sql`
    insert into members (org_id, email, name, source, created_at, site_access_pending_since)
    values (${org.id}, ${address(org, login)}, ${login}, 'jit', now() - ${`${seconds} seconds`}::interval, now() - ${`${seconds} seconds`}::interval)
    returning id, email, created_at as "createdAt"`;
  return member;
}

/** A new member, whose lifecycle starts as at a first sign-in (and nudges the reminders). */
async function join(org: Org, login: string, name = login): Promise<Member> {
  const member = await insertMember(org, login, { name });
  const input = { orgId: org.id, orgSlug: org.slug, memberId: member.id, emailHash: testEmailHash(member.email), source: 'jit' as const, waitingSince: member.createdAt.toISOString() };
  await h.client.workflow.start(memberLifecycleWorkflow, {
    taskQueue: h.taskQueue,
    workflowId: memberWorkflowId(org.slug, member.id),
    ...lifecycleStart(input),
  });
  return member;
}

const outlookOf = (org: Org, member: Member) => memberReminders(h.sql, config.reminders, org.id, member.id);
const signalsTo = async (org: Org) =>
  (await reminders(org).fetchHistory().catch(() => ({ events: [] }))).events?.filter((e) => e.workflowExecutionSignaledEventAttributes).length ?? 0;

/** What the member API will do: assign, then tell the lifecycle and the reminders. */
async function grant(org: Org, member: Member) {
  const [assigned] = await assignSite(org, member);
  const ref = { orgId: org.id, orgSlug: org.slug, memberId: member.id };
  await announceSiteAccessChange(h.client, ref, { pendingSince: null, changedAt: assigned!.createdAt.toISOString() }, h.taskQueue);
}

const mailsFor = (to: string, atLeast: number, timeoutMs = 30_000) =>
  eventually(async () => (mailsTo(to).length >= atLeast ? mailsTo(to) : undefined), timeoutMs);

const untilAfter = (member: Member, ms: number) => sleep(Math.max(0, member.createdAt.getTime() + ms - Date.now()));

describe.concurrent('site-access reminders', () => {
  it('remind the admins at every step in order, copy the IT contacts from step 3, then fall silent', async ({ expect }) => {
    const org = await orgWith({ admins: ['boss', 'deputy'], itContacts: ['it'], plain: ['pat'] });
    const other = await orgWith({ admins: ['rival'], itContacts: ['otherit'] });
    const ann = await join(org, 'ann', `Ann <b>&</b> O'Neil`);
    const before = await siteAccessStatus(h.sql, config, { orgId: org.id, memberId: ann.id });
    expect(before?.siteAccess.adminsNotifiedBy).toBe(new Date(ann.createdAt.getTime() + FIRST_STEP_MS).toISOString());

    // Each digest mails its recipients one after another: wait for all of them, then for quiet.
    await Promise.all([mailsFor(address(org, 'boss'), 5), mailsFor(address(org, 'deputy'), 5), mailsFor(address(org, 'it'), 3)]);
    await untilAfter(ann, 20_000 + 3_000);
    const who = `1 member of ${org.name}`;
    const steps = [
      `${who} waiting for site access`,
      `Reminder 2 of 5: ${who} waiting for site access`,
      `Urgent, reminder 3 of 5: ${who} still without site access`,
      `Urgent, reminder 4 of 5: ${who} still without site access`,
      `Final notice: ${who} still without site access`,
    ];
    expect(subjects(address(org, 'boss'))).toEqual(steps);
    expect(subjects(address(org, 'deputy'))).toEqual(steps);
    expect(subjects(address(org, 'it'))).toEqual(steps.slice(2));
    for (const nobody of [address(org, 'pat'), ann.email, address(other, 'rival'), address(other, 'otherit')]) expect(mailsTo(nobody)).toEqual([]);

    const [first] = mailsTo(address(org, 'boss'));
    const link = `https://sso.example.test/admin/members/${ann.id}`;
    expect(first!.text).toContain(`- Ann <b>&</b> O'Neil <${ann.email}>: waiting since ${formatUtc(ann.createdAt.toISOString())}, reminder 1 of 5\n  ${link}`);
    expect(first!.html).toContain(`<a href="${link}">Ann &#60;b&#62;&#38;&#60;/b&#62; O&#39;Neil &#60;${ann.email}&#62;</a>`);
    expect(first!.html).not.toContain('<b>');
    expect(first!.text).toContain(`You receive this as an org admin of ${org.name}`);
    // One call to action first: the waiting list, where sites are assigned in bulk.
    const waitingList = 'https://sso.example.test/admin/members?siteAccess=none';
    expect(first!.text!.match(/https:\S+/)?.[0]).toBe(waitingList);
    expect(String(first!.html).match(/<a href="([^"]+)"/)?.[1]).toBe(waitingList);
    // IT contacts cannot open the admin pages: their copies name the admins to ask, and link nowhere.
    for (const copy of mailsTo(address(org, 'it'))) {
      expect(copy.text).toContain(`You are copied as an IT contact of ${org.name}`);
      expect(copy.text).toContain(`Please ask one of ${org.name}'s org admins (${address(org, 'boss')}, ${address(org, 'deputy')})`);
      expect(copy.text).toContain(`${ann.email}>: waiting since`);
      expect(`${copy.text}${String(copy.html)}`).not.toMatch(/\/admin\/|href=/);
    }
    expect(mailsTo(address(org, 'boss'))[4]!.text).toContain('reminder 5 of 5 (final notice)');
    const logged = await h.sql`select count(*)::int as n from email_log where org_id = ${org.id} and kind = 'site_access_reminder' and status = 'sent'`;
    expect(logged).toEqual([{ n: 5 + 5 + 3 }]);

    const after = await siteAccessStatus(h.sql, config, { orgId: org.id, memberId: ann.id });
    expect(after?.siteAccess.adminsNotifiedAt).toEqual(expect.any(String));
    expect(after?.message).toMatch(/were asked to assign you to a site on /);
    expect(await outlookOf(org, ann)).toMatchObject({ remindersSent: 5, nextStep: null, nextSendAt: null });
    // Past the final notice nothing is due: the workflow has ended, and its query still answers.
    await reminders(org).result();
    const state = await reminderState(h.client, org.slug);
    expect(state).toMatchObject({ nextDigestAt: null, digestsSent: 5, waiting: 1, pending: 0 });
    expect(state?.recipients).toEqual({ admins: [address(org, 'boss'), address(org, 'deputy')], itContacts: [address(org, 'it')] });

    await grant(org, ann);
    const escalation = await countWorkflowActions(h.client, reminders(org).workflowId);
    const lifecycle = await countWorkflowActions(h.client, memberWorkflowId(org.slug, ann.id));
    console.info('Actions, one member through the whole escalation, granted afterwards:', { reminders: escalation, lifecycle });
    // The lifecycle's start and its stamp are the member's, reminders or not; its site-access signal and upsert are theirs.
    expect(escalation.total + lifecycle.signals + lifecycle.upserts).toBeLessThanOrEqual(15);
    await recordHistory(reminders(org), 'site-access-reminders-escalation');
  }, 90_000);

  it('five members joining within a second: one digest per admin and step, listing all five', async ({ expect }) => {
    const org = await orgWith({ admins: ['boss'] });
    const five = await Promise.all(['a1', 'a2', 'a3', 'a4', 'a5'].map((login) => join(org, login)));
    const [step1, step2] = await mailsFor(address(org, 'boss'), 2);
    for (const member of five) {
      expect(step1!.text).toContain(`<${member.email}>: waiting since`);
      expect(step2!.text).toContain(`<${member.email}>: waiting since`);
    }
    expect(step1!.text!.match(/reminder 1 of 5/g)).toHaveLength(5);
    expect(step2!.text!.match(/reminder 2 of 5/g)).toHaveLength(5);
    expect(step1!.subject).toBe(`5 members of ${org.name} waiting for site access`);

    await Promise.all(five.map((member) => grant(org, member)));
    await reminders(org).result();
    await untilAfter(five[4]!, 12_000 + 1_000);
    expect(mailsTo(address(org, 'boss'))).toHaveLength(2);
  }, 90_000);

  it('a site granted before the first reminder: no email, the workflow ends, at most 6 Actions', async ({ expect }) => {
    const org = await orgWith({ admins: ['boss'] });
    const bea = await join(org, 'bea');
    // Granted while the workflow waits for the first step, as a real admin would.
    await eventually(async () => (await reminderState(h.client, org.slug))?.nextDigestAt ?? undefined);
    await grant(org, bea);
    await reminders(org).result();
    expect(mailsTo(address(org, 'boss'))).toEqual([]);

    const actions = await countWorkflowActions(h.client, reminders(org).workflowId);
    const lifecycle = await countWorkflowActions(h.client, memberWorkflowId(org.slug, bea.id));
    console.info('Actions, one member granted a site before the first reminder:', { reminders: actions, lifecycle });
    expect(actions.total + lifecycle.signals + lifecycle.upserts).toBeLessThanOrEqual(6);
    await recordHistory(reminders(org), 'site-access-reminders-granted-early');
    await recordHistory(h.client.workflow.getHandle(memberWorkflowId(org.slug, bea.id)), 'member-lifecycle-started-waiting');
  }, 90_000);

  it('a member granted a site while another still waits: only the one still waiting is reminded', async ({ expect }) => {
    const org = await orgWith({ admins: ['boss'] });
    const dee = await join(org, 'dee');
    await sleep(1_500);
    const eli = await join(org, 'eli');
    // eli's lifecycle skips its nudge (the workflow already waits for dee's earlier step): wait for its stamp.
    await eventually(async () => {
      const [row] = await h.sql<{ stamped: boolean }[]>`select lifecycle_started_at is not null as stamped from members where id = ${eli.id}`;
      return row?.stamped ? true : undefined;
    });
    expect(await signalsTo(org)).toBe(1);
    // The workflow's timer was set for dee's first step; the digest then finds eli's from PostgreSQL.
    await grant(org, dee);
    const [mail] = await mailsFor(address(org, 'boss'), 1);
    expect(mail!.text).toContain(`<${eli.email}>: waiting since`);
    expect(mail!.text).not.toContain(dee.email);
    await grant(org, eli);
    await reminders(org).result();
    expect(mailsTo(address(org, 'boss'))).toHaveLength(1);
    await recordHistory(reminders(org), 'site-access-reminders-one-granted');
  }, 90_000);

  it('disabling a member stops the reminders about them, even before anyone nudges the workflow', async ({ expect }) => {
    const org = await orgWith({ admins: ['boss'] });
    const cy = await join(org, 'cy');
    await mailsFor(address(org, 'boss'), 1);
    await h.sql`update members set status = 'disabled' where id = ${cy.id}`;
    // At step 2 the digest re-reads who waits, finds nobody and the workflow ends.
    await reminders(org).result();
    await untilAfter(cy, 8_000 + 1_000);
    expect(mailsTo(address(org, 'boss'))).toHaveLength(1);
  }, 90_000);

  it('an org without an admin: IT contacts get the reminders; with nobody to mail, the state says so until someone can be', async ({ expect }) => {
    const itOnly = await orgWith({ itContacts: ['it'] });
    const nobody = await orgWith();
    const jo = await join(itOnly, 'jo');
    const kim = await join(nobody, 'kim');

    const [mail] = await mailsFor(address(itOnly, 'it'), 1);
    expect(mail!.subject).toBe(`1 member of ${itOnly.name} waiting for site access`);
    expect(mail!.text).toContain(`which has no org admin with an email address yet`);
    expect(`${mail!.text}${String(mail!.html)}`).not.toMatch(/\/admin\/|href=/);
    const warned = await eventually(async () => (await reminderState(h.client, itOnly.slug))?.warnings.map((w) => w.code)[0]);
    expect(warned).toBe('no_admin');

    // Nobody to mail: the workflow ends (a nudge starts it again), its query saying why.
    await reminders(nobody).result();
    const held = await reminderState(h.client, nobody.slug);
    expect(held?.warnings.map((w) => w.code)).toEqual(['no_recipients']);
    expect(held?.nextDigestAt).toBeNull();
    expect(await outlookOf(nobody, kim)).toMatchObject({ remindersSent: 0, nextSendAt: null });
    expect((await siteAccessStatus(h.sql, config, { orgId: nobody.id, memberId: kim.id }))?.message).toMatch(/no admin who could be asked/);
    expect(await h.sql`select 1 from email_log where org_id = ${nobody.id}`).toEqual([]);

    // An admin appears; the next nudge lets the held reminder go out.
    await assignSite(nobody, await insertMember(nobody, 'late', { orgRole: 'org_admin' }));
    await nudgeReminders(h.client, { orgId: nobody.id, orgSlug: nobody.slug }, h.taskQueue);
    const [late] = await mailsFor(address(nobody, 'late'), 1);
    expect(late!.text).toContain(`<${kim.email}>: waiting since`);

    await Promise.all([grant(itOnly, jo), grant(nobody, kim)]);
    await Promise.all([reminders(itOnly).result(), reminders(nobody).result()]);
  }, 90_000);

  it('a recipient whose mailbox the server keeps deferring is given up on; an outage is waited out', async ({ expect }) => {
    const org = await orgWith({ admins: ['full', 'good'] });
    const max = await join(org, 'max');
    await mailsFor(address(org, 'good'), 2);
    await eventually(async () => ((await h.sql`select count(*)::int as n from email_log where org_id = ${org.id} and status = 'failed'`)[0]!.n === 2 ? true : undefined));
    await grant(org, max);
    await reminders(org).result();
    const log = await h.sql<{ to: string[]; status: string; attempts: number; error: string | null }[]>`
      select to_addresses as to, status, attempts, error from email_log where org_id = ${org.id} and to_addresses = ${[address(org, 'full')]} order by id`;
    expect(log).toEqual([
      { to: [address(org, 'full')], status: 'failed', attempts: 2, error: expect.stringContaining('451') },
      { to: [address(org, 'full')], status: 'failed', attempts: 2, error: expect.stringContaining('451') },
    ]);

    // An outage (no mail server at all) is never given up on, however often it is retried.
    const alone = await orgWith({ admins: ['boss'] });
    await insertWaiting(alone, 'ned', 5);
    const unreachable = reminderActivities(h.sql, createMailer('smtp://127.0.0.1:1', 'Test <no-reply@test.local>'), reminderSettings({ ...env, REMINDER_RECIPIENT_ATTEMPTS: '2' }));
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(unreachable.sendReminderDigest({ orgId: alone.id, digestKey: `outage-${alone.slug}/1` })).rejects.toThrow(/ECONNREFUSED|connect/);
    }
    expect(await h.sql`select status, attempts from email_log where org_id = ${alone.id}`).toEqual([{ status: 'pending', attempts: 3 }]);
  }, 90_000);

  it('members already waiting through several steps get one reminder at the step they reached, not every step', async ({ expect }) => {
    const org = await orgWith({ admins: ['boss'] });
    const old = await insertWaiting(org, 'old', 9);
    // No nudge at all, as for a member who waited before reminders were deployed: the hourly sweep finds them.
    const sweep = await h.client.workflow.execute('resumeIdleRemindersWorkflow', { taskQueue: h.taskQueue, workflowId: `sweep-${org.slug}`, args: [{ orgId: org.id }] });
    expect(sweep).toContain(org.slug);
    await recordHistory(h.client.workflow.getHandle(`sweep-${org.slug}`), 'resume-idle-reminders');
    const [mail] = await mailsFor(address(org, 'boss'), 1);
    // Every step already due when the digest was decided, in one email: at least steps 1 and 2 (4 s and 8 s).
    const [{ waited }]: [{ waited: number }] = await h.sql`
      select extract(epoch from d.created_at - m.created_at) * 1000 as waited
      from site_access_digests d join members m on m.id = ${old.id} where d.org_id = ${org.id}`;
    const reached = config.reminders.scheduleMs.filter((ms) => ms <= waited).length;
    expect(reached).toBeGreaterThanOrEqual(2);
    expect(mail!.text).toContain(`<${old.email}>: waiting since ${formatUtc(old.createdAt.toISOString())}, reminder ${reached} of 5\n`);
    expect(mailsTo(address(org, 'boss'))).toHaveLength(1);
    expect(await outlookOf(org, old)).toMatchObject({ remindersSent: reached, nextStep: reached + 1 });
    // A running workflow is left alone by the next sweep.
    expect(await h.client.workflow.execute('resumeIdleRemindersWorkflow', { taskQueue: h.taskQueue, workflowId: `sweep2-${org.slug}`, args: [{ orgId: org.id }] })).not.toContain(org.slug);
    await grant(org, old);
    await reminders(org).result();
  }, 90_000);

  it('ten thousand members waiting at once: one digest per admin naming the first fifty, and a workflow history of a few kilobytes', async ({ expect }) => {
    const org = await orgWith({ admins: ['boss'] });
    const count = 10_000;
    await h.sql`
      insert into members (org_id, email, name, source, created_at, site_access_pending_since)
      select ${org.id}, 'm' || i || '@' || ${org.slug} || '.test', 'Member ' || i, 'directory', now() - interval '5 seconds', now() - interval '5 seconds'
      from generate_series(1, ${count}) as i`;
    await nudgeReminders(h.client, { orgId: org.id, orgSlug: org.slug }, h.taskQueue, { dueAt: new Date(Date.now() - 1_000).toISOString() });
    const [mail] = await mailsFor(address(org, 'boss'), 1, 60_000);
    // Waiting 5 s on a 4s,8s schedule: step 1, or step 2 on a machine slow enough to take 3 s to the digest.
    expect([`${count} members of ${org.name} waiting for site access`, `Reminder 2 of 5: ${count} members of ${org.name} waiting for site access`]).toContain(mail!.subject);
    expect(mail!.text!.match(/^- /gm)).toHaveLength(50);
    expect(mail!.text).toContain(`...and ${count - 50} members more, all on the waiting list.`);
    expect(mail!.text).toContain('Assign sites on the waiting list:\nhttps://sso.example.test/admin/members?siteAccess=none');
    // The audit events follow the emails; the workflow has them once it knows the result.
    await eventually(async () => ((await reminderState(h.client, org.slug))?.waiting === count ? true : undefined));
    const [recorded]: [{ progress: number; audit: number }] = await h.sql`
      select (select count(*)::int from site_access_reminders where org_id = ${org.id}) as progress,
             (select count(*)::int from audit_events where org_id = ${org.id} and type = 'site_access.reminder_sent') as audit`;
    expect(recorded).toEqual({ progress: count, audit: count });
    const bytes = JSON.stringify(await reminders(org).fetchHistory()).length;
    console.info(`reminder workflow history with ${count} waiting members after one digest: ${bytes} bytes`);
    expect(bytes).toBeLessThan(20_000);
    await reminders(org).terminate('test finished');
  }, 120_000);

  it('a recipient the mail server refuses is logged as rejected and holds up nobody', async ({ expect }) => {
    const org = await orgWith({ admins: ['bounce', 'good'] });
    const lou = await join(org, 'lou');
    await mailsFor(address(org, 'good'), 2);
    await grant(org, lou);
    await reminders(org).result();
    const log = await h.sql<{ to: string[]; status: string; error: string | null }[]>`
      select to_addresses as to, status, error from email_log where org_id = ${org.id} order by id`;
    expect(log.filter((row) => row.to[0] === address(org, 'bounce'))).toEqual([
      { to: [address(org, 'bounce')], status: 'rejected', error: expect.stringContaining('550') },
      { to: [address(org, 'bounce')], status: 'rejected', error: expect.stringContaining('550') },
    ]);
    expect(log.filter((row) => row.to[0] === address(org, 'good')).map((row) => row.status)).toEqual(['sent', 'sent']);
  }, 90_000);
});
