import { Context, log } from '@temporalio/activity';
import { isGrpcServiceError } from '@temporalio/client';
import type { Sql } from '../db/client.ts';
import { clearDeliveredFailures, dueDirectoryEvents, recordDelivered, recordDeliveryFailure, type PendingDirectoryEvent } from '../db/directory-events.ts';
import type { TemporalPorts } from './ports.ts';

/** Events per run: a backlog larger than this is taken on by the next runs. */
const BATCH = 500;
/** Temporal takes a signal in milliseconds; one that hangs must not hold up the rest. */
const SEND_DEADLINE_MS = 10_000;

export interface DirectorySweepResult {
  delivered: number;
  /** Failed this run and wait their backoff. */
  failed: number;
  /** Failed for the last time this run: left to an operator (`npm run cli -- directory events`). */
  parked: number;
}

/** gRPC codes of a Temporal that cannot take calls at all (unreachable, overloaded, too slow, refusing us), rather than this one. */
const OUTAGE_CODES = new Set([/* CANCELLED */ 1, /* DEADLINE_EXCEEDED */ 4, /* PERMISSION_DENIED */ 7, /* RESOURCE_EXHAUSTED */ 8, /* UNAVAILABLE */ 14, /* UNAUTHENTICATED */ 16]);

function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (isGrpcServiceError(e)) return e.code;
  return undefined;
}

/** The client's message and its causes' ("Failed to signalWithStart Workflow: 3 INVALID_ARGUMENT: exceeded ..."): what Temporal said. */
function errorText(err: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) messages.push(e.message);
  return messages.join(': ') || String(err);
}

/** `sendDeadlineMs`: how long one signal, and the check whether Temporal answers at all, may take. */
export function directorySweepActivities(sql: Sql, temporal: Pick<TemporalPorts, 'sendDirectoryEvent' | 'temporalAnswers'>, { sendDeadlineMs = SEND_DEADLINE_MS } = {}) {
  async function isTemporalOutage(err: unknown): Promise<boolean> {
    const code = grpcCode(err);
    return code !== undefined && OUTAGE_CODES.has(code) && !(await temporal.temporalAnswers(sendDeadlineMs));
  }

  async function noteFailure(pending: PendingDirectoryEvent, err: unknown) {
    const failure = await recordDeliveryFailure(sql, pending, errorText(err));
    const fields = { orgId: pending.member.orgId, memberId: pending.member.memberId, seq: pending.event.seq, state: pending.event.state, attempts: failure.attempts, error: errorText(err) };
    if (failure.parked) log.warn('directory event parked after repeated failures; see `npm run cli -- directory events --parked`', fields);
    else log.warn('directory event not delivered; the backstop tries it again later', fields);
    return failure;
  }

  return {
    /**
     * Delivers directory events the SCIM api committed but could not hand to the member's lifecycle
     * (Temporal unreachable for a moment), for directories that do not retry the request. Each
     * event stands alone: one Temporal refuses counts an attempt and waits its backoff, or is parked
     * after the last (db/directory-events.ts), and the run goes on. Only an outage of Temporal
     * itself fails the run, charging no event. Idempotent: the lifecycle ignores an event whose seq
     * it has seen, and a delivered one is marked so the next run skips it.
     */
    async redeliverDirectoryEvents(scope: { orgId?: string }): Promise<DirectorySweepResult> {
      const ctx = Context.current();
      await clearDeliveredFailures(sql);
      const result: DirectorySweepResult = { delivered: 0, failed: 0, parked: 0 };
      for (const pending of await dueDirectoryEvents(sql, BATCH, scope.orgId)) {
        ctx.heartbeat({ ...result });
        if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
        try {
          await temporal.sendDirectoryEvent(pending.member, pending.event, { signal: ctx.cancellationSignal, timeoutMs: sendDeadlineMs });
        } catch (err) {
          if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
          if (await isTemporalOutage(err)) throw err;
          result[(await noteFailure(pending, err)).parked ? 'parked' : 'failed'] += 1;
          continue;
        }
        await recordDelivered(sql, pending);
        result.delivered += 1;
      }
      return result;
    },
  };
}
