import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { retryPolicy } from './activity-retry.ts';
import type { SiteRulesApplied, SiteRulesScope } from './definitions.ts';

const { applyQueuedSiteAccess } = proxyActivities<Activities>({
  // Ten thousand members take a few minutes in batches; the heartbeat notices a lost worker sooner.
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  // Each batch commits on its own, so a retry goes on where the last attempt stopped.
  retry: retryPolicy({ initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 }),
});

/**
 * Works out the site assignments of the members a change of site-access rules reached: the
 * change queued them in its own transaction (db/site-rules.ts), this takes them off the queue in
 * batches. Started by the api after the change (`site-rules/{org}/{change}`) and every few minutes
 * by its schedule for whatever is still queued (worker/maintenance-schedules.ts). The queue is the
 * state; the workflow holds none, so a run costs two Actions (its start and one activity) however
 * many members it reaches.
 */
export async function applySiteRulesWorkflow(scope: SiteRulesScope = {}): Promise<SiteRulesApplied> {
  return applyQueuedSiteAccess(scope);
}
