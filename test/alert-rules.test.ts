import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertRules, alertsFile, metricNames } from './support/alert-rules.ts';

// Never skipped: without promtool these fail and say how to get it (.ci/run installs it).
function promtool(args: string[]): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd: dirname(alertsFile), encoding: 'utf8' });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error('promtool is not installed: it comes with the Debian package "prometheus" (apt-get install -y prometheus), which .ci/run installs');
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('deploy/prometheus/alerts.yml', () => {
  it('is valid for Prometheus (promtool check rules)', () => {
    const run = promtool(['check', 'rules', 'alerts.yml']);
    expect(run.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(run.status).toBe(0);
  });

  it('fires and stays quiet as its unit cases say (promtool test rules alerts.test.yml)', () => {
    const run = promtool(['test', 'rules', 'alerts.test.yml']);
    expect(run.output).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });

  it('is loaded by the example scrape configuration (promtool check config prometheus.yml)', () => {
    const run = promtool(['check', 'config', 'prometheus.yml']);
    expect(run.output).toMatch(/prometheus\.yml is valid/);
    expect(run.status).toBe(0);
  });

  it('reads metric names out of expressions as Prometheus does', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le, task_queue) (rate(temporal_x_bucket{job="a", le="1"}[5m]))) > 2')).toEqual(['temporal_x_bucket']);
    expect(metricNames('sum(increase(a_total{outcome="deferred"}[30m])) > 0 unless sum(increase(b_total[30m])) > 0')).toEqual(['a_total', 'b_total']);
    expect(metricNames('absent(up{job="sso-worker"} == 1)')).toEqual(['up']);
  });

  it('names a severity and a summary for every rule', () => {
    const rules = alertRules();
    for (const rule of rules) {
      expect(['page', 'warning', 'info'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
    }
    expect(rules.length).toBeGreaterThanOrEqual(10);
  });
});
