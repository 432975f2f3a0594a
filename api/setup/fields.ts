import { z } from 'zod';
import { hasControlCharacter } from '../../domain/text.ts';

/** An optional label (a token's, a contact's): one line, so it reads the same in pages, the CLI's tab-separated lists and emails. */
export const oneLineName = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .refine((name) => !hasControlCharacter(name), 'must be one line, without tabs or control characters')
    .default('');
