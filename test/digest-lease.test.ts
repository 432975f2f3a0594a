import type { ParsedMail } from 'mailparser';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reminderActivities, type DigestResult } from '../activities/reminders.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { createMailer } from '../worker/mailer.ts';
import { insertMember, insertOrg } from './support/fixtures.ts';
import { eventually, reminderSettings, startHarness, type TestHarness } from './support/temporal.ts';

/**
 * The digest's "one attempt sends at a time" is a lease row renewed before each email, and the
 * attempt heartbeats: an attempt Temporal cancelled, or whose lease another attempt took over,
 * starts no further email, and the attempt after it sends exactly what is missing.
 */
const ADMINS = ['a1', 'a2', 'a3', 'a4'];

let h: TestHarness;
let smtp: SmtpSink;
let digests: ReturnType<typeof reminderActivities>;
beforeAll(async () => {
  smtp = await startSmtpSink({ recipientDelayMs: 300 });
  h = await startHarness();
  const settings = reminderSettings({ REMINDER_SCHEDULE: '1s,1h,2h,3h,4h', REMINDER_DIGEST_WINDOW: '1s' });
  digests = reminderActivities(h.sql, createMailer(smtp.url, 'Test <no-reply@test.local>'), settings);
});
afterAll(async () => {
  await h?.stop();
  await smtp?.stop();
});

async function orgWithDueDigest() {
  const org = await insertOrg(h.sql);
  for (const login of ADMINS) await insertMember(h.sql, org.id, `${login}@${org.slug}.test`, { orgRole: 'org_admin' });
  await h.sql`
    insert into members (org_id, email, name, source, site_access_pending_since)
    values (${org.id}, ${`newcomer@${org.slug}.test`}, 'Newcomer', 'jit', now() - interval '10 seconds')`;
  return { ...org, request: { orgId: org.id, digestKey: `lease-${org.slug}/1` } };
}

const recipientsOf = (mail: ParsedMail) => [mail.to].flat().flatMap((to) => to?.value.map((v) => v.address ?? '') ?? []);
const mailsOf = (slug: string) => smtp.messages.flatMap(recipientsOf).filter((address) => address.endsWith(`@${slug}.test`));
const lease = async (digestKey: string) =>
  (await h.sql<{ sender: string | null }[]>`select sender from site_access_digests where digest_key = ${digestKey}`)[0]?.sender;

describe.concurrent('digest lease', () => {
  it('an attempt cancelled mid-digest starts no further email and gives its lease up; the retry sends the rest once', async () => {
    const org = await orgWithDueDigest();
    const attempt = new MockActivityEnvironment();
    const first = attempt.run(digests.sendReminderDigest, org.request);
    await eventually(async () => (mailsOf(org.slug).length >= 1 ? true : undefined));
    attempt.cancel('TIMED_OUT');
    await expect(first).rejects.toMatchObject({ name: 'CancelledFailure' });
    const sentByFirst = mailsOf(org.slug).length;
    expect(sentByFirst).toBeLessThan(ADMINS.length);
    expect(await lease(org.request.digestKey)).toBeNull();

    const retry = (await new MockActivityEnvironment().run(digests.sendReminderDigest, org.request)) as DigestResult;
    expect(retry.delivered.sort()).toEqual(ADMINS.map((login) => `${login}@${org.slug}.test`).sort());
    expect(mailsOf(org.slug).sort()).toEqual(ADMINS.map((login) => `${login}@${org.slug}.test`).sort());
  });

  it('an attempt whose lease another attempt took over stops before its next email', async () => {
    const org = await orgWithDueDigest();
    const first = new MockActivityEnvironment().run(digests.sendReminderDigest, org.request);
    await eventually(async () => (mailsOf(org.slug).length >= 1 ? true : undefined));
    // As a retry does once the lease expired (its holder silent for longer than the lease lasts).
    await h.sql`update site_access_digests set sender = 'a later attempt', sending_until = now() + interval '1 minute' where digest_key = ${org.request.digestKey}`;
    await expect(first).rejects.toMatchObject({ type: 'DigestBeingSent' });
    expect(mailsOf(org.slug).length).toBeLessThan(ADMINS.length);
    expect(await lease(org.request.digestKey)).toBe('a later attempt');
    // The holder it lost to is gone too: the retry waits for the lease to expire, then sends the rest once.
    const refused = await new MockActivityEnvironment().run(digests.sendReminderDigest, org.request).catch((err: unknown) => err);
    expect(refused).toMatchObject({ type: 'DigestBeingSent', nextRetryDelay: 30_000 });
    // A lease about to run out: the retry comes just after it, not after the activity's backoff.
    await h.sql`update site_access_digests set sending_until = now() + interval '5 seconds' where digest_key = ${org.request.digestKey}`;
    const soon = (await new MockActivityEnvironment().run(digests.sendReminderDigest, org.request).catch((err: unknown) => err)) as { nextRetryDelay: number };
    expect(soon).toMatchObject({ type: 'DigestBeingSent' });
    expect(soon.nextRetryDelay).toBeGreaterThan(4_000);
    expect(soon.nextRetryDelay).toBeLessThanOrEqual(6_000);
    await h.sql`update site_access_digests set sending_until = now() - interval '1 second' where digest_key = ${org.request.digestKey}`;
    await new MockActivityEnvironment().run(digests.sendReminderDigest, org.request);
    expect(mailsOf(org.slug).sort()).toEqual(ADMINS.map((login) => `${login}@${org.slug}.test`).sort());
  });

  it('heartbeats the progress of a digest as it mails', async () => {
    const org = await orgWithDueDigest();
    const attempt = new MockActivityEnvironment();
    const beats: unknown[] = [];
    attempt.on('heartbeat', (details: unknown) => beats.push(details));
    await attempt.run(digests.sendReminderDigest, org.request);
    expect(beats).toEqual(ADMINS.map((_, i) => ({ mailing: i + 1, of: ADMINS.length })));
  });
});
