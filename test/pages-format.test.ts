import { expect, it } from 'vitest';
import { waitedFor } from '../api/pages/members-list.ts';

it('says how long a member has waited in the largest unit that reads naturally', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');
  const ago = (ms: number) => new Date(now - ms);
  expect(waitedFor(ago(20_000), now)).toBe('less than a minute');
  expect(waitedFor(ago(60_000), now)).toBe('1 minute');
  expect(waitedFor(ago(119 * 60_000), now)).toBe('119 minutes');
  expect(waitedFor(ago(5 * 3_600_000), now)).toBe('5 hours');
  expect(waitedFor(ago(47 * 3_600_000), now)).toBe('47 hours');
  expect(waitedFor(ago(3 * 86_400_000), now)).toBe('3 days');
  // A clock a little behind the database's never shows a negative wait.
  expect(waitedFor(new Date(now + 5_000), now)).toBe('less than a minute');
});
