/**
 * How the directory-event backstop (a run every 5 minutes) retries an event Temporal keeps refusing:
 * the next run after a failure, then doubling waits; after DELIVERY_ATTEMPTS failures
 * (about 70 minutes on the 5-minute schedule) the event is parked, which an operator sees and retries (`directory events`).
 * Other events never wait for it.
 */
export const DELIVERY_ATTEMPTS = 5;
// Just under the schedule's 5 minutes, so the next run takes the event again.
const FIRST_RETRY_MS = 4 * 60_000;

export type AfterFailedDelivery = { parked: true } | { parked: false; retryInMs: number };

/** `attempts` counts the failures of this event so far, the one just seen included. */
export function afterFailedDelivery(attempts: number): AfterFailedDelivery {
  if (attempts >= DELIVERY_ATTEMPTS) return { parked: true };
  return { parked: false, retryInMs: FIRST_RETRY_MS * 2 ** (attempts - 1) };
}
