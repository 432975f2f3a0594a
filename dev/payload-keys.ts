import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatPayloadKeys } from '../temporal/payload-codec.ts';

/**
 * The payload keys `npm run dev` gives the codec server (and the worker and api beside it):
 * PAYLOAD_KEYS from the environment, else a key made once and kept in the state folder, so
 * histories in the dev server's SQLite file stay readable across restarts. Until the config module
 * owns PAYLOAD_KEYS and its development default, this one function decides them for development.
 */
export function devPayloadKeys(env: NodeJS.ProcessEnv, dataDir: string): string {
  if (env.PAYLOAD_KEYS) return env.PAYLOAD_KEYS;
  const file = join(dataDir, 'payload-keys');
  if (!existsSync(file)) writeFileSync(file, formatPayloadKeys([{ id: 'dev', key: randomBytes(32) }]), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

