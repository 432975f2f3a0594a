import { CancellationScope, sleep } from '@temporalio/workflow';

/**
 * One durable timer that is kept while its time stays the same. A workflow woken by a signal that
 * changes nothing about its next deadline starts no new timer (each timer is a billable Action).
 */
export class Alarm {
  private at: number | undefined;
  private scope: CancellationScope | undefined;
  rang = false;

  /** Rings at `at` (epoch ms; the workflow's clock), replacing any other time; undefined disarms it. */
  set(at: number | undefined): void {
    if (at === this.at && !this.rang) return;
    this.scope?.cancel();
    this.scope = undefined;
    this.at = at;
    this.rang = false;
    if (at === undefined) return;
    const scope = new CancellationScope();
    this.scope = scope;
    // A cancelled timer rejects; that is the replacement above, not a failure.
    scope.run(() => sleep(Math.max(at - Date.now(), 1))).then(
      () => {
        if (this.scope === scope) this.rang = true;
      },
      () => undefined,
    );
  }
}
