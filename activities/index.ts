import type { Sql } from '../db/client.ts';
import { auditActivities } from './audit.ts';
import { emailActivities, type Mailer } from './email.ts';
import { memberActivities } from './members.ts';
import { memberStatusActivities } from './member-status.ts';
import { invitationActivities } from './invitations.ts';
import { maintenanceActivities } from './maintenance.ts';
import type { TemporalPorts } from './ports.ts';
import { provisioningActivities } from './provisioning.ts';
import { directorySweepActivities } from './directory-sweep.ts';
import type { DnsSettings } from './dns.ts';
import { domainNoticeActivities } from './domain-notices.ts';
import { domainActivities } from './domains.ts';
import { reminderSweepActivities } from './reminder-sweep.ts';
import { reminderActivities, type ReminderSettings } from './reminders.ts';
import { siteAccessActivities } from './site-access.ts';
import type { WorkerMetrics } from '../metrics/worker-metrics.ts';

export interface ActivityDeps {
  sql: Sql;
  mailer: Mailer;
  /** For activities that start or signal workflows (the reminders' nudge, directory events); wired by the worker. */
  temporal: TemporalPorts;
  reminders: ReminderSettings;
  /** Where domain verification looks TXT records up; the system's resolvers when absent. */
  dns?: DnsSettings;
  /** Where the activities count what they decide (digests); a registry of their own when absent. */
  metrics?: WorkerMetrics;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...auditActivities(deps.sql),
    ...provisioningActivities(deps.sql, deps.reminders.policy, deps.temporal),
    ...memberActivities(deps.sql, deps.reminders.policy, deps.temporal),
    ...memberStatusActivities(deps.sql, deps.reminders.policy, deps.temporal),
    ...emailActivities(deps.sql, deps.mailer),
    ...invitationActivities(deps.sql, deps.mailer),
    ...maintenanceActivities(deps.sql),
    ...reminderActivities(deps.sql, deps.mailer, deps.reminders, deps.metrics),
    ...reminderSweepActivities(deps.sql, deps.temporal, deps.reminders.policy),
    ...directorySweepActivities(deps.sql, deps.temporal),
    ...domainActivities(deps.sql, deps.dns ?? {}),
    ...domainNoticeActivities(deps.sql, deps.mailer),
    ...siteAccessActivities(deps.sql, deps.reminders.policy, deps.temporal),
  };
}

export type Activities = ReturnType<typeof createActivities>;

/**
 * The activities that wait on SMTP. Their workflows schedule them on the mail task queue
 * (workflows/definitions.ts mailTaskQueue), which only the mail worker serves: a slow mail
 * server then fills the mail slots, never the ones member decisions need.
 */
export const mailActivityNames = ['sendEmail', 'sendInvitationEmail', 'sendReminderDigest', 'sendDomainNotice'] as const satisfies (keyof Activities)[];
export type MailActivities = Pick<Activities, (typeof mailActivityNames)[number]>;

/** Splits the activities between the two workers of a worker process: mail, and all the others. */
export function splitMailActivities(activities: Activities): { mail: MailActivities; others: Omit<Activities, keyof MailActivities> } {
  const isMail = (name: string) => (mailActivityNames as readonly string[]).includes(name);
  const pick = (keep: (name: string) => boolean) => Object.fromEntries(Object.entries(activities).filter(([name]) => keep(name)));
  return { mail: pick(isMail) as MailActivities, others: pick((name) => !isMail(name)) as Omit<Activities, keyof MailActivities> };
}
