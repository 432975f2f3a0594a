import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | null>;
  ports?: (string | { published?: number | string; target: number; host_ip?: string })[];
  expose?: (string | number)[];
  healthcheck?: { test: string[] };
  restart?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}

const root = join(import.meta.dirname, '..', '..');

/**
 * docker-compose.yml as Compose resolves it (anchors, merge keys, variable defaults). docker-compose v1
 * prints YAML only; the PyYAML it runs on turns that into JSON, so the project needs no YAML parser.
 */
export function composeConfig(): ComposeFile {
  // Only PATH: variables from the caller's shell must not change the defaults under test.
  const yaml = execFileSync('docker-compose', ['config'], { cwd: root, env: { PATH: process.env.PATH }, encoding: 'utf8' });
  const json = execFileSync('python3', ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], {
    input: yaml,
    encoding: 'utf8',
  });
  return JSON.parse(json) as ComposeFile;
}

/** Published ports from the short (`127.0.0.1:80:80/tcp`) or long form; `published` is absent when Docker picks one. */
export function publishedPorts(service: ComposeService): { hostIp: string; published?: number; target: number }[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port !== 'string') {
      return { hostIp: port.host_ip ?? '0.0.0.0', published: port.published === undefined ? undefined : Number(port.published), target: port.target };
    }
    const parts = port.replace(/\/(tcp|udp)$/, '').split(':');
    const target = Number(parts.pop());
    const published = parts.pop();
    return { hostIp: parts.pop() ?? '0.0.0.0', published: published ? Number(published) : undefined, target };
  });
}

/** The user a service's DATABASE_URL connects as. */
export const databaseUser = (service: ComposeService): string =>
  decodeURIComponent(new URL(String(service.environment?.DATABASE_URL ?? '')).username);
