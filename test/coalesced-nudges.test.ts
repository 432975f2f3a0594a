import { describe, expect, it } from 'vitest';
import { coalescedNudges } from '../temporal/coalesced-nudges.ts';
import type { OrgRef } from '../domain/member.ts';
import type { RemindersNudge } from '../workflows/definitions.ts';

const acme: OrgRef = { orgId: 'org-acme', orgSlug: 'acme' };
const globex: OrgRef = { orgId: 'org-globex', orgSlug: 'globex' };
const at = (minute: number) => new Date(Date.UTC(2030, 0, 1, 9, minute)).toISOString();

/** A send that records what went out and finishes only when told to. */
function recordingSend() {
  const sent: { org: string; nudge: RemindersNudge; finish: (err?: Error) => void }[] = [];
  const send = (org: OrgRef, nudge: RemindersNudge) =>
    new Promise<void>((resolve, reject) => sent.push({ org: org.orgSlug, nudge, finish: (err) => (err ? reject(err) : resolve()) }));
  return { sent, send };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('nudges of one organisation merged while one is on its way', () => {
  it('sends the first at once and the rest as one nudge with the earliest due time, answering each caller only after a nudge sent after its call', async () => {
    const { sent, send } = recordingSend();
    const nudge = coalescedNudges(send);
    const answered: string[] = [];
    const first = nudge(acme, { dueAt: at(30) }).then(() => answered.push('first'));
    const later = [at(50), at(40), at(45)].map((dueAt) => nudge(acme, { dueAt }).then(() => answered.push(dueAt)));
    await settle();
    expect(sent.map((s) => s.nudge)).toEqual([{ dueAt: at(30) }]);

    sent[0]!.finish();
    await first;
    await settle();
    expect(answered).toEqual(['first']);
    expect(sent.map((s) => s.nudge)).toEqual([{ dueAt: at(30) }, { dueAt: at(40) }]);

    sent[1]!.finish();
    await Promise.all(later);
    expect(answered.sort()).toEqual([at(40), at(45), at(50), 'first'].sort());
  });

  it('keeps organisations and "try now" nudges apart', async () => {
    const { sent, send } = recordingSend();
    const nudge = coalescedNudges(send);
    void nudge(acme, { dueAt: at(30) });
    void nudge(globex, { dueAt: at(31) });
    void nudge(acme, {});
    await settle();
    expect(sent.map((s) => [s.org, s.nudge])).toEqual([
      ['acme', { dueAt: at(30) }],
      ['globex', { dueAt: at(31) }],
      ['acme', {}],
    ]);
  });

  it('fails every caller of a merged nudge that failed (their activities retry), and goes on afterwards', async () => {
    const { sent, send } = recordingSend();
    const nudge = coalescedNudges(send);
    const first = nudge(acme, { dueAt: at(30) });
    const merged = [nudge(acme, { dueAt: at(40) }), nudge(acme, { dueAt: at(41) })].map((p) => p.then(() => 'ok', (err: Error) => err.message));
    sent[0]!.finish();
    await first;
    await settle();
    sent[1]!.finish(new Error('Temporal unavailable'));
    expect(await Promise.all(merged)).toEqual(['Temporal unavailable', 'Temporal unavailable']);

    const again = nudge(acme, { dueAt: at(50) });
    await settle();
    expect(sent[2]!.nudge).toEqual({ dueAt: at(50) });
    sent[2]!.finish();
    await again;
  });
});
