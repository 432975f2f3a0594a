/**
 * Revoked and expired sessions stay this long after they end (for investigating an incident:
 * which sessions a member had, when they stopped), then the scheduled prune deletes them.
 */
export const SESSION_RETENTION_DAYS = 30;
