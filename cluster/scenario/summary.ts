import type { DirectoryRun } from './directory.ts';
import type { Fault, ReadyProbe } from './faults.ts';
import type { Verdict } from './invariants.ts';
import type { MalformedAnswer } from './malformed.ts';
import type { SignIn } from './sign-ins.ts';
import { percentile, type Answer } from './traffic.ts';

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const dist = (values: number[]) =>
  values.length ? `p50 ${percentile(values, 50).toFixed(0)} ms, p95 ${percentile(values, 95).toFixed(0)} ms, p99 ${percentile(values, 99).toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms` : 'none';
const histogram = (statuses: number[]) => {
  const counts = new Map<number, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join(', ');
};

export function printSummary(r: {
  timings: { startupMs: number; seedMs: number; loadMs: number; totalMs: number };
  orgs: number;
  signIns: SignIn[];
  directory: DirectoryRun;
  malformed: MalformedAnswer[];
  answers: Answer[];
  faults: Fault[];
  probes: ReadyProbe[];
  digests: { sent: number; lateness: number[]; firstDueSpreadMs: number };
  verdicts: Verdict[];
}): void {
  const ok = r.signIns.filter((x) => x.memberId);
  const begun = r.signIns.filter((x) => x.attempts.length > 0);
  const lines = [
    '',
    '=== cluster scenario ===',
    `start-up ${s(r.timings.startupMs)}, ${r.orgs} organisations seeded in ${s(r.timings.seedMs)}, load ${s(r.timings.loadMs)}, total ${s(r.timings.totalMs)}`,
    `first sign-ins: ${ok.length} of ${r.signIns.length} got a session (${begun.length} begun), ${(ok.length / (r.timings.loadMs / 1000)).toFixed(1)}/s over the load; ` +
      `${begun.reduce((n, x) => n + x.attempts.length, 0) - begun.length} retries`,
    `  whole flow (succeeding attempt): ${dist(ok.map((x) => x.ms))}`,
    `  callback (through Caddy): ${dist(r.answers.filter((a) => /^\/auth\/[^/]+\/callback$/.test(a.path) && a.status < 400).map((a) => a.ms))}`,
    `SCIM: ${r.directory.operations.filter((o) => o.kind === 'create').length} creates, ${r.directory.operations.filter((o) => o.kind === 'deactivate').length} deactivations, ` +
      `${r.directory.operations.filter((o) => o.tries > 1).length} needed retries; ${dist(r.directory.operations.map((o) => o.ms))}`,
    `malformed: ${r.malformed.length} (${histogram(r.malformed.map((m) => m.status))})`,
    `reminder digests: ${r.digests.sent} emails; first steps of the organisations fell due within ${s(r.digests.firstDueSpreadMs)}; ` +
      `first digest after its due time: ${r.digests.lateness.length ? `p50 ${s(percentile(r.digests.lateness, 50))}, max ${s(Math.max(...r.digests.lateness))}` : 'none sent'}`,
    `answers through Caddy and from the apis: ${histogram(r.answers.filter((a) => a.path !== '/readyz').map((a) => a.status))}`,
    'faults:',
    ...r.faults.map((f) => {
      const probes = r.probes.filter((p) => p.at >= f.startedAt && p.at <= (f.recoveredAt ?? f.endedAt));
      const first503 = probes.find((p) => p.status === 503);
      return `  ${f.name}: ${s(f.endedAt - f.startedAt)}; /readyz ${first503 ? `503 (${first503.down.join(',') || 'draining'}) ${s(first503.at - f.startedAt)} after it began` : 'never 503'}, ` +
        `all 200 ${f.recoveredAt ? `${s(f.recoveredAt - f.endedAt)} after it ended` : 'NOT within 120 s'}`;
    }),
    'invariants:',
    ...r.verdicts.map((v) => `  ${v.held ? 'held  ' : 'FAILED'} ${v.name}: ${v.detail}`),
  ];
  console.log(lines.join('\n'));
}
