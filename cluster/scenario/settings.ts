/** The scenario's size; the defaults are issue 15's numbers, smaller values are for local iteration. */
const int = (name: string, fallback: number) => {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a whole number, not "${value}"`);
  return Number(value);
};

export function scenarioSettings() {
  const settings = {
    orgs: int('CLUSTER_ORGS', 1000),
    signInOrgs: int('CLUSTER_SIGN_IN_ORGS', 200),
    signIns: int('CLUSTER_SIGN_INS', 2000),
    concurrency: int('CLUSTER_CONCURRENCY', 20),
    /** Organisations whose directory creates and deactivates people over SCIM (among the sign-in ones, so sessions can be revoked). */
    scimOrgs: int('CLUSTER_SCIM_ORGS', 100),
    scimConcurrency: int('CLUSTER_SCIM_CONCURRENCY', 8),
    /** Malformed requests per 1000 requests of the load. */
    malformedPerMille: int('CLUSTER_MALFORMED_PER_MILLE', 10),
    outageSeconds: int('CLUSTER_OUTAGE_SECONDS', 20),
    /**
     * Nothing new begins after this: a cluster that stalls still gets its report within the CI budget.
     * Not a speed goal (npm run bench:load measures speed): 2,000 sign-ins at 3 a second on a slow
     * or busy 2-core machine, plus the faults, fit in it; a stall (none completing) does not.
     */
    loadDeadlineSeconds: int('CLUSTER_LOAD_DEADLINE_SECONDS', 900),
    /**
     * Every sign-in organisation has an admin, so each gets digests. Its first sign-ins come first
     * (round robin), so their first steps, and the 200 first digests, fall due within one minute.
     */
    reminderSchedule: process.env.CLUSTER_REMINDER_SCHEDULE ?? '90s,1d',
    digestWindow: process.env.CLUSTER_DIGEST_WINDOW ?? '30s',
  };
  if (settings.signInOrgs > settings.orgs || settings.scimOrgs > settings.signInOrgs) {
    throw new Error('CLUSTER_SCIM_ORGS <= CLUSTER_SIGN_IN_ORGS <= CLUSTER_ORGS');
  }
  return settings;
}

export type ScenarioSettings = ReturnType<typeof scenarioSettings>;
