import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

export const historiesDir = join(import.meta.dirname, '..', 'histories');

/**
 * With RECORD_HISTORIES=1, saves the workflow's history for the replay test. Committed histories
 * pin older workflow code, so an existing file is never overwritten: new code paths get new names.
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const file = join(historiesDir, `${name}.json`);
  if (existsSync(file)) return;
  const history = await handle.fetchHistory();
  mkdirSync(historiesDir, { recursive: true });
  writeFileSync(file, historyToJSON(history), { flag: 'wx' });
}
