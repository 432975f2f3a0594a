import type { Transporter } from 'nodemailer';
import type { Queryable, Sql } from '../db/client.ts';
import { isEmailAddress } from '../domain/email.ts';
import { ValidationError } from './errors.ts';

export interface Mailer {
  transport: Transporter;
  from: string;
}

export interface EmailInput {
  /** One key per logical email: retries and replays never send it twice once it is logged as sent. */
  idempotencyKey: string;
  orgId: string | null;
  kind: string;
  to: string[];
  subject: string;
  text: string;
  /** An HTML alternative to `text`, same content; everything interpolated into it must be escaped. */
  html?: string;
}

export interface EmailSent {
  messageId: string;
  alreadySent: boolean;
}

/** Sends `email` unless the email log already has it as sent; `sql` may be a transaction that decided to send. */
export async function sendLoggedEmail(sql: Queryable, mailer: Mailer, email: EmailInput): Promise<EmailSent> {
  if (email.to.length === 0) throw new ValidationError('an email needs at least one recipient');
  const invalid = email.to.filter((to) => !isEmailAddress(to));
  if (invalid.length > 0) throw new ValidationError(`not email addresses: ${invalid.join(', ')}`);
  const messageId = `<${email.idempotencyKey.replace(/[^a-zA-Z0-9.-]/g, '.')}@sso-provisioning>`;
  const [logged]: [{ status: string }?] = await sql`
    insert into email_log (idempotency_key, org_id, kind, to_addresses, subject, message_id)
    values (${email.idempotencyKey}, ${email.orgId}, ${email.kind}, ${email.to}, ${email.subject}, ${messageId})
    on conflict (idempotency_key) do update set idempotency_key = excluded.idempotency_key
    returning status`;
  if (logged?.status === 'sent') return { messageId, alreadySent: true };
  // A crash between SMTP acceptance and the update below resends once; the fixed Message-ID
  // lets receiving systems drop that duplicate.
  await mailer.transport.sendMail({ from: mailer.from, to: email.to, subject: email.subject, text: email.text, html: email.html, messageId });
  await sql`update email_log set status = 'sent', sent_at = now() where idempotency_key = ${email.idempotencyKey}`;
  return { messageId, alreadySent: false };
}

/** The mail server refused for good (a 5xx reply, e.g. an unknown mailbox): no retry delivers it. */
export function isPermanentRejection(err: unknown): boolean {
  const code = (err as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/**
 * The mail server answered the recipient with a temporary refusal (4xx to RCPT TO: a full or
 * greylisting mailbox): the server works, this one mailbox does not yet. Connection failures and
 * server-wide 4xx answers are outages instead.
 */
export function isMailboxDeferral(err: unknown): boolean {
  const { responseCode, command } = (err ?? {}) as { responseCode?: unknown; command?: unknown };
  return typeof responseCode === 'number' && responseCode >= 400 && responseCode < 500 && command === 'RCPT TO';
}

export type RecipientOutcome = 'sent' | 'rejected' | 'failed';

/**
 * sendLoggedEmail for one recipient of several: a permanent refusal is logged as `rejected` (with
 * the server's answer) and reported instead of thrown, so it neither blocks the other recipients
 * nor is tried again by a retry; so is one given up on (`failed`, see giveUpOn). Transient
 * failures are counted in the log's `attempts` and thrown, for the activity's retries.
 */
export async function sendToOneOfMany(sql: Queryable, mailer: Mailer, email: EmailInput): Promise<RecipientOutcome> {
  const [logged]: [{ status: string }?] = await sql`select status from email_log where idempotency_key = ${email.idempotencyKey}`;
  if (logged?.status === 'rejected' || logged?.status === 'failed') return logged.status;
  try {
    await sendLoggedEmail(sql, mailer, email);
    return 'sent';
  } catch (err) {
    const answer = String((err as { response?: unknown }).response ?? (err as Error).message).slice(0, 500);
    if (!isPermanentRejection(err)) {
      await sql`update email_log set attempts = attempts + 1, error = ${answer} where idempotency_key = ${email.idempotencyKey}`;
      throw err;
    }
    await sql`update email_log set status = 'rejected', error = ${answer} where idempotency_key = ${email.idempotencyKey}`;
    return 'rejected';
  }
}

/**
 * Gives up on an email that failed transiently at least `attempts` times (a mailbox the server
 * keeps deferring, say): it is logged as `failed` and no retry tries it again. Returns whether it
 * was given up on.
 */
export async function giveUpOn(sql: Queryable, idempotencyKey: string, attempts: number): Promise<boolean> {
  const given = await sql`
    update email_log set status = 'failed'
    where idempotency_key = ${idempotencyKey} and status = 'pending' and attempts >= ${attempts}`;
  return given.count > 0;
}

export function emailActivities(sql: Sql, mailer: Mailer) {
  return {
    async sendEmail(email: EmailInput): Promise<EmailSent> {
      return sendLoggedEmail(sql, mailer, email);
    },
  };
}
