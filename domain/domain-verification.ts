/**
 * Domain verification by DNS: the states, the TXT record an organisation creates and the check
 * schedule. Pure: the workflow, the api, the CLI and the DNS activity all read these.
 */

export const domainStatuses = ['pending', 'verified', 'failed'] as const;
export type DomainStatus = (typeof domainStatuses)[number];

/** `operator`: asserted with the CLI (and every domain that existed before DNS verification). */
export const verificationMethods = ['dns', 'operator'] as const;
export type VerificationMethod = (typeof verificationMethods)[number];

/**
 * The record lives on a fixed label under the domain, never on the domain itself: an
 * organisation's own TXT records at the apex (SPF, other vendors' tokens) stay untouched, and
 * the label says which service it is for. Both strings are a contract with IT teams' DNS zones.
 */
export const CHALLENGE_LABEL = '_sso-provisioning-challenge';
export const CHALLENGE_VALUE_PREFIX = 'sso-provisioning-verification=';

export interface ChallengeRecord {
  /** Fully qualified, without the trailing dot. */
  name: string;
  type: 'TXT';
  value: string;
}

export const challengeRecord = (domain: string, token: string): ChallengeRecord => ({
  name: `${CHALLENGE_LABEL}.${domain}`,
  type: 'TXT',
  value: `${CHALLENGE_VALUE_PREFIX}${token}`,
});

/**
 * Whether one of the TXT records (each already joined from its character-strings) carries the
 * token. Tokens are lower-case hex, so comparing case-insensitively loses nothing and forgives
 * DNS consoles that change case; surrounding blanks and quotes pasted by hand are forgiven too.
 */
export function hasChallengeValue(records: string[], token: string): boolean {
  const expected = `${CHALLENGE_VALUE_PREFIX}${token}`.toLowerCase();
  return records.some((record) => record.trim().replace(/^"(.*)"$/, '$1').trim().toLowerCase() === expected);
}

/** What one look-up found, as the page shows it. */
export const lookupOutcomes = ['found', 'no_record', 'other_values', 'dns_error'] as const;
export type LookupOutcome = (typeof lookupOutcomes)[number];

export const lookupOutcomeWords: Record<LookupOutcome, string> = {
  found: 'the record was found',
  no_record: 'no TXT record at that name yet',
  other_values: 'TXT records found, but none with this token',
  dns_error: 'the DNS servers did not answer (will try again)',
};

/** When checks happen: often at first, then at a steady pace, until the deadline; then daily re-checks once verified. */
export interface DomainCheckSchedule {
  /** Waits after the first, second, ... check. */
  firstDelaysMs: number[];
  /** The wait after the early checks run out. */
  thenEveryMs: number;
  /** No record found this long after the attempt started: the domain fails. */
  deadlineMs: number;
  /** Once verified, the record is looked up again this often (warnings only; see docs/domain-verification.md). */
  recheckEveryMs: number;
  /** Re-checks one run makes before it continues as new: each "check now" is a signal, and a run takes at most 10,000. */
  rechecksPerRun: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export const defaultDomainCheckSchedule: DomainCheckSchedule = {
  firstDelaysMs: [1, 2, 5, 10, 15, 30].map((m) => m * MINUTE_MS),
  thenEveryMs: HOUR_MS,
  deadlineMs: 30 * DAY_MS,
  recheckEveryMs: DAY_MS,
  rechecksPerRun: 500,
};

/** The wait after check number `n` (0-based). */
export const delayAfterCheck = (schedule: DomainCheckSchedule, n: number): number => schedule.firstDelaysMs[n] ?? schedule.thenEveryMs;
