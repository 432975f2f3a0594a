import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { devPayloadKeys } from '../dev/payload-keys.ts';
import { parsePayloadKeys } from '../temporal/payload-codec.ts';

const dirs: string[] = [];
const stateFolder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'dev-state-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

it('npm run dev generates a random key at its first start, readable only by its owner, and reuses it later', () => {
  const dir = stateFolder();
  const first = devPayloadKeys(dir);
  expect(parsePayloadKeys(first)).toHaveLength(1);
  expect(statSync(join(dir, 'payload-keys')).mode & 0o777).toBe(0o600);
  expect(devPayloadKeys(dir)).toBe(first);
  // Another state folder gets its own key: no two dev instances (nor the repository) share one.
  expect(devPayloadKeys(stateFolder())).not.toBe(first);
});

it('refuses a damaged key file instead of replacing the key that sealed the folder\'s histories', () => {
  const dir = stateFolder();
  writeFileSync(join(dir, 'payload-keys'), 'dev-1=short\n');
  expect(() => devPayloadKeys(dir)).toThrow(/payload-keys holds no valid PAYLOAD_KEYS.*key "dev-1" must be 32 bytes/);
  expect(readFileSync(join(dir, 'payload-keys'), 'utf8')).toBe('dev-1=short\n');
});
