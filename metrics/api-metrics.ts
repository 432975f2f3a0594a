import { Counter, Histogram, Registry } from 'prom-client';
import type { ProvisionRefusal } from '../domain/identity-linking.ts';
import type { ClaimsRefusal } from '../domain/sign-in.ts';

/** How a sign-in callback ended. Every value is a fixed word: no org, email or IdP text reaches a label. */
export type SignInOutcome = 'created' | 'linked' | 'signed_in' | 'disabled' | 'refused';
export type SignInRefusal = ClaimsRefusal | ProvisionRefusal | 'expired' | 'idp_refused' | 'cancelled' | 'response_rejected' | 'connection_removed';

/** Seconds; from a cached page to a sign-in waiting on Temporal (api/temporal.ts bounds that wait). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The api's own metrics, on a registry of its own (one per app, so tests never share counts). */
export function createApiMetrics(registry = new Registry()) {
  const registers = [registry];
  const signIns = new Counter({ name: 'sso_sign_ins_total', help: 'Sign-in callbacks by outcome; reason names a refusal, "none" otherwise.', labelNames: ['outcome', 'reason'] as const, registers });
  return {
    registry,
    httpRequests: new Histogram({
      name: 'sso_http_request_duration_seconds',
      help: 'HTTP requests to the public app by method, matched route pattern (never the raw path) and status.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    scimRequests: new Counter({ name: 'sso_scim_requests_total', help: 'SCIM requests by method and response status.', labelNames: ['method', 'status'] as const, registers }),
    countSignIn(outcome: SignInOutcome, reason: SignInRefusal | 'none' = 'none') {
      signIns.inc({ outcome, reason });
    },
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
