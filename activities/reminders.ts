import { log } from '@temporalio/activity';
import { insertAuditEvent } from '../db/audit.ts';
import type { Sql } from '../db/client.ts';
import { REMINDER_SENT_EVENT, reminderContacts, waitingMembers } from '../db/site-access.ts';
import { digestEmail, type DigestLine, type EmailContent } from '../domain/reminder-email.ts';
import {
  contactWarnings,
  digestLevel,
  recipientsFor,
  type DigestEntry,
  type DigestPlan,
  type Recipient,
  type ReminderContacts,
  type ReminderPolicy,
  type WaitingMember,
} from '../domain/reminders.ts';
import { sendOrRecordRejection, type Mailer } from './email.ts';

export interface ReminderSettings {
  policy: ReminderPolicy;
  /** The api's external URL: digests link to each member's admin page there. */
  publicUrl: URL;
}

export interface ReminderInputs {
  policy: ReminderPolicy;
  waiting: WaitingMember[];
  contacts: ReminderContacts;
}

export interface DigestRequest {
  orgId: string;
  /** Unique per digest of an organisation: keys its emails and audit events. */
  digestKey: string;
  plan: DigestPlan;
}

export interface DigestResult {
  /** What the digest listed: the planned members who still wait; empty when it sent nothing. */
  entries: DigestEntry[];
  delivered: string[];
  rejected: string[];
  /** Who waits and who can be mailed, read at send time. */
  waiting: WaitingMember[];
  contacts: ReminderContacts;
}

/** The planned members who still wait, in waiting order, with what the digest says about each. */
function linesStillWaiting(plan: DigestPlan, waiting: WaitingMember[]): DigestLine[] {
  const planned = new Map(plan.entries.map((entry) => [entry.memberId, entry]));
  return waiting.flatMap((member) => {
    const entry = planned.get(member.memberId);
    return entry ? [{ ...member, ...entry }] : [];
  });
}

export function reminderActivities(sql: Sql, mailer: Mailer, settings: ReminderSettings) {
  const memberUrl = (memberId: string) => `${settings.publicUrl.href.replace(/\/$/, '')}/admin/members/${memberId}`;

  async function mailEach(orgId: string, digestKey: string, recipients: Recipient[], compose: (recipient: Recipient) => EmailContent) {
    const delivered: string[] = [];
    const rejected: string[] = [];
    let transient: unknown;
    for (const recipient of recipients) {
      try {
        const outcome = await sendOrRecordRejection(sql, mailer, {
          idempotencyKey: `site-access-reminder/${orgId}/${digestKey}/${recipient.address}`,
          orgId,
          kind: 'site_access_reminder',
          to: [recipient.address],
          ...compose(recipient),
        });
        (outcome === 'sent' ? delivered : rejected).push(recipient.address);
        if (outcome === 'rejected') log.warn('reminder recipient rejected by the mail server; see email_log', { orgId, recipient: recipient.address });
      } catch (err) {
        // The others still get theirs now; the retry sends only what is missing.
        transient ??= err;
      }
    }
    if (transient) throw transient;
    return { delivered, rejected };
  }

  return {
    /** Read-only, so retries are harmless. The policy comes along because workflows read no config. */
    async loadWaitingMembers({ orgId }: { orgId: string }): Promise<ReminderInputs> {
      return { policy: settings.policy, waiting: await waitingMembers(sql, orgId), contacts: await reminderContacts(sql, orgId) };
    },

    /**
     * Sends the planned digest, one email per recipient, about the planned members who still wait
     * now. Idempotent: each email is keyed by (org, digest, recipient) in the email log, so a retry
     * sends only what is missing, and the audit events are keyed alike. At-least-once remains
     * between the mail server accepting a message and the log recording it: a crash there resends
     * that one message, with the same Message-ID.
     */
    async sendReminderDigest({ orgId, digestKey, plan }: DigestRequest): Promise<DigestResult> {
      const waiting = await waitingMembers(sql, orgId);
      const contacts = await reminderContacts(sql, orgId);
      const lines = linesStillWaiting(plan, waiting);
      const level = digestLevel(lines);
      const recipients = recipientsFor(level, contacts);
      if (level === 0 || recipients.length === 0) return { entries: [], delivered: [], rejected: [], waiting, contacts };
      for (const warning of contactWarnings(contacts)) log.warn(`site-access reminders: ${warning.message}`, { orgId, code: warning.code });

      const [org]: [{ name: string }?] = await sql`select name from organisations where id = ${orgId}`;
      const steps = settings.policy.scheduleMs.length;
      const compose = (recipient: Recipient) => digestEmail({ orgName: org?.name ?? '', level, steps, lines, role: recipient.role, memberUrl });
      const { delivered, rejected } = await mailEach(orgId, digestKey, recipients, compose);
      for (const line of lines.filter((l) => l.advances)) {
        await insertAuditEvent(sql, {
          idempotencyKey: `${REMINDER_SENT_EVENT}/${digestKey}/${line.memberId}`,
          orgId,
          memberId: line.memberId,
          actor: 'system',
          type: REMINDER_SENT_EVENT,
          data: { step: line.step, of: steps, digest: digestKey, delivered, rejected },
        });
      }
      const entries = lines.map(({ memberId, step, advances }) => ({ memberId, step, advances }));
      return { entries, delivered, rejected, waiting, contacts };
    },
  };
}
