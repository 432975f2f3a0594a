import type { Sql } from '../db/client.ts';
import { auditActivities } from './audit.ts';
import { emailActivities, type Mailer } from './email.ts';
import { memberActivities } from './members.ts';
import { invitationActivities } from './invitations.ts';
import { maintenanceActivities } from './maintenance.ts';
import { provisioningActivities } from './provisioning.ts';

export interface ActivityDeps {
  sql: Sql;
  mailer: Mailer;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...auditActivities(deps.sql),
    ...provisioningActivities(deps.sql),
    ...memberActivities(deps.sql),
    ...emailActivities(deps.sql, deps.mailer),
    ...invitationActivities(deps.sql, deps.mailer),
    ...maintenanceActivities(deps.sql),
  };
}

export type Activities = ReturnType<typeof createActivities>;
