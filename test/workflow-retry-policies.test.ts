import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { retryPolicy } from '../workflows/activity-retry.ts';

const eslint = new ESLint({ cwd: join(import.meta.dirname, '..') });
const lintWorkflow = async (code: string) => {
  const [result] = await eslint.lintText(code, { filePath: join(import.meta.dirname, '..', 'workflows', 'planted.ts') });
  return result!.messages.map((m) => m.message);
};
const head = "import { proxyActivities } from '@temporalio/workflow';\nimport { retryPolicy } from './activity-retry.ts';\n";

describe('activity retry policies in workflows/', () => {
  it('retryPolicy names ValidationError non-retryable and keeps the backoff', () => {
    expect(retryPolicy({ initialInterval: '1 second', maximumAttempts: 3 })).toEqual({
      initialInterval: '1 second',
      maximumAttempts: 3,
      nonRetryableErrorTypes: ['ValidationError'],
    });
  });

  it('lint refuses a proxy without a timeout, without a retry policy, or with a hand-written one', async () => {
    expect(await lintWorkflow(`${head}export const a = proxyActivities({ retry: retryPolicy({}) });\n`)).toContain('Every activity proxy sets startToCloseTimeout.');
    expect(await lintWorkflow(`${head}export const a = proxyActivities({ startToCloseTimeout: '1 minute' });\n`)).toContain(
      'Every activity proxy sets retry: retryPolicy({...}).',
    );
    expect(await lintWorkflow(`${head}export const a = proxyActivities({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 2 } });\n`)).toContain(
      'Build retry policies with retryPolicy() from workflows/activity-retry.ts.',
    );
    expect(await lintWorkflow(`${head}export const a = proxyActivities({ startToCloseTimeout: '1 minute', retry: retryPolicy({}) });\n`)).toEqual([]);
  });
});
