export { memberLifecycleWorkflow } from './member-lifecycle.ts';
export { sendInvitationWorkflow } from './send-invitation.ts';
export { pruneExpiredRecordsWorkflow } from './prune-expired-records.ts';
export { siteAccessRemindersWorkflow } from './site-access-reminders.ts';
export { resumeIdleRemindersWorkflow } from './resume-idle-reminders.ts';
export { redeliverDirectoryEventsWorkflow } from './redeliver-directory-events.ts';
export { domainVerificationWorkflow } from './domain-verification.ts';
export { applySiteRulesWorkflow } from './apply-site-rules.ts';
