/**
 * The service on the private PostgreSQL as docker-compose runs it: deploy/database-roles.sql as the
 * superuser, migrations as the owner role, and the compiled worker and api (`npm run build`) as
 * the least-privileged app role.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { managedProcess, type ManagedProcess } from './process.ts';
import type { PrivatePostgres } from './postgres.ts';

const run = promisify(execFile);
export const root = join(import.meta.dirname, '..');
const APP_DATABASE = 'sso_provisioning';
const roles = { owner: { name: 'sso_owner', password: 'cluster-owner' }, app: { name: 'sso_app', password: 'cluster-app' } };

export const roleUrl = (pg: PrivatePostgres, role: keyof typeof roles) =>
  `postgres://${roles[role].name}:${roles[role].password}@127.0.0.1:${pg.port}/${APP_DATABASE}`;

export async function setUpDatabase(pg: PrivatePostgres): Promise<void> {
  await run('psql', ['--no-psqlrc', '--quiet', '--file', join(root, 'deploy', 'database-roles.sql')], {
    env: {
      ...process.env,
      PGHOST: '127.0.0.1',
      PGPORT: String(pg.port),
      PGUSER: pg.superuser.user,
      PGPASSWORD: pg.superuser.password,
      PGDATABASE: 'postgres',
      APP_DATABASE,
      DB_OWNER_ROLE: roles.owner.name,
      DB_OWNER_PASSWORD: roles.owner.password,
      DB_APP_ROLE: roles.app.name,
      DB_APP_PASSWORD: roles.app.password,
    },
  });
  await run(process.execPath, [join(root, 'dist', 'db', 'migrate-cli.js')], { env: { ...process.env, DATABASE_URL: roleUrl(pg, 'owner') } });
}

export function requireBuild(): void {
  for (const entry of ['worker/main.js', 'api/main.js', 'db/migrate-cli.js', 'workflow-bundle.js']) {
    if (!existsSync(join(root, 'dist', entry))) throw new Error(`dist/${entry} is missing: run npm run build first`);
  }
}

/** A compiled entry point as a cluster process, logging to `{dir}/{name}.log`. */
export function appProcess(dir: string, name: string, entry: 'worker/main.js' | 'api/main.js', env: NodeJS.ProcessEnv): ManagedProcess {
  return managedProcess({ name, command: process.execPath, args: [join(root, 'dist', entry)], env, cwd: root, logFile: join(dir, `${name}.log`) });
}

export const readyLine = { worker: /"msg":"worker started"/, api: /"msg":"api listening"/ };
