import { z } from 'zod';
import type { MemberKey } from '../db/member-queries.ts';

// Members are created in this era: a well-formed date PostgreSQL cannot hold (year 0) is no cursor either.
const memberTime = z.iso.datetime().refine((at) => /^(19[7-9]\d|2\d{3})-/.test(at), 'outside the years members exist');
const memberKey = z.tuple([memberTime, z.uuid()]);

/** Opaque to clients: they pass back what the previous page gave them. */
export const encodeMemberCursor = ({ createdAt, id }: MemberKey): string =>
  Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');

/** The `cursor` query parameter: anything but a cursor this API handed out is a 400. */
export const memberCursor = z
  .string()
  .max(200)
  .transform((value, ctx): MemberKey => {
    const key = memberKey.safeParse(parseJson(Buffer.from(value, 'base64url').toString('utf8')));
    if (key.success) return { createdAt: key.data[0], id: key.data[1] };
    ctx.addIssue({ code: 'custom', message: 'not a cursor from this API; repeat the request without it to start at the first page' });
    return z.NEVER;
  });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
