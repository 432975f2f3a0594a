import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

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
 * pin the workflow code they ran on: a change that breaks their replay fails `npm test`. Older
 * recordings are kept beside new ones, since running workflows may still be on the older code.
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  mkdirSync(historiesDir, { recursive: true });
  writeFileSync(freeFile(name), historyToJSON(history), { flag: 'wx' });
}
