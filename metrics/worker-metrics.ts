import { Counter, Registry } from 'prom-client';

/** The worker's own metrics (the Core SDK's come through metrics/sdk-exporter.ts), on a registry of its own. */
export function createWorkerMetrics(registry = new Registry()) {
  const registers = [registry];
  return {
    registry,
    /** Per attempt of sendReminderDigest: sent (mailed), held (due, nobody to mail), deferred (failed; Temporal retries it). */
    reminderDigests: new Counter({
      name: 'sso_reminder_digests_total',
      help: 'Reminder digest attempts by outcome: sent, held (due but no admin or IT contact to mail), deferred (the attempt failed and is retried).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    /** Per recipient of a sent digest, as the email log records it. */
    reminderEmails: new Counter({
      name: 'sso_reminder_emails_total',
      help: 'Reminder emails by outcome: delivered, rejected (refused by the mail server) or failed (given up on after repeated deferrals).',
      labelNames: ['outcome'] as const,
      registers,
    }),
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
