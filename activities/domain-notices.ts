import type { Sql } from '../db/client.ts';
import { reminderContacts } from '../db/site-access.ts';
import { challengeRecord } from '../domain/domain-verification.ts';
import { sendToOneOfMany, type Mailer } from './email.ts';

export type DomainNoticeKind = 'verified' | 'record_missing';

export interface DomainNotice {
  orgId: string;
  domain: string;
  kind: DomainNoticeKind;
  /** Set once per event by the workflow (the verification's time, the absence's start): keys the emails. */
  eventKey: string;
  /** For `record_missing`: the record to restore. */
  token?: string;
}

function compose({ domain, kind, token }: DomainNotice): { subject: string; text: string } {
  if (kind === 'verified') {
    return {
      subject: `${domain} is verified`,
      text: `The domain ${domain} is now verified for your organisation: people who sign in with single sign-on using an address at ${domain} get an account.`,
    };
  }
  const record = challengeRecord(domain, token ?? '');
  return {
    subject: `The verification record of ${domain} is missing`,
    text: [
      `The DNS record that verifies ${domain} for your organisation was not found at today's check.`,
      'The domain stays verified and nobody is locked out, but please restore the record:',
      '',
      `  Name:  ${record.name}`,
      `  Type:  TXT`,
      `  Value: ${record.value}`,
    ].join('\n'),
  };
}

export function domainNoticeActivities(sql: Sql, mailer: Mailer) {
  return {
    /**
     * Tells the organisation's IT contacts and active org admins, one email each. Idempotent: each
     * email is keyed by (notice, event, recipient) in the email log, so a retry sends only what is
     * missing; a recipient the server refuses for good is logged, not retried.
     */
    async sendDomainNotice(notice: DomainNotice): Promise<number> {
      const { admins, itContacts } = await reminderContacts(sql, notice.orgId);
      const recipients = [...new Set([...itContacts, ...admins])];
      const content = compose(notice);
      let sent = 0;
      for (const address of recipients) {
        const idempotencyKey = `domain-${notice.kind}/${notice.orgId}/${notice.domain}/${notice.eventKey}/${address}`;
        const outcome = await sendToOneOfMany(sql, mailer, { idempotencyKey, orgId: notice.orgId, kind: `domain_${notice.kind}`, to: [address], ...content });
        if (outcome === 'sent') sent += 1;
      }
      return sent;
    },
  };
}
