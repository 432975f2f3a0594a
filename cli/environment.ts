/**
 * The environment the CLI runs with. With DATABASE_URL unset outside production, the settings of
 * the `npm run dev` running on this checkout's state folder (DEV_DATA_DIR) come first, so the CLI
 * reaches the database and Temporal it uses even when their ports were moved; anything set in the
 * environment still wins.
 */
import { devDataDir, runningDevInstance, type DevInstance } from '../operator/dev-instance.ts';

export function cliEnvironment(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; devInstance?: DevInstance } {
  if (env.DATABASE_URL || env.APP_ENV === 'production') return { env };
  const devInstance = runningDevInstance(devDataDir(env));
  return devInstance ? { env: { ...devInstance.env, ...env }, devInstance } : { env };
}
