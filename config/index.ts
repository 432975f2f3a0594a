import { z } from 'zod';
import { DEFAULT_POOL_MAX } from '../db/client.ts';
import { parseDuration } from '../domain/duration.ts';
import { parseSchedule, type ReminderPolicy } from '../domain/reminders.ts';
import { parsePayloadKeys, PayloadKeyError, type PayloadKey } from '../temporal/payload-codec.ts';
import { dnsServers } from './dns-servers.ts';
import { tracingConfig, tracingEnv, type TracingConfig } from './tracing.ts';

/** Start-up refuses a bad environment with the variable named, so operators fix the right thing. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n  - ${issues.join('\n  - ')}`);
  }
}

/** Where development and tests find PostgreSQL unless told otherwise (`npm run dev` embeds one there when none answers). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/sso_provisioning';

const DEV_SECRET = 'dev-only-secret-change-me-dev-only-secret';
const DEV_KEY = Buffer.alloc(32, 7).toString('base64');
// Only the fallback of loadConfig (tests that need no particular key); `npm run dev` keeps a random one in its state folder.
const DEV_PAYLOAD_KEY = Buffer.alloc(32, 9);
const DEV_PAYLOAD_KEYS = `dev=${DEV_PAYLOAD_KEY.toString('base64')}`;

const base64Key = z
  .string()
  .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded (openssl rand -base64 32)');

const payloadKeys = z.string().transform((value, ctx) => {
  try {
    return parsePayloadKeys(value);
  } catch (err) {
    if (!(err instanceof PayloadKeyError)) throw err;
    ctx.addIssue({ code: 'custom', message: `${err.message} (format: id=base64key,... newest first)` });
    return z.NEVER;
  }
});

const reminderSchedule = z.string().transform((value, ctx) => {
  const parsed = parseSchedule(value);
  if ('scheduleMs' in parsed) return parsed.scheduleMs;
  ctx.addIssue({ code: 'custom', message: parsed.error });
  return z.NEVER;
});

const duration = z.string().transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms !== undefined) return ms;
  ctx.addIssue({ code: 'custom', message: 'must be a duration such as 30s, 15m or 1h' });
  return z.NEVER;
});

const schema = z
  .object({
    APP_ENV: z.enum(['development', 'test', 'production']).default('development'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }).default(DEFAULT_DATABASE_URL),
    DATABASE_POOL_MAX: z.coerce.number({ error: 'must be a whole number' }).int().min(2).max(500).default(DEFAULT_POOL_MAX),
    // The worker checks these against DATABASE_POOL_MAX at start (worker/capacity.ts).
    WORKER_ACTIVITY_CONCURRENCY: z.coerce.number({ error: 'must be a whole number' }).int().min(1).max(1000).default(6),
    WORKER_LOCAL_ACTIVITY_CONCURRENCY: z.coerce.number({ error: 'must be a whole number' }).int().min(1).max(1000).default(3),
    // SMTP-bound activities (their own task queue and slots): 4 sends 200 two-admin digests in 15 s at 300 ms a message.
    WORKER_MAIL_CONCURRENCY: z.coerce.number({ error: 'must be a whole number' }).int().min(1).max(1000).default(4),
    TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port').default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TASK_QUEUE: z.string().min(1).default('provisioning'),
    PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535).default(3000),
    PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).default('http://localhost:3000'),
    SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
    MAIL_FROM: z.string().min(3).default('SSO Provisioning <no-reply@localhost>'),
    SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    ENCRYPTION_KEY: base64Key.optional(),
    PAYLOAD_KEYS: payloadKeys.optional(),
    SESSION_IDLE_MINUTES: z.coerce.number().int().positive().default(60 * 8),
    SESSION_ABSOLUTE_HOURS: z.coerce.number().int().positive().default(24 * 7),
    // Completed sign-ins free their slot, so an office behind one NAT signing in at nine stays far below it; abandoned starts fill it.
    SIGN_IN_PENDING_LIMIT: z.coerce.number({ error: 'must be a whole number' }).int().positive().default(500),
    TRUST_PROXY_HOPS: z.coerce.number({ error: 'must be a whole number' }).int().min(0).max(10).default(0),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SHUTDOWN_GRACE_SECONDS: z.coerce.number({ error: 'must be a number of seconds' }).int().min(0).default(5),
    WORKER_HEALTH_FILE: z.string().min(1).optional(),
    REMINDER_SCHEDULE: reminderSchedule.prefault('1h,1d,3d,7d,14d'),
    REMINDER_DIGEST_WINDOW: duration.prefault('1h'),
    REMINDER_RECIPIENT_ATTEMPTS: z.coerce.number({ error: 'must be a whole number' }).int().min(1).max(100).default(8),
    DNS_SERVERS: dnsServers,
    // Off unless set: /metrics is served on this port only, never on PORT (docs/metrics.md).
    METRICS_PORT: z.coerce.number({ error: 'must be a port number' }).int().min(1).max(65535).optional(),
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    // The worker's Temporal Core SDK exporter, which its /metrics appends: loopback, never scraped directly.
    SDK_METRICS_ADDRESS: z.string().regex(/^(127\.0\.0\.1|localhost):\d{1,5}$/, 'must be 127.0.0.1:port (loopback only)').default('127.0.0.1:9465'),
    ...tracingEnv,
  })
  .superRefine((env, ctx) => {
    // Otherwise a window could hold back a member's first reminder past the schedule's first step.
    if (env.REMINDER_DIGEST_WINDOW > (env.REMINDER_SCHEDULE[0] ?? 0)) {
      ctx.addIssue({ code: 'custom', path: ['REMINDER_DIGEST_WINDOW'], message: "must not be longer than REMINDER_SCHEDULE's first step" });
    }
    // /metrics must never be reachable where the public app is served.
    if (env.METRICS_PORT !== undefined && env.METRICS_PORT === env.PORT) ctx.addIssue({ code: 'custom', path: ['METRICS_PORT'], message: 'must differ from PORT: /metrics is never served on the public port' });
    if (env.APP_ENV !== 'production') return;
    // Production never runs on the embedded development secrets or in plain http.
    if (!env.SESSION_SECRET) ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'is required in production' });
    // Mail must never fall into the dev sink's address in production.
    if (!env.SMTP_URL) ctx.addIssue({ code: 'custom', path: ['SMTP_URL'], message: 'is required in production' });
    if (!env.ENCRYPTION_KEY) ctx.addIssue({ code: 'custom', path: ['ENCRYPTION_KEY'], message: 'is required in production' });
    if (!env.PAYLOAD_KEYS) ctx.addIssue({ code: 'custom', path: ['PAYLOAD_KEYS'], message: 'is required in production' });
    // The development fallbacks are in this public code: production refuses them typed in by hand too.
    const published = 'is the published development value; generate your own';
    if (env.SESSION_SECRET === DEV_SECRET) ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: published });
    if (env.ENCRYPTION_KEY === DEV_KEY) ctx.addIssue({ code: 'custom', path: ['ENCRYPTION_KEY'], message: `${published} (openssl rand -base64 32)` });
    if (env.PAYLOAD_KEYS?.some(({ key }) => key.equals(DEV_PAYLOAD_KEY))) {
      ctx.addIssue({ code: 'custom', path: ['PAYLOAD_KEYS'], message: 'holds the published development key; generate your own (openssl rand -base64 32)' });
    }
    if (!env.PUBLIC_URL.startsWith('https://')) {
      ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'must be https in production' });
    }
  });

export type Config = Readonly<{
  env: 'development' | 'test' | 'production';
  databaseUrl: string;
  /** Connections in this process's PostgreSQL pool. */
  databasePoolMax: number;
  /** Activities, mail activities and local activities one worker process runs at once (worker/capacity.ts). */
  workerConcurrency: Readonly<{ activities: number; mail: number; localActivities: number }>;
  temporal: Readonly<{ address: string; namespace: string; taskQueue: string }>;
  port: number;
  publicUrl: URL;
  smtpUrl: string;
  mailFrom: string;
  sessionSecret: string;
  encryptionKey: Buffer;
  /** Temporal payload keys, newest (the one that encrypts) first (temporal/payload-codec.ts). */
  payloadKeys: readonly PayloadKey[];
  session: Readonly<{ idleMinutes: number; absoluteHours: number }>;
  /** Sign-ins started and not completed (for 10 minutes) allowed per client network and organisation. */
  signInPendingLimit: number;
  /** Reverse proxies in front of the api; 0 means X-Forwarded-* headers are never believed. */
  trustProxyHops: number;
  logLevel: string;
  shutdownGraceSeconds: number;
  workerHealthFile: string | undefined;
  /** Site-access reminder steps and digest window (read by the reminder workflow through an activity). */
  reminders: Readonly<ReminderPolicy>;
  /** Tries of a reminder email to one recipient the mail server keeps deferring, before giving up on it. */
  reminderRecipientAttempts: number;
  /** The resolvers domain verification asks (IP[:port]); undefined: the system's. */
  dnsServers: readonly string[] | undefined;
  /** /metrics on its own listener (port undefined: none); sdkAddress: the worker's Core SDK exporter. */
  metrics: Readonly<{ port: number | undefined; host: string; sdkAddress: string }>;
  /** OpenTelemetry traces (docs/tracing.md); undefined: off. */
  tracing: TracingConfig | undefined;
}>;

/** Parses the environment once; the result is frozen so nothing rewrites config at run time. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'} ${i.message}`));
  }
  const e = parsed.data;
  return Object.freeze({
    env: e.APP_ENV,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    workerConcurrency: Object.freeze({
      activities: e.WORKER_ACTIVITY_CONCURRENCY,
      mail: e.WORKER_MAIL_CONCURRENCY,
      localActivities: e.WORKER_LOCAL_ACTIVITY_CONCURRENCY,
    }),
    temporal: Object.freeze({ address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TASK_QUEUE }),
    port: e.PORT,
    publicUrl: new URL(e.PUBLIC_URL),
    smtpUrl: e.SMTP_URL ?? 'smtp://127.0.0.1:2525',
    mailFrom: e.MAIL_FROM,
    sessionSecret: e.SESSION_SECRET ?? DEV_SECRET,
    encryptionKey: Buffer.from(e.ENCRYPTION_KEY ?? DEV_KEY, 'base64'),
    payloadKeys: Object.freeze(e.PAYLOAD_KEYS ?? parsePayloadKeys(DEV_PAYLOAD_KEYS)),
    session: Object.freeze({ idleMinutes: e.SESSION_IDLE_MINUTES, absoluteHours: e.SESSION_ABSOLUTE_HOURS }),
    signInPendingLimit: e.SIGN_IN_PENDING_LIMIT,
    trustProxyHops: e.TRUST_PROXY_HOPS,
    logLevel: e.LOG_LEVEL,
    shutdownGraceSeconds: e.SHUTDOWN_GRACE_SECONDS,
    workerHealthFile: e.WORKER_HEALTH_FILE,
    reminders: Object.freeze({ scheduleMs: e.REMINDER_SCHEDULE, digestWindowMs: e.REMINDER_DIGEST_WINDOW }),
    reminderRecipientAttempts: e.REMINDER_RECIPIENT_ATTEMPTS,
    dnsServers: e.DNS_SERVERS && Object.freeze(e.DNS_SERVERS),
    metrics: Object.freeze({ port: e.METRICS_PORT, host: e.METRICS_HOST, sdkAddress: e.SDK_METRICS_ADDRESS }),
    tracing: tracingConfig(e),
  });
}
