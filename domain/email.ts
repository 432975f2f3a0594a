import { z } from 'zod';
import { hasControlCharacter } from './text.ts';

/** A local part of up to 64 characters, the @ and a domain of up to 255. */
export const MAX_EMAIL_LENGTH = 320;

/**
 * The one email-address check of the api, the CLI and the activities: something, @, and a dotted
 * domain, no whitespace or control characters, at most 320 characters. Enough to route mail and
 * sign-ins; the IdP or the mailbox vouches for the rest. No mail-header syntax either (`<>`,
 * `()`, `,;:`, quotes, brackets, backslash): the mailer would read `a.example<x@evil.example>` as a
 * display name and another address, so what is stored and shown would not be where mail goes.
 */
export const isEmailAddress = (value: string): boolean =>
  value.length <= MAX_EMAIL_LENGTH && !hasControlCharacter(value) && /^[^@\s<>(),;:"[\]\\]+@[^@\s<>(),;:"[\]\\]+\.[^@\s<>(),;:"[\]\\]+$/.test(value);

/** The same check at zod edges; the address comes out trimmed and lower-cased. */
export const emailAddress = z
  .string()
  .trim()
  .refine(isEmailAddress, `must be an email address (name@domain.example, at most ${MAX_EMAIL_LENGTH} characters)`)
  .transform((email) => email.toLowerCase());
