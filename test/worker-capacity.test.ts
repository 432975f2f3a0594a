import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/index.ts';
import { checkPoolFitsConcurrency } from '../worker/capacity.ts';
import { spawnEntry } from './support/processes.ts';

describe('pool size against worker concurrency', () => {
  it('defaults to a pool the default concurrency cannot exhaust', () => {
    const config = loadConfig({});
    expect(config.databasePoolMax).toBe(14);
    expect(config.workerConcurrency).toEqual({ activities: 6, mail: 4, localActivities: 3 });
    expect(() => checkPoolFitsConcurrency(config.databasePoolMax, config.workerConcurrency)).not.toThrow();
  });

  it('reads the pool size and the concurrency from the environment', () => {
    const config = loadConfig({ DATABASE_POOL_MAX: '40', WORKER_ACTIVITY_CONCURRENCY: '20', WORKER_MAIL_CONCURRENCY: '10', WORKER_LOCAL_ACTIVITY_CONCURRENCY: '9' });
    expect([config.databasePoolMax, config.workerConcurrency]).toEqual([40, { activities: 20, mail: 10, localActivities: 9 }]);
    expect(() => checkPoolFitsConcurrency(config.databasePoolMax, config.workerConcurrency)).not.toThrow();
  });

  it.each([
    [{ DATABASE_POOL_MAX: 'lots' }, 'DATABASE_POOL_MAX must be a whole number'],
    [{ DATABASE_POOL_MAX: '1' }, 'DATABASE_POOL_MAX'],
    [{ WORKER_ACTIVITY_CONCURRENCY: '0' }, 'WORKER_ACTIVITY_CONCURRENCY'],
    [{ WORKER_MAIL_CONCURRENCY: '0' }, 'WORKER_MAIL_CONCURRENCY'],
    [{ WORKER_LOCAL_ACTIVITY_CONCURRENCY: 'many' }, 'WORKER_LOCAL_ACTIVITY_CONCURRENCY must be a whole number'],
  ])('refuses %o naming the variable', (env, expected) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(expected);
  });

  it('refuses a concurrency that could take every connection, naming the four variables', () => {
    const refusal = () => checkPoolFitsConcurrency(14, { activities: 6, mail: 5, localActivities: 3 });
    expect(refusal).toThrow(ConfigError);
    expect(refusal).toThrow(/DATABASE_POOL_MAX \(14\).*WORKER_ACTIVITY_CONCURRENCY \(6\).*WORKER_MAIL_CONCURRENCY \(5\).*WORKER_LOCAL_ACTIVITY_CONCURRENCY \(3\).*= 15/);
  });

  it('a worker whose concurrency could exhaust its pool refuses to start, saying which variables to change', async () => {
    const worker = spawnEntry('worker/main.ts', [], { DATABASE_POOL_MAX: '10', WORKER_ACTIVITY_CONCURRENCY: '100' });
    let output = '';
    worker.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    worker.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => worker.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(output).toContain('DATABASE_POOL_MAX (10) is too small for WORKER_ACTIVITY_CONCURRENCY (100)');
    expect(output).not.toContain('worker started');
  }, 60_000);
});
