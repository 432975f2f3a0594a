import { z } from 'zod';
import { allowsInsecureIssuer } from '../auth/oidc.ts';
import { ConfigError } from '../config/index.ts';
import { parsePayloadKeys, PayloadKeyError, type PayloadKey } from '../temporal/payload-codec.ts';
import { parseRequiredClaim, type RequiredClaim } from './required-claim.ts';

/** Hosts that only this machine reaches: the one bind on which development may decode for the dev UI without a token. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * The dev UI (`temporal server start-dev`) is served on this machine: only a loopback origin can be
 * it. A loopback bind may still sit behind a proxy, and Origin is a header anyone can send.
 */
export const isLoopbackOrigin = (origin: string) => LOOPBACK_HOSTS.has(new URL(origin).hostname.replace(/^\[|\]$/g, ''));

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

/** Compose passes an unset variable as an empty string: that means unset, not an empty value. */
const unlessEmpty = <T extends z.ZodType>(inner: T) => z.preprocess((value) => (value === '' ? undefined : value), inner.optional());

const issuer = z.string().transform((value, ctx) => {
  const url = URL.parse(value);
  if (!url || url.search !== '' || url.hash !== '') {
    ctx.addIssue({ code: 'custom', message: 'must be the issuer URL of the operators\' identity provider, e.g. https://login.example.com (no query or fragment)' });
    return z.NEVER;
  }
  return url;
});

const requiredClaim = z.string().transform((value, ctx) => {
  const parsed = parseRequiredClaim(value);
  if (!parsed) ctx.addIssue({ code: 'custom', message: 'must be name=value, e.g. groups=temporal-operators or scope=codec:decode' });
  return parsed ?? z.NEVER;
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
    CODEC_OIDC_ISSUER: unlessEmpty(issuer),
    CODEC_OIDC_AUDIENCE: unlessEmpty(z.string()),
    CODEC_OIDC_REQUIRED_CLAIM: unlessEmpty(requiredClaim),
    PAYLOAD_KEYS: payloadKeys,
  })
  .superRefine((env, ctx) => {
    const production = env.APP_ENV === 'production';
    if (production && env.CODEC_SERVER_TOKENS.length === 0 && !env.CODEC_OIDC_ISSUER) {
      ctx.addIssue({ code: 'custom', path: ['CODEC_SERVER_TOKENS'], message: 'or CODEC_OIDC_ISSUER is required in production: without either nobody may decode' });
    }
    const issuerUrl = env.CODEC_OIDC_ISSUER;
    if (!issuerUrl) {
      for (const name of ['CODEC_OIDC_AUDIENCE', 'CODEC_OIDC_REQUIRED_CLAIM'] as const) {
        if (env[name] !== undefined) ctx.addIssue({ code: 'custom', path: [name], message: 'needs CODEC_OIDC_ISSUER: it applies to access tokens from that issuer' });
      }
      return;
    }
    if (issuerUrl.protocol !== 'https:' && !allowsInsecureIssuer(issuerUrl, env.APP_ENV)) {
      ctx.addIssue({ code: 'custom', path: ['CODEC_OIDC_ISSUER'], message: 'must use https:// (plain http:// only for an identity provider on this machine, outside production)' });
    }
    if (!env.CODEC_OIDC_AUDIENCE) {
      ctx.addIssue({ code: 'custom', path: ['CODEC_OIDC_AUDIENCE'], message: 'is required with CODEC_OIDC_ISSUER: the audience the IdP puts in access tokens meant for this codec server' });
    }
    // Every user of the operators' IdP can get a token for the audience; production says which of them are operators.
    if (production && !env.CODEC_OIDC_REQUIRED_CLAIM) {
      ctx.addIssue({ code: 'custom', path: ['CODEC_OIDC_REQUIRED_CLAIM'], message: 'is required in production with CODEC_OIDC_ISSUER (e.g. groups=temporal-operators): otherwise every user of that IdP may decode' });
    }
  });

/** Access tokens the Temporal UI forwards (its `codec.passAccessToken`), verified against the operators' IdP. */
export type CodecOidcSettings = Readonly<{
  issuer: URL;
  audience: string;
  requiredClaim?: RequiredClaim;
  /** A loopback http issuer outside production (the test IdP). */
  allowHttp: boolean;
}>;

export type CodecServerConfig = Readonly<{
  env: 'development' | 'test' | 'production';
  logLevel: string;
  /** The namespace whose payloads these keys seal; a request naming another is refused. */
  namespace: string;
  host: string;
  port: number;
  /** Operators' bearer tokens (CODEC_SERVER_TOKENS). */
  tokens: readonly string[];
  /** Set with CODEC_OIDC_ISSUER: operators may also authenticate with the UI's forwarded access token. */
  oidc?: CodecOidcSettings;
  /** The Temporal UI's origins: the only browser pages granted CORS. */
  uiOrigins: readonly string[];
  payloadKeys: readonly PayloadKey[];
  /**
   * Development on a loopback bind: the dev UI (`temporal server start-dev`) can send no credentials,
   * so its origin, when a loopback one, may decode without a token. Never in test or production.
   */
  devUiWithoutToken: boolean;
}>;

/** The codec server's own variables (and the shared APP_ENV, LOG_LEVEL, TEMPORAL_NAMESPACE, PAYLOAD_KEYS), parsed once. */
export function loadCodecServerConfig(env: NodeJS.ProcessEnv = process.env): CodecServerConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'} ${i.message}`));
  const e = parsed.data;
  const oidc: CodecOidcSettings | undefined =
    e.CODEC_OIDC_ISSUER && e.CODEC_OIDC_AUDIENCE
      ? Object.freeze({
          issuer: e.CODEC_OIDC_ISSUER,
          audience: e.CODEC_OIDC_AUDIENCE,
          ...(e.CODEC_OIDC_REQUIRED_CLAIM ? { requiredClaim: e.CODEC_OIDC_REQUIRED_CLAIM } : {}),
          allowHttp: e.CODEC_OIDC_ISSUER.protocol === 'http:',
        })
      : undefined;
  return Object.freeze({
    env: e.APP_ENV,
    logLevel: e.LOG_LEVEL,
    namespace: e.TEMPORAL_NAMESPACE,
    host: e.CODEC_SERVER_HOST,
    port: e.CODEC_SERVER_PORT,
    tokens: Object.freeze(e.CODEC_SERVER_TOKENS),
    ...(oidc ? { oidc } : {}),
    uiOrigins: Object.freeze(e.CODEC_SERVER_UI_ORIGIN),
    payloadKeys: Object.freeze(e.PAYLOAD_KEYS),
    devUiWithoutToken: e.APP_ENV === 'development' && LOOPBACK_HOSTS.has(e.CODEC_SERVER_HOST),
  });
}
