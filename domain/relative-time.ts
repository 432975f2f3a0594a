/**
 * Times for people: "3 days ago", "in 2 hours". The same units as the waiting list's "waiting for
 * 3 days" (up to 119 minutes, then hours up to 47, then days), so the pages agree with each other.
 */
const MINUTE = 60_000;

/** "less than a minute", "1 minute", "5 hours", "3 days": a span of time, rounded down. */
export function durationInWords(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / MINUTE));
  if (minutes < 1) return 'less than a minute';
  const [n, unit] = minutes >= 2880 ? [Math.floor(minutes / 1440), 'day'] : minutes >= 120 ? [Math.floor(minutes / 60), 'hour'] : [minutes, 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** Beyond this a date says more than "41 days ago" and the relative part is left out. */
const RELATIVE_UP_TO_MS = 30 * 86_400_000;

/** "3 days ago", "in 2 hours", "just now", "in less than a minute"; undefined when the time is too far off for it to help. */
export function relativeTime(at: Date, now = Date.now()): string | undefined {
  const ms = at.getTime() - now;
  if (Math.abs(ms) > RELATIVE_UP_TO_MS) return undefined;
  if (Math.abs(ms) < MINUTE) return ms < 0 ? 'just now' : 'in less than a minute';
  return ms < 0 ? `${durationInWords(-ms)} ago` : `in ${durationInWords(ms)}`;
}
