import { describe, expect, it } from 'vitest';
import { when } from '../api/pages/layout.ts';
import { durationInWords, relativeTime } from '../domain/relative-time.ts';

const now = Date.parse('2026-12-03T12:00:00Z');
const at = (offsetMs: number) => new Date(now + offsetMs);
const MIN = 60_000;
const DAY = 86_400_000;

describe('times for people', () => {
  it('says spans in the largest unit that reads naturally, like the waiting list', () => {
    expect(durationInWords(20_000)).toBe('less than a minute');
    expect(durationInWords(MIN)).toBe('1 minute');
    expect(durationInWords(119 * MIN)).toBe('119 minutes');
    expect(durationInWords(5 * 60 * MIN)).toBe('5 hours');
    expect(durationInWords(47 * 60 * MIN)).toBe('47 hours');
    expect(durationInWords(3 * DAY)).toBe('3 days');
    expect(durationInWords(-5_000)).toBe('less than a minute');
  });

  it('past and future, and nothing when a date says more', () => {
    expect(relativeTime(at(-3 * DAY), now)).toBe('3 days ago');
    expect(relativeTime(at(2 * 60 * MIN), now)).toBe('in 2 hours');
    expect(relativeTime(at(-10_000), now)).toBe('just now');
    expect(relativeTime(at(30_000), now)).toBe('in less than a minute');
    expect(relativeTime(at(-30 * DAY), now)).toBe('30 days ago');
    expect(relativeTime(at(-31 * DAY), now)).toBeUndefined();
    expect(relativeTime(at(40 * DAY), now)).toBeUndefined();
  });

  it('renders a <time> in UTC with the relative part, right at first paint without any script', async () => {
    expect(String(await when(at(-3 * DAY), now))).toBe('<time datetime="2026-11-30T12:00:00.000Z"><span class="at">2026-11-30 12:00 UTC</span> (3 days ago)</time>');
    expect(String(await when('2025-01-02T03:04:05.000Z', now))).toBe('<time datetime="2025-01-02T03:04:05.000Z"><span class="at">2025-01-02 03:04 UTC</span></time>');
    expect(when(null, now)).toBe('—');
  });
});
