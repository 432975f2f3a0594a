import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const workflowsDir = join(import.meta.dirname, '..', 'workflows');

/** Every proxyActivities / proxyLocalActivities options object in workflows/, with its file. */
function activityProxies() {
  return readdirSync(workflowsDir)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((file) =>
      [...readFileSync(join(workflowsDir, file), 'utf8').matchAll(/proxy(?:Local)?Activities<[^>]+>\(\{([\s\S]*?)\n\}\);/g)].map((m) => [file, m[1]!] as const),
    );
}

describe('activity retry policies in workflows/', () => {
  it('finds the proxies it checks', () => {
    expect(activityProxies().length).toBeGreaterThanOrEqual(4);
  });

  it.each(activityProxies())('%s sets a timeout and names ValidationError non-retryable', (_, options) => {
    expect(options).toMatch(/startToCloseTimeout:/);
    expect(options).toMatch(/nonRetryableErrorTypes: \[[^\]]*'ValidationError'/);
  });
});
