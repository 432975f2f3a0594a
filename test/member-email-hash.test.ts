import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { memberEmailHasher } from '../temporal/member-email-hash.ts';

const key = (fill: number) => Buffer.alloc(32, fill);

it('hashes the normalized email: case and surrounding spaces do not change it', () => {
  const hash = memberEmailHasher(key(1));
  expect(hash('ada@acme.test')).toMatch(/^[0-9a-f]{64}$/);
  expect(hash('  Ada@ACME.test ')).toBe(hash('ada@acme.test'));
  expect(hash('bea@acme.test')).not.toBe(hash('ada@acme.test'));
});

it('is keyed: another ENCRYPTION_KEY gives another hash, and no unkeyed hash of the email matches it', () => {
  const email = 'ada@acme.test';
  const hash = memberEmailHasher(key(1))(email);
  expect(memberEmailHasher(key(2))(email)).not.toBe(hash);
  for (const algorithm of ['sha256', 'sha1', 'md5']) expect(createHash(algorithm).update(email).digest('hex')).not.toBe(hash);
});
