import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { emailActivities } from '../activities/email.ts';
import { directProvisioning } from './support/provisioning.ts';
import { createSql, type Sql } from '../db/client.ts';
import { startSmtpSink, type SmtpSink } from '../dev/smtp-sink.ts';
import { createMailer } from '../worker/mailer.ts';
import { insertSsoOrg } from './support/fixtures.ts';

let sql: Sql;
let smtp: SmtpSink;

beforeAll(async () => {
  sql = createSql(inject('databaseUrl'), { max: 5 });
  smtp = await startSmtpSink();
});
afterAll(async () => {
  await smtp?.stop();
  await sql?.end();
});

describe('activities are idempotent', () => {
  it('provisionIdentity run twice (a retry after a crash) yields one member and one identity', async () => {
    const { org, signIn: input } = await insertSsoOrg(sql);
    const { provisionIdentity } = directProvisioning(sql);
    const first = await provisionIdentity(input('ada'));
    const second = await provisionIdentity(input('ada'));
    expect(first).toMatchObject({ outcome: 'created', orgRole: 'member', source: 'jit' });
    expect(second).toMatchObject({ outcome: 'signed_in', memberId: (first as { memberId: string }).memberId });
    expect(await sql`select 1 from members where org_id = ${org.id}`).toHaveLength(1);
    expect(await sql`select 1 from audit_events where org_id = ${org.id} and type = 'member.created'`).toHaveLength(1);
  });

  it('provisionIdentity racing itself leaves one member; the loser succeeds on retry', async () => {
    const { org, signIn: input } = await insertSsoOrg(sql);
    const { provisionIdentity } = directProvisioning(sql);
    const raced = await Promise.allSettled([provisionIdentity(input('bob')), provisionIdentity(input('bob'))]);
    const won = raced.filter((r) => r.status === 'fulfilled');
    expect(won.length).toBeGreaterThanOrEqual(1);
    const retried = await provisionIdentity(input('bob'));
    expect(retried).toMatchObject({ outcome: 'signed_in' });
    expect(await sql`select 1 from members where org_id = ${org.id}`).toHaveLength(1);
    expect(await sql`select 1 from identities i join members m on m.id = i.member_id where m.org_id = ${org.id}`).toHaveLength(1);
  });

  it('provisionIdentity refuses an unverified email and an off-domain email without an invitation, writing nothing', async () => {
    const { org, signIn: input } = await insertSsoOrg(sql);
    const { provisionIdentity } = directProvisioning(sql);
    expect(await provisionIdentity({ ...input('eve'), emailVerified: false })).toEqual({ outcome: 'refused', reason: 'email_not_verified' });
    expect(await provisionIdentity({ ...input('eve'), email: 'eve@elsewhere.example' })).toEqual({
      outcome: 'refused',
      reason: 'email_domain_not_verified',
    });
    expect(await sql`select 1 from members where org_id = ${org.id}`).toHaveLength(0);
  });

  it('sendEmail with the same idempotency key delivers one message', async () => {
    const { sendEmail } = emailActivities(sql, createMailer(smtp.url, 'Test <t@test.local>'));
    const email = { idempotencyKey: `test/${Date.now()}`, orgId: null, kind: 'test', to: ['x@y.example'], subject: 'Once only', text: 'hi' };
    expect(await sendEmail(email)).toMatchObject({ alreadySent: false });
    expect(await sendEmail(email)).toMatchObject({ alreadySent: true });
    expect(smtp.messages.filter((m) => m.subject === 'Once only')).toHaveLength(1);
    expect(smtp.messages[0]!.messageId).toBe(`<${email.idempotencyKey.replace('/', '.')}@sso-provisioning>`);
  });
});

describe('activities refuse input they can never succeed with', () => {
  it('sendEmail throws ValidationError for a recipient that is not an email address, logging and sending nothing', async () => {
    const { sendEmail } = emailActivities(sql, createMailer(smtp.url, 'Test <t@test.local>'));
    const key = `test/invalid/${Date.now()}`;
    const send = sendEmail({ idempotencyKey: key, orgId: null, kind: 'test', to: ['not-an-email'], subject: 'Never sent', text: 'x' });
    await expect(send).rejects.toMatchObject({ name: 'ValidationError' });
    expect(await sql`select 1 from email_log where idempotency_key = ${key}`).toHaveLength(0);
    expect(smtp.messages.filter((m) => m.subject === 'Never sent')).toHaveLength(0);
  });
});
