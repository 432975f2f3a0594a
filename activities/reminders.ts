import { randomUUID } from 'node:crypto';
import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { insertAuditEvents } from '../db/audit.ts';
import type { Queryable, Sql } from '../db/client.ts';
import { holdDigestLease, releaseDigestLease } from '../db/digest-lease.ts';
import { startDigestDecision } from '../db/reminder-nudges.ts';
import { lastDigestAt, recordDigest, REMINDER_SENT_EVENT, reminderContacts, waitingMembers, type WaitingWithProgress } from '../db/site-access.ts';
import { digestEmail, type DigestLine, type EmailContent } from '../domain/reminder-email.ts';
import type { ReminderOutlook } from '../domain/reminder-outlook.ts';
import {
  contactWarnings,
  earliestDue,
  isSilenced,
  planDigest,
  recipientsFor,
  type Recipient,
  type ReminderContacts,
  type ReminderPolicy,
} from '../domain/reminders.ts';
import { createWorkerMetrics, type WorkerMetrics } from '../metrics/worker-metrics.ts';
import { giveUpOn, isMailboxDeferral, sendToOneOfMany, type Mailer } from './email.ts';
import { heartbeating } from './heartbeat.ts';

export interface ReminderSettings {
  policy: ReminderPolicy;
  /** The api's external URL: digests link to each member's admin page there. */
  publicUrl: URL;
  /**
   * A recipient whose mailbox the server keeps deferring (4xx to RCPT TO) is given up on after this
   * many tries: one bad mailbox must not hold the org's digests (and their escalation) back for
   * ever, while an outage (no connection, or nobody gets through) is still waited out.
   */
  recipientAttempts: number;
}

export interface DigestRequest {
  orgId: string;
  /** Unique per digest of an organisation: keys its record, emails and audit events. */
  digestKey: string;
}

/** What a digest attempt did, and what the workflow needs to plan the next one (kept small: no member lists). */
export interface DigestResult extends Omit<ReminderOutlook, 'nextDigestAt' | 'digestsSent'> {
  /** The digest key was used: the next digest takes the next number. */
  sent: boolean;
  level: number;
  delivered: string[];
  rejected: string[];
  failed: string[];
  /** The earliest step due among the members still waiting (ISO), or null when none is. */
  nextDueAt: string | null;
  /** No digest may go before this (the window since the last), or null. */
  notBefore: string | null;
  /** Someone is due but nobody can be mailed: the workflow waits for a nudge. */
  held: boolean;
}

interface Decision {
  lines: DigestLine[];
  level: number;
  waiting: WaitingWithProgress[];
  contacts: ReminderContacts;
  lastDigestAt: Date | undefined;
  held: boolean;
  /** The digest is recorded under its key (now or by an earlier attempt). */
  recorded: boolean;
}

/** A digest whose lease another attempt holds is tried again just after it expires, and at most this long after. */
const LEASE_RETRY_SLACK_MS = 1_000;
const LEASE_RETRY_MAX_MS = 30_000;

/** Advancing members first, highest step first; then the others in waiting order. */
const byUrgency = (a: DigestLine, b: DigestLine) => Number(b.advances) - Number(a.advances) || b.step - a.step;

export function reminderActivities(sql: Sql, mailer: Mailer, settings: ReminderSettings, metrics: WorkerMetrics = createWorkerMetrics()) {
  const { policy } = settings;
  const base = settings.publicUrl.href.replace(/\/$/, '');
  const links = { member: (memberId: string) => `${base}/admin/members/${memberId}`, waitingList: `${base}/admin/members?siteAccess=none` };

  /**
   * Decides the digest in one transaction holding the organisation's row lock, so retries and
   * overlapping attempts decide one after the other. A digest key already recorded is a retry: the
   * members it advanced carry its key, and it is rebuilt from them instead of advancing anyone again.
   */
  async function decide(tx: Queryable, { orgId, digestKey }: DigestRequest): Promise<Decision> {
    // `no key update`: the org's foreign-key inserts (sign-ins, assignments) do not wait for it.
    await tx`select 1 from organisations where id = ${orgId} for no key update`;
    // Before reading who waits: a member found waiting after it nudges, one found before is read here.
    await startDigestDecision(tx, orgId);
    const waiting = await waitingMembers(tx, orgId);
    const contacts = await reminderContacts(tx, orgId);
    const last = await lastDigestAt(tx, orgId);
    const none = { lines: [], level: 0, waiting, contacts, lastDigestAt: last, held: false, recorded: false };
    const [done]: [{ level: number }?] = await tx`select level from site_access_digests where digest_key = ${digestKey}`;
    if (done) {
      const lines = waiting
        .filter((m) => m.digestKey === digestKey || !isSilenced(m, policy))
        .map((m) => ({ ...m, advances: m.digestKey === digestKey }));
      return { ...none, lines, level: done.level, recorded: true };
    }
    const [{ now }]: [{ now: Date }] = await tx`select now()`;
    if (last && now.getTime() < last.getTime() + policy.digestWindowMs) return none;
    const plan = planDigest(waiting, policy, now.getTime());
    if (!plan) return none;
    if (recipientsFor(plan.level, contacts).length === 0) return { ...none, held: true };
    const advanced = plan.entries.filter((e) => e.advances);
    await recordDigest(tx, { orgId, digestKey, level: plan.level, advanced });
    const steps = new Map(plan.entries.map((e) => [e.memberId, e]));
    const lines = waiting.flatMap((m) => {
      const entry = steps.get(m.memberId);
      return entry ? [{ ...m, step: entry.step, advances: entry.advances, digestKey: entry.advances ? digestKey : m.digestKey }] : [];
    });
    const after = new Map(lines.map((l) => [l.memberId, l]));
    return { lines, level: plan.level, waiting: waiting.map((m) => after.get(m.memberId) ?? m), contacts, lastDigestAt: now, held: false, recorded: true };
  }

  /**
   * Runs `send` while this attempt holds the digest's lease: an attempt Temporal timed out may still
   * be sending, and a retry overlapping it would find the same emails pending and send them twice.
   * A retry that finds the lease held fails, to be retried once the other attempt is done or its
   * lease expired. The lease is a row, renewed before each email (`renew`), never a connection held
   * across the SMTP exchange: digests in any number never take the pool's connections from the
   * statements they go on to need (worker/capacity.ts).
   */
  async function whileSendingAlone<T>(digestKey: string, send: (renew: () => Promise<void>) => Promise<T>): Promise<T> {
    const sender = randomUUID();
    const hold = async (busy: string) => {
      const lease = await holdDigestLease(sql, digestKey, sender);
      // Tried again when that lease runs out (a sender cut off by an outage could not give it up),
      // or sooner if its holder may finish first; never after a backoff grown by an outage's failures.
      if (!lease.held) throw ApplicationFailure.create({ message: busy, type: 'DigestBeingSent', nextRetryDelay: Math.min(lease.expiresInMs + LEASE_RETRY_SLACK_MS, LEASE_RETRY_MAX_MS) });
    };
    await hold('another attempt of this digest is still sending it');
    try {
      return await send(() => hold('another attempt took this digest over'));
    } finally {
      // A lease that cannot be given up now expires on its own.
      await releaseDigestLease(sql, digestKey, sender).catch((err: unknown) => log.warn('digest lease not released; it expires', { digestKey, err }));
    }
  }

  /**
   * One email per recipient, each keyed in the email log, so a retry sends only what is missing.
   * `beforeEach(index)` runs before every email (heartbeat, cancellation, lease).
   */
  async function mailEach(orgId: string, digestKey: string, recipients: Recipient[], compose: (recipient: Recipient) => EmailContent, beforeEach: (index: number) => Promise<void>) {
    const outcomes = { delivered: [] as string[], rejected: [] as string[], failed: [] as string[] };
    const deferred: { key: string; address: string; err: unknown }[] = [];
    for (const [index, recipient] of recipients.entries()) {
      await beforeEach(index);
      const key = `site-access-reminder/${orgId}/${digestKey}/${recipient.address}`;
      try {
        const outcome = await sendToOneOfMany(sql, mailer, { idempotencyKey: key, orgId, kind: 'site_access_reminder', to: [recipient.address], ...compose(recipient) });
        ({ sent: outcomes.delivered, rejected: outcomes.rejected, failed: outcomes.failed })[outcome].push(recipient.address);
        if (outcome !== 'sent') log.warn(`reminder recipient ${outcome}; see email_log`, { orgId, recipient: recipient.address });
      } catch (err) {
        // The others still get theirs now; the retry sends only what is missing.
        deferred.push({ key, address: recipient.address, err });
      }
    }
    const serverWorks = outcomes.delivered.length > 0;
    for (const { key, address, err } of deferred) {
      if ((serverWorks || isMailboxDeferral(err)) && (await giveUpOn(sql, key, settings.recipientAttempts))) {
        outcomes.failed.push(address);
        log.warn('reminder recipient given up on after repeated deferrals; see email_log', { orgId, recipient: address, err });
      } else throw err;
    }
    return outcomes;
  }

  async function sendDigest(request: DigestRequest): Promise<DigestResult> {
    const { orgId, digestKey } = request;
    const decision = await sql.begin((tx) => decide(tx, request));
    const { lines, level, waiting, contacts } = decision;
    let outcomes = { delivered: [] as string[], rejected: [] as string[], failed: [] as string[] };
    // A retry whose members all got a site meanwhile has nothing left to say.
    if (lines.some((l) => l.advances)) {
      for (const warning of contactWarnings(contacts)) log.warn(`site-access reminders: ${warning.message}`, { orgId, code: warning.code });
      const [org]: [{ name: string }?] = await sql`select name from organisations where id = ${orgId}`;
      const ordered = [...lines].sort(byUrgency);
      const steps = policy.scheduleMs.length;
      const compose = (recipient: Recipient) => digestEmail({ orgName: org?.name ?? '', level, steps, lines: ordered, role: recipient.role, admins: contacts.admins, links });
      const recipients = recipientsFor(level, contacts);
      outcomes = await heartbeating((step) =>
        whileSendingAlone(digestKey, (renew) =>
          mailEach(orgId, digestKey, recipients, compose, (index) => {
            step({ mailing: index + 1, of: recipients.length });
            return renew();
          }),
        ),
      );
      const data = { of: steps, digest: digestKey, ...outcomes };
      await insertAuditEvents(
        sql,
        lines.filter((l) => l.advances).map((l) => ({
          idempotencyKey: `${REMINDER_SENT_EVENT}/${digestKey}/${l.memberId}`,
          orgId,
          memberId: l.memberId,
          actor: 'system',
          type: REMINDER_SENT_EVENT,
          data: { step: l.step, ...data },
        })),
      );
    }
    const due = earliestDue(waiting, policy);
    const last = decision.lastDigestAt?.getTime();
    return {
      sent: decision.recorded,
      level,
      ...outcomes,
      nextDueAt: due === undefined ? null : new Date(due).toISOString(),
      notBefore: last === undefined ? null : new Date(last + policy.digestWindowMs).toISOString(),
      lastDigestAt: last === undefined ? null : new Date(last).toISOString(),
      held: decision.held,
      waiting: waiting.length,
      pending: waiting.filter((m) => !isSilenced(m, policy)).length,
      recipients: { admins: contacts.admins, itContacts: contacts.itContacts },
      warnings: contactWarnings(contacts),
    };
  }

  return {
    /**
     * Sends the organisation's digest if one is due: one email per recipient about every member
     * who waits and is not yet silenced, advancing those whose step is due. Idempotent: the digest
     * is recorded under its key with the steps it sends before any email goes out, each email is
     * keyed by (org, digest, recipient) in the email log and the audit events alike, so a retry
     * rebuilds the same digest and sends only what is missing. At-least-once remains between the
     * mail server accepting a message and the log recording it: a crash there resends that one
     * message, with the same Message-ID.
     */
    async sendReminderDigest(request: DigestRequest): Promise<DigestResult> {
      try {
        const result = await sendDigest(request);
        if (result.held) metrics.reminderDigests.inc({ outcome: 'held' });
        if (result.delivered.length + result.rejected.length + result.failed.length > 0) {
          metrics.reminderDigests.inc({ outcome: 'sent' });
          metrics.reminderEmails.inc({ outcome: 'delivered' }, result.delivered.length);
          metrics.reminderEmails.inc({ outcome: 'rejected' }, result.rejected.length);
          metrics.reminderEmails.inc({ outcome: 'failed' }, result.failed.length);
        }
        return result;
      } catch (err) {
        metrics.reminderDigests.inc({ outcome: 'deferred' });
        throw err;
      }
    },
  };
}
