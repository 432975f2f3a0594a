import { describe, expect, it } from 'vitest';
import { afterFailedDelivery, DELIVERY_ATTEMPTS } from '../domain/directory-delivery.ts';

const MIN = 60_000;

describe('retrying a directory event the backstop could not deliver', () => {
  it('waits about one backstop run after the first failure, then twice as long each time', () => {
    const waits = Array.from({ length: DELIVERY_ATTEMPTS - 1 }, (_, i) => afterFailedDelivery(i + 1));
    expect(waits).toEqual([4, 8, 16, 32].map((m) => ({ parked: false, retryInMs: m * MIN })));
  });

  it('parks the event at its last attempt, and whatever comes after', () => {
    expect(afterFailedDelivery(DELIVERY_ATTEMPTS)).toEqual({ parked: true });
    expect(afterFailedDelivery(DELIVERY_ATTEMPTS + 3)).toEqual({ parked: true });
  });
});
