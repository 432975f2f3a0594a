import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/index.ts';

const prodBase = {
  APP_ENV: 'production',
  PUBLIC_URL: 'https://sso.example.com',
  SMTP_URL: 'smtps://mail.example.com:465',
  SESSION_SECRET: 'x'.repeat(40),
  ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  PAYLOAD_KEYS: `k2=${Buffer.alloc(32, 2).toString('base64')},k1=${Buffer.alloc(32, 3).toString('base64')}`,
};

function issuesOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('serves local development with defaults and freezes the result', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'provisioning' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.temporal)).toBe(true);
    expect(config.trustProxyHops).toBe(0);
    expect(config.signInPendingLimit).toBe(500);
    const [hour, day] = [3_600_000, 86_400_000];
    expect(config.reminders).toEqual({ scheduleMs: [hour, day, 3 * day, 7 * day, 14 * day], digestWindowMs: hour });
  });

  it('reads a short reminder schedule and digest window (dev, tests)', () => {
    expect(loadConfig({ REMINDER_SCHEDULE: '15s,30s,1m,2m,3m', REMINDER_DIGEST_WINDOW: '10s' }).reminders).toEqual({
      scheduleMs: [15_000, 30_000, 60_000, 120_000, 180_000],
      digestWindowMs: 10_000,
    });
  });

  it.each([
    [{ DATABASE_URL: 'mysql://localhost/db' }, 'DATABASE_URL must be a postgres:// URL'],
    [{ PORT: 'eighty' }, 'PORT must be a port number'],
    [{ PORT: '70000' }, 'PORT'],
    [{ TEMPORAL_ADDRESS: 'localhost' }, 'TEMPORAL_ADDRESS must be host:port'],
    [{ SMTP_URL: 'http://mail' }, 'SMTP_URL must be an smtp:// or smtps:// URL'],
    [{ ENCRYPTION_KEY: 'short' }, 'ENCRYPTION_KEY must be 32 bytes'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ PAYLOAD_KEYS: Buffer.alloc(32, 1).toString('base64') }, 'PAYLOAD_KEYS entry 1 must be id=base64key'],
    [{ PAYLOAD_KEYS: 'k1=short' }, 'PAYLOAD_KEYS key "k1" must be 32 bytes'],
    [{ PAYLOAD_KEYS: `k1=${Buffer.alloc(32, 1).toString('base64')},k1=${Buffer.alloc(32, 2).toString('base64')}` }, 'PAYLOAD_KEYS key ids must be unique'],
    [{ PAYLOAD_KEYS: '' }, 'PAYLOAD_KEYS entry 1'],
    [{ SHUTDOWN_GRACE_SECONDS: '-1' }, 'SHUTDOWN_GRACE_SECONDS'],
    [{ SIGN_IN_PENDING_LIMIT: 'lots' }, 'SIGN_IN_PENDING_LIMIT must be a whole number'],
    [{ SIGN_IN_PENDING_LIMIT: '0' }, 'SIGN_IN_PENDING_LIMIT'],
    [{ TRUST_PROXY_HOPS: '-1' }, 'TRUST_PROXY_HOPS'],
    [{ REMINDER_SCHEDULE: '1h,soon' }, 'REMINDER_SCHEDULE has "soon"'],
    [{ REMINDER_SCHEDULE: '1d,1h' }, 'REMINDER_SCHEDULE must list increasing durations'],
    [{ REMINDER_DIGEST_WINDOW: 'hourly' }, 'REMINDER_DIGEST_WINDOW must be a duration'],
    [{ REMINDER_DIGEST_WINDOW: '2h' }, "REMINDER_DIGEST_WINDOW must not be longer than REMINDER_SCHEDULE's first step"],
  ])('refuses %o naming the variable', (env, expected) => {
    expect(issuesOf(env).join('\n')).toContain(expected);
  });

  it('serves /metrics only where told: off by default, on loopback, never on the public port', () => {
    expect(loadConfig({}).metrics).toEqual({ port: undefined, host: '127.0.0.1', sdkAddress: '127.0.0.1:9465' });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics).toMatchObject({ port: 9464, host: '0.0.0.0' });
    expect(issuesOf({ PORT: '3000', METRICS_PORT: '3000' })).toEqual(['METRICS_PORT must differ from PORT: /metrics is never served on the public port']);
    expect(issuesOf({ METRICS_PORT: 'nine' })).toEqual(['METRICS_PORT must be a port number']);
    expect(issuesOf({ SDK_METRICS_ADDRESS: '0.0.0.0:9465' })).toEqual(['SDK_METRICS_ADDRESS must be 127.0.0.1:port (loopback only)']);
  });

  it('accepts a complete production environment', () => {
    expect(loadConfig(prodBase).publicUrl.protocol).toBe('https:');
  });

  it('reads PAYLOAD_KEYS newest first, the first one encrypting', () => {
    expect(loadConfig(prodBase).payloadKeys).toEqual([
      { id: 'k2', key: Buffer.alloc(32, 2) },
      { id: 'k1', key: Buffer.alloc(32, 3) },
    ]);
  });

  it.each([
    ['SESSION_SECRET', { SESSION_SECRET: undefined }, 'SESSION_SECRET is required in production'],
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: undefined }, 'ENCRYPTION_KEY is required in production'],
    ['PAYLOAD_KEYS', { PAYLOAD_KEYS: undefined }, 'PAYLOAD_KEYS is required in production'],
    ['SMTP_URL', { SMTP_URL: undefined }, 'SMTP_URL is required in production'],
    ['an http PUBLIC_URL', { PUBLIC_URL: 'http://sso.example.com' }, 'PUBLIC_URL must be https in production'],
  ])('refuses production without %s', (_, change, expected) => {
    const env = Object.fromEntries(Object.entries({ ...prodBase, ...change }).filter(([, v]) => v !== undefined));
    expect(issuesOf(env as Record<string, string>)).toContain(expected);
  });

  it.each([
    ['SESSION_SECRET', { SESSION_SECRET: 'dev-only-secret-change-me-dev-only-secret' }, 'SESSION_SECRET is the published development value; generate your own'],
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') }, 'ENCRYPTION_KEY is the published development value; generate your own (openssl rand -base64 32)'],
    ['PAYLOAD_KEYS', { PAYLOAD_KEYS: `new=${Buffer.alloc(32, 4).toString('base64')},old=${Buffer.alloc(32, 9).toString('base64')}` }, 'PAYLOAD_KEYS holds the published development key; generate your own (openssl rand -base64 32)'],
  ])('refuses production with the development fallback of %s typed in', (_, change, expected) => {
    expect(issuesOf({ ...prodBase, ...change })).toContain(expected);
    expect(loadConfig({ ...prodBase, APP_ENV: 'test', ...change })).toBeTruthy();
  });
});

describe('tracing config (standard OpenTelemetry variables)', () => {
  it('is off with no OTLP endpoint, or a blank one as compose passes an unset variable', () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: ' ', OTEL_SERVICE_NAME: '' }).tracing).toBeUndefined();
  });

  it('appends v1/traces to the general endpoint and takes the traces endpoint as given, which wins', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing?.tracesUrl.href).toBe('http://collector:4318/v1/traces');
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com/ingest/' }).tracing?.tracesUrl.href).toBe('https://otel.example.com/ingest/v1/traces');
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:9999/custom' }).tracing)
      .toEqual({ tracesUrl: new URL('http://traces:9999/custom'), serviceName: undefined });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'sso-api-eu' }).tracing?.serviceName).toBe('sso-api-eu');
  });

  it('is off when OTEL_SDK_DISABLED is true, whatever the endpoints say', () => {
    expect(loadConfig({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toBeUndefined();
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'grpc://collector:4317'],
    ['OTEL_SDK_DISABLED', 'yes'],
  ])('refuses start-up naming %s when it is %s', (name, value) => {
    expect(issuesOf({ [name]: value }).join('\n')).toMatch(new RegExp(`^${name} `, 'm'));
  });
});
