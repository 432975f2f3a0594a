import { createServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { activityPorts } from '../temporal/activity-ports.ts';
import { coalescedNudges } from '../temporal/coalesced-nudges.ts';
import type { OrgRef } from '../domain/member.ts';
import type { RemindersNudge } from '../workflows/definitions.ts';
import { testDataConverter, testEmailHash } from './support/payload-keys.ts';

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

describe('the worker\'s reminder nudges when Temporal takes the call and never answers', () => {
  it('fail within a bounded time, and so do the nudges merged behind them (instead of holding the org\'s lane for good) and the sweep\'s "is it running" question', async () => {
    // An HTTP/2 server that accepts every gRPC call and never answers: a stalled frontend.
    const stalled = createServer();
    stalled.on('stream', () => {});
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const connection = Connection.lazy({ address: `127.0.0.1:${(stalled.address() as AddressInfo).port}` });
    try {
      const ports = activityPorts(new Client({ connection, dataConverter: testDataConverter }), 'stalled', testEmailHash);
      const outcome = (p: Promise<void>) => p.then(() => 'sent', () => 'failed');
      const first = outcome(ports.nudgeReminders(acme, { dueAt: at(30) }));
      const merged = outcome(ports.nudgeReminders(acme, { dueAt: at(40) }));
      const running = outcome(ports.remindersRunning(acme).then(() => {}));
      expect(await Promise.all([first, merged, running])).toEqual(['failed', 'failed', 'failed']);
    } finally {
      await connection.close();
      stalled.close();
    }
  }, 60_000);
});
