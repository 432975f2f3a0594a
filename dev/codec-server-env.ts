import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What `npm run dev` adds for the codec server, unless the environment sets it: the dev UI's
 * origins (as typed: 127.0.0.1 or localhost), and an operator token for `temporal ... --codec-auth`,
 * made once and kept in the state folder. The dev UI itself needs no token: on a loopback bind in
 * development its origin may decode without one (codec-server/config.ts, devUiWithoutToken).
 */
export function devCodecServerEnv(env: NodeJS.ProcessEnv, dataDir: string, uiPort: number): { CODEC_SERVER_UI_ORIGIN: string; CODEC_SERVER_TOKENS: string } {
  const tokenFile = join(dataDir, 'codec-server-token');
  if (!env.CODEC_SERVER_TOKENS && !existsSync(tokenFile)) writeFileSync(tokenFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
  return {
    CODEC_SERVER_UI_ORIGIN: env.CODEC_SERVER_UI_ORIGIN ?? `http://127.0.0.1:${uiPort},http://localhost:${uiPort}`,
    CODEC_SERVER_TOKENS: env.CODEC_SERVER_TOKENS ?? readFileSync(tokenFile, 'utf8').trim(),
  };
}
