import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const alertsFile = join(import.meta.dirname, '..', '..', 'deploy', 'prometheus', 'alerts.yml');

/** Each rule's name and expression, read with the PyYAML the compose checks use (the project has no YAML parser). */
export interface AlertRule {
  alert: string;
  expr: string;
  labels?: { severity?: string };
  annotations?: { summary?: string };
}

export function alertRules(): AlertRule[] {
  const json = execFileSync('python3', ['-c', 'import json, sys, yaml; json.dump([r for g in yaml.safe_load(open(sys.argv[1]))["groups"] for r in g["rules"]], sys.stdout)', alertsFile], { encoding: 'utf8' });
  return JSON.parse(json) as AlertRule[];
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);

/** The metric names a PromQL expression reads: identifiers left once strings, label matchers, ranges, groupings and function calls are taken out. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = [...bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)].filter(([, name, call]) => !call && !KEYWORDS.has(name!.toLowerCase())).map(([, name]) => name!);
  return [...new Set(names)];
}

/** The metric families an exposition declares (`# TYPE name kind`), with the series names histograms and summaries add. */
export function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, kind] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (kind === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) names.add(`${name}${suffix}`);
    if (kind === 'summary') for (const suffix of ['_count', '_sum']) names.add(`${name}${suffix}`);
  }
  return names;
}
