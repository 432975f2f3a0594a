import { isEmailAddress, MAX_EMAIL_LENGTH } from '../domain/email.ts';

/** An operator mistake: the message says what to change. */
export class OperatorError extends Error {
  override name = 'OperatorError';
}

/** An address typed on the command line, checked with the one email rule (domain/email.ts) and lower-cased. */
export function operatorEmail(typed: string): string {
  const email = typed.trim();
  if (!isEmailAddress(email)) throw new OperatorError(`"${email.slice(0, 80)}" is not an email address (name@domain.example, at most ${MAX_EMAIL_LENGTH} characters)`);
  return email.toLowerCase();
}
