import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { eventually } from './temporal.ts';

export const historiesDir = join(import.meta.dirname, '..', 'histories');

/** `name.json`, or the first free `name-N.json`: a recorded history is never overwritten. */
function freeFile(name: string): string {
  for (let n = 1; ; n++) {
    const file = join(historiesDir, n === 1 ? `${name}.json` : `${name}-${n}.json`);
    if (!existsSync(file)) return file;
  }
}

/**
 * With RECORD_HISTORIES=1, saves the workflow's history for the replay test. Committed histories
 * pin the workflow code they ran on: a change that breaks their replay fails `npm test`. Until the
 * first release a changed workflow's histories are deleted and recorded again; from then on older
 * recordings stay beside new ones (docs/workflow-versioning.md).
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  // At rest: a history cut inside a workflow task would replay that task as new work, unchecked.
  const history = await eventually(async () => {
    const fetched = await handle.fetchHistory();
    const last = fetched.events?.at(-1);
    return last?.workflowTaskScheduledEventAttributes || last?.workflowTaskStartedEventAttributes ? undefined : fetched;
  });
  mkdirSync(historiesDir, { recursive: true });
  writeFileSync(freeFile(name), historyToJSON(history), { flag: 'wx' });
}
