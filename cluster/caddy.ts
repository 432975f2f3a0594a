/**
 * Caddy (Debian's package) balancing over the api processes, configured as deploy/Caddyfile is
 * for docker-compose except for what containers provide: fixed upstream addresses instead of
 * Docker's DNS, plain http on loopback instead of a public certificate.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { managedProcess, type ManagedProcess } from './process.ts';

export function caddyAvailable(): boolean {
  try {
    execFileSync('caddy', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function startCaddy(options: { dir: string; port: number; upstreams: string[] }): Promise<ManagedProcess> {
  if (!caddyAvailable()) throw new Error('caddy is not installed: apt-get install caddy (the cluster balances over its api processes with it)');
  mkdirSync(options.dir, { recursive: true });
  const caddyfile = join(options.dir, 'Caddyfile');
  writeFileSync(
    caddyfile,
    `{
	admin off
	auto_https off
}
http://127.0.0.1:${options.port} {
	reverse_proxy ${options.upstreams.join(' ')} {
		lb_policy round_robin
		lb_try_duration 5s
		fail_duration 10s
	}
}
`,
  );
  const caddy = managedProcess({
    name: 'caddy',
    command: 'caddy',
    args: ['run', '--adapter', 'caddyfile', '--config', caddyfile],
    // Its storage and autosave stay in the cluster's folder, not the user's home.
    env: { XDG_DATA_HOME: options.dir, XDG_CONFIG_HOME: options.dir },
    logFile: join(options.dir, 'caddy.log'),
  });
  caddy.start();
  await caddy.waitForLine(/serving initial configuration/, 30_000);
  return caddy;
}
