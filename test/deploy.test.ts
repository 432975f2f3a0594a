import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCodecServerConfig } from '../codec-server/config.ts';
import { loadConfig } from '../config/index.ts';
import { searchAttributeArgs } from '../dev/temporal-server.ts';
import { checkPoolFitsConcurrency } from '../worker/capacity.ts';
import { composeConfig, databaseUser, publishedPorts } from './support/compose.ts';

const root = join(import.meta.dirname, '..');
const { services } = composeConfig();
const appServices = ['migrate', 'worker', 'api'];
const loopback = ['127.0.0.1', '::1'];

it('registers in docker-compose the same search attributes as the dev server', () => {
  const script = readFileSync(join(root, 'deploy', 'temporal-namespace.sh'), 'utf8');
  const listed = script.match(/for attr in ([^;]+);/)?.[1]?.trim().split(/\s+/) ?? [];
  const fromDefinitions = searchAttributeArgs().filter((arg) => arg !== '--search-attribute');
  expect(listed.sort()).toEqual(fromDefinitions.sort());
});

describe('docker-compose.yml', () => {
  it('publishes Temporal (frontend and UI, both without authentication) on loopback only', () => {
    for (const name of ['temporal', 'temporal-ui']) {
      for (const port of publishedPorts(services[name]!)) expect(loopback, `${name} ${port.target}`).toContain(port.hostIp);
    }
    const temporalPorts = [7233, 8233, 8080];
    const exposed = Object.entries(services).flatMap(([name, service]) =>
      publishedPorts(service)
        .filter((port) => !loopback.includes(port.hostIp))
        .filter((port) => temporalPorts.includes(port.target) || temporalPorts.includes(port.published ?? -1))
        .map((port) => `${name}:${port.target}`),
    );
    expect(exposed).toEqual([]);
  });

  it('publishes no api port, so `--scale api=N` works; the proxy balances over every replica', () => {
    expect(services.api!.ports ?? []).toEqual([]);
    expect(publishedPorts(services.proxy!).map((port) => port.target)).toContain(443);
    const caddyfile = readFileSync(join(root, 'deploy', 'Caddyfile'), 'utf8');
    expect(caddyfile).toMatch(new RegExp(`dynamic a api ${services.api!.environment?.PORT}\\b`));
    // Behind exactly one proxy: rate limits count the client's address, not the proxy's.
    expect(String(services.api!.environment?.TRUST_PROXY_HOPS)).toBe('1');
  });

  it('serves /metrics of api and worker on the compose network only: exposed, never published, never proxied', () => {
    for (const name of ['api', 'worker']) {
      const service = services[name]!;
      const port = String(service.environment?.METRICS_PORT);
      expect(port, name).toMatch(/^\d+$/);
      expect(port, name).not.toBe(String(service.environment?.PORT));
      expect((service.expose ?? []).map(String), name).toContain(port);
      expect(publishedPorts(service).map((p) => String(p.target)), name).not.toContain(port);
      const metricsEnv = Object.fromEntries(['PORT', 'METRICS_PORT', 'METRICS_HOST'].flatMap((key) => (service.environment?.[key] == null ? [] : [[key, String(service.environment[key])]])));
      expect(loadConfig(metricsEnv).metrics, name).toMatchObject({ port: Number(port), host: '0.0.0.0' });
    }
    expect(readFileSync(join(root, 'deploy', 'Caddyfile'), 'utf8')).not.toMatch(/9464|metrics/);
  });

  it('gives api and worker the same required PAYLOAD_KEYS, empty until the operator sets it (start-up refuses that)', () => {
    for (const name of ['api', 'worker']) expect(services[name]!.environment?.PAYLOAD_KEYS, name).toBe('');
    expect(() => loadConfig({ PAYLOAD_KEYS: '' })).toThrow(/PAYLOAD_KEYS entry 1/);
  });

  it('restarts api and worker and checks their health', () => {
    for (const name of ['api', 'worker']) {
      expect(['always', 'unless-stopped'], name).toContain(services[name]!.restart);
      expect(services[name]!.healthcheck?.test[0], name).toMatch(/^CMD(-SHELL)?$/);
    }
  });

  it('gives the worker a pool its activities, mail and local activities cannot exhaust', () => {
    const env = services.worker!.environment ?? {};
    const capacity = ['DATABASE_POOL_MAX', 'WORKER_ACTIVITY_CONCURRENCY', 'WORKER_MAIL_CONCURRENCY', 'WORKER_LOCAL_ACTIVITY_CONCURRENCY'];
    for (const name of capacity) expect(env[name], name).toBeDefined();
    const config = loadConfig(Object.fromEntries(capacity.map((name) => [name, String(env[name])])));
    expect(() => checkPoolFitsConcurrency(config.databasePoolMax, config.workerConcurrency)).not.toThrow();
  });

  it('connects the app as its own role and migrates as the owner role, never as the superuser', () => {
    const roles = services['database-roles']!;
    expect(roles.command).toEqual(['psql', '--no-psqlrc', '--file', '/deploy/database-roles.sql']);
    const env = roles.environment ?? {};
    const superuser = services.postgres!.environment?.POSTGRES_USER;
    for (const name of appServices) expect(databaseUser(services[name]!), name).not.toBe(superuser);
    expect(databaseUser(services.migrate!)).toBe(env.DB_OWNER_ROLE);
    expect(databaseUser(services.api!)).toBe(env.DB_APP_ROLE);
    expect(databaseUser(services.worker!)).toBe(env.DB_APP_ROLE);
    expect(new URL(String(services.api!.environment?.DATABASE_URL)).password).toBe(env.DB_APP_PASSWORD);
    expect(new URL(String(services.migrate!.environment?.DATABASE_URL)).password).toBe(env.DB_OWNER_PASSWORD);
  });

  it('runs the codec server in production on loopback only, refusing to start without operator tokens or an OIDC issuer', () => {
    const codec = services['codec-server']!;
    expect(codec.command).toEqual(['node', 'dist/codec-server/main.js']);
    expect(codec.healthcheck?.test[0]).toMatch(/^CMD(-SHELL)?$/);
    const env = Object.fromEntries(Object.entries(codec.environment ?? {}).map(([name, value]) => [name, String(value ?? '')]));
    const keys = { PAYLOAD_KEYS: `k1=${randomBytes(32).toString('base64')}` };
    expect(() => loadCodecServerConfig({ ...env, ...keys })).toThrow(/CODEC_SERVER_TOKENS or CODEC_OIDC_ISSUER is required in production/);
    const config = loadCodecServerConfig({ ...env, ...keys, CODEC_SERVER_TOKENS: randomBytes(32).toString('base64') });
    expect(config.devUiWithoutToken).toBe(false);
    expect(config.oidc).toBeUndefined();
    // The OIDC variables reach the service, empty (unset) unless the deployment sets them.
    expect(env).toMatchObject({ CODEC_OIDC_ISSUER: '', CODEC_OIDC_AUDIENCE: '', CODEC_OIDC_REQUIRED_CLAIM: '' });
    const uiSignIn = { CODEC_OIDC_ISSUER: 'https://login.example.com', CODEC_OIDC_AUDIENCE: 'https://codec.example.com', CODEC_OIDC_REQUIRED_CLAIM: 'groups=temporal-operators' };
    expect(loadCodecServerConfig({ ...env, ...keys, ...uiSignIn }).oidc?.audience).toBe('https://codec.example.com');
    const ports = publishedPorts(codec);
    expect(ports.map((port) => port.target)).toEqual([config.port]);
    for (const port of ports) expect(loopback).toContain(port.hostIp);
  });

  it('runs the compiled JavaScript with plain node, never tsx', () => {
    for (const name of appServices) expect(services[name]!.command, name).toEqual(['node', expect.stringMatching(/^dist\/.+\.js$/)]);
  });
});
