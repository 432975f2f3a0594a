import type { Client, WorkflowHandle } from '@temporalio/client';
import { eventually } from './temporal.ts';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/**
 * Temporal Cloud's billable Actions as they show in event histories: workflow starts (client,
 * child, continue-as-new, signal-with-start), signals received, timers, activity attempts, local
 * activities, search-attribute upserts and updates. Queries leave no event: count them where
 * they are sent. Patch markers (patched()) are kept apart: Cloud's list of Actions does not name them.
 */
export interface ActionCount {
  starts: number;
  signals: number;
  timers: number;
  activities: number;
  localActivities: number;
  upserts: number;
  updates: number;
  total: number;
  patchMarkers: number;
}

export function countActions(histories: History[]): ActionCount {
  const count = { starts: 0, signals: 0, timers: 0, activities: 0, localActivities: 0, upserts: 0, updates: 0, patchMarkers: 0 };
  for (const event of histories.flatMap((history) => history.events ?? [])) {
    if (event.workflowExecutionStartedEventAttributes) count.starts++;
    if (event.workflowExecutionSignaledEventAttributes) count.signals++;
    if (event.timerStartedEventAttributes) count.timers++;
    if (event.activityTaskScheduledEventAttributes) count.activities++;
    // A retry is another Action; the started event of the attempt that ended says how many there were.
    count.activities += Math.max(0, (event.activityTaskStartedEventAttributes?.attempt ?? 1) - 1);
    if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity') count.localActivities++;
    if (event.markerRecordedEventAttributes?.markerName === 'core_patch') count.patchMarkers++;
    if (event.upsertWorkflowSearchAttributesEventAttributes) count.upserts++;
    if (event.workflowExecutionUpdateAcceptedEventAttributes) count.updates++;
  }
  const { patchMarkers, ...billable } = count;
  return { ...count, total: Object.values(billable).reduce((a, b) => a + b, 0), patchMarkers };
}

/** Every run ever recorded under a workflow ID (continued-as-new and restarted ones too), counted together. */
export async function countWorkflowActions(client: Client, workflowId: string, runs = 1): Promise<ActionCount> {
  const runIds = await eventually(async () => {
    const found: string[] = [];
    for await (const wf of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) found.push(wf.runId);
    return found.length >= runs ? found : undefined;
  });
  return countActions(await Promise.all(runIds.map((runId) => client.workflow.getHandle(workflowId, runId).fetchHistory())));
}
