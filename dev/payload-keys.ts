import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatPayloadKeys, parsePayloadKeys } from '../temporal/payload-codec.ts';

/**
 * The dev instance's PAYLOAD_KEYS, generated at its first start and kept in its state folder beside
 * the Temporal SQLite file whose histories it sealed: a later start must read them, and no two
 * state folders (nor anyone who knows the repository's code) share a key.
 */
export function devPayloadKeys(dataDir: string): string {
  const file = join(dataDir, 'payload-keys');
  try {
    const kept = readFileSync(file, 'utf8').trim();
    parsePayloadKeys(kept);
    return kept;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file} holds no valid PAYLOAD_KEYS (${String(err)}): restore it, or remove the state folder to start afresh`);
  }
  const generated = formatPayloadKeys([{ id: 'dev-1', key: randomBytes(32) }]);
  writeFileSync(file, `${generated}\n`, { mode: 0o600, flag: 'wx' });
  return generated;
}
