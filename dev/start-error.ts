import { ConfigError } from '../config/index.ts';

/** A start-up step that failed, said in one line: what failed and what to do about it. */
export class DevStartError extends Error {
  override name = 'DevStartError';
}

/** The one line `npm run dev` prints when it gives up. */
export function oneLine(err: unknown): string {
  if (err instanceof DevStartError) return err.message;
  if (err instanceof ConfigError) return `invalid configuration: ${err.issues.join('; ')}`;
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!;
}
