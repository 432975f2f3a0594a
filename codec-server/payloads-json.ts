import type { Payload } from '@temporalio/common';
import { z } from 'zod';

/** A decode request carries one event's payloads; the UI and the CLI never send near this many. */
export const MAX_PAYLOADS = 100;
const MAX_METADATA_ENTRIES = 32;

/**
 * proto3 JSON bytes: base64, standard or URL-safe, padded or not (what protojson and the UI send).
 * Buffer.from alone would skip any character it does not know instead of refusing it.
 */
function fromBase64(value: string): Buffer | undefined {
  const standard = value.replaceAll('-', '+').replaceAll('_', '/').replace(/={1,2}$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(standard) || standard.length % 4 === 1) return undefined;
  return Buffer.from(standard, 'base64');
}

const bytes = z.string().transform((value, ctx) => {
  const decoded = fromBase64(value);
  if (decoded) return new Uint8Array(decoded);
  ctx.addIssue({ code: 'custom', message: 'must be base64' });
  return z.NEVER;
});

const jsonPayload = z.object({
  metadata: z
    .record(z.string().min(1).max(256), bytes)
    .nullish()
    .refine((m) => !m || Object.keys(m).length <= MAX_METADATA_ENTRIES, `must have at most ${MAX_METADATA_ENTRIES} entries`),
  data: bytes.nullish(),
});

/** The body of /encode and /decode: Temporal's Payloads message as proto3 JSON. */
export const payloadsBody = z.object(
  {
    payloads: z.array(jsonPayload, { error: 'must be an array of payloads' }).max(MAX_PAYLOADS, `must hold at most ${MAX_PAYLOADS} payloads`),
  },
  { error: 'must be an object with a payloads array' },
);

export const toPayloads = (body: z.infer<typeof payloadsBody>): Payload[] =>
  body.payloads.map(({ metadata, data }) => ({ metadata: metadata ?? {}, data: data ?? new Uint8Array() }));

const toBase64 = (value: Uint8Array | null | undefined) => Buffer.from(value ?? new Uint8Array()).toString('base64');

/** Only the two fields: protojson readers (the Go SDK in the CLI) refuse unknown ones. */
export const toJson = (payloads: Payload[]) => ({
  payloads: payloads.map(({ metadata, data }) => ({
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, toBase64(value)])),
    data: toBase64(data),
  })),
});
