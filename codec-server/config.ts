import { z } from 'zod';
import { ConfigError } from '../config/index.ts';
import { parsePayloadKeys, PayloadKeyError, type PayloadKey } from '../temporal/payload-codec.ts';

/** Hosts that only this machine reaches: the one bind on which development may decode for the dev UI without a token. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

const tokens = z.string().transform((value, ctx) => {
  const items = list(value);
  // A guessable token would open every member's data: as long as SESSION_SECRET at least.
  if (items.some((token) => token.length < 32)) ctx.addIssue({ code: 'custom', message: 'each token must be at least 32 characters (openssl rand -base64 32)' });
  return items;
});

const origins = z.string().transform((value, ctx) => {
  const items = list(value);
  for (const item of items) {
    const origin = URL.canParse(item) ? new URL(item).origin : 'null';
    if (origin === 'null' || origin !== item.replace(/\/$/, '')) {
      ctx.addIssue({ code: 'custom', message: `"${item}" must be an origin such as https://temporal-ui.example.com (scheme, host and port only)` });
    }
  }
  return items.map((item) => new URL(item).origin);
});

const payloadKeys = z.string({ error: 'is required (id=base64key,...; the same keys as the worker and api)' }).transform((value, ctx) => {
  try {
    return parsePayloadKeys(value);
  } catch (err) {
    if (!(err instanceof PayloadKeyError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
    return z.NEVER;
  }
});

const schema = z
  .object({
    APP_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    CODEC_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
    CODEC_SERVER_PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535).default(8234),
    CODEC_SERVER_TOKENS: tokens.prefault(''),
    CODEC_SERVER_UI_ORIGIN: origins.prefault(''),
    PAYLOAD_KEYS: payloadKeys,
  })
  .superRefine((env, ctx) => {
    if (env.APP_ENV === 'production' && env.CODEC_SERVER_TOKENS.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['CODEC_SERVER_TOKENS'], message: 'is required in production: without a token nobody may decode' });
    }
  });

export type CodecServerConfig = Readonly<{
  env: 'development' | 'test' | 'production';
  logLevel: string;
  /** The namespace whose payloads these keys seal; a request naming another is refused. */
  namespace: string;
  host: string;
  port: number;
  /** Operators' bearer tokens (CODEC_SERVER_TOKENS). */
  tokens: readonly string[];
  /** The Temporal UI's origins: the only browser pages granted CORS. */
  uiOrigins: readonly string[];
  payloadKeys: readonly PayloadKey[];
  /**
   * Development on a loopback bind: the dev UI (`temporal server start-dev`) can send no credentials,
   * so its origin may decode without a token. Never in test or production.
   */
  devUiWithoutToken: boolean;
}>;

/** The codec server's own variables (and the shared APP_ENV, LOG_LEVEL, TEMPORAL_NAMESPACE, PAYLOAD_KEYS), parsed once. */
export function loadCodecServerConfig(env: NodeJS.ProcessEnv = process.env): CodecServerConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'} ${i.message}`));
  const e = parsed.data;
  return Object.freeze({
    env: e.APP_ENV,
    logLevel: e.LOG_LEVEL,
    namespace: e.TEMPORAL_NAMESPACE,
    host: e.CODEC_SERVER_HOST,
    port: e.CODEC_SERVER_PORT,
    tokens: Object.freeze(e.CODEC_SERVER_TOKENS),
    uiOrigins: Object.freeze(e.CODEC_SERVER_UI_ORIGIN),
    payloadKeys: Object.freeze(e.PAYLOAD_KEYS),
    devUiWithoutToken: e.APP_ENV === 'development' && LOOPBACK_HOSTS.has(e.CODEC_SERVER_HOST),
  });
}
