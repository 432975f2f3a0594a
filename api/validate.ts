import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import { z } from 'zod';
import { ClientError } from './errors.ts';

export const describeIssues = (issues: readonly z.core.$ZodIssue[]) =>
  issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');

/** zod validation at the edge; failures become one 400 with every problem named. */
export const validate = <T extends keyof ValidationTargets, S extends z.ZodType>(target: T, schema: S) =>
  zValidator(target, schema, (result) => {
    if (!result.success) throw new ClientError(400, 'invalid_request', describeIssues(result.error.issues));
  });

/** An id as PostgreSQL prints it: a UUID in any case, compared in lower case. */
export const uuidId = () => z.uuid().transform((id) => id.toLowerCase());
