import type { Sql } from '../db/client.ts';
import { auditActivities } from './audit.ts';

export interface ActivityDeps {
  sql: Sql;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...auditActivities(deps.sql),
  };
}

export type Activities = ReturnType<typeof createActivities>;
