/**
 * `npm run dev` as a child process on free ports, with every process it starts recorded (pid and
 * start time, read from /proc), so a test can check that none outlives it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../dev/ports.ts';
import { resolveTemporalCli } from '../../dev/temporal-cli.ts';
import { root } from './processes.ts';

interface Proc {
  pid: number;
  state: string;
  ppid: number;
  started: string;
  cmdline: string;
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return { pid, state: fields[0]!, ppid: Number(fields[1]), started: fields[19]!, cmdline };
  } catch {
    return undefined;
  }
}

const allProcs = () =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProc(Number(name)))
    .filter((p): p is Proc => p !== undefined);

/** Alive and the same process (a reused pid has another start time), not a zombie waiting to be reaped. */
function stillRunning(p: Proc): boolean {
  const now = readProc(p.pid);
  return now !== undefined && now.started === p.started && now.state !== 'Z';
}

/** Free ports for everything `npm run dev` listens on, a fresh data folder, and the Temporal CLI of this run. */
export async function devEnvironment(): Promise<Record<string, string>> {
  const cli = await resolveTemporalCli();
  const [api, temporal, ui, idp, mail, smtp, db, codec] = await Promise.all(Array.from({ length: 8 }, () => freePort()));
  return {
    PORT: String(api),
    PUBLIC_URL: `http://localhost:${api}`,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporal}`,
    DEV_TEMPORAL_UI_PORT: String(ui),
    DEV_IDP_PORT: String(idp),
    DEV_MAIL_PAGE_PORT: String(mail),
    SMTP_URL: `smtp://127.0.0.1:${smtp}`,
    DEV_DATABASE_PORT: String(db),
    CODEC_SERVER_PORT: String(codec),
    DEV_DATA_DIR: mkdtempSync(join(tmpdir(), 'sso-dev-')),
    ...(cli.kind === 'binary' ? { TEMPORAL_CLI_PATH: cli.path } : {}),
  };
}

export class DevRun {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  /** Every process seen below `npm run dev`, recorded while it ran. */
  readonly seen = new Map<number, Proc>();
  readonly exited: Promise<number | null>;
  private readonly watch: NodeJS.Timeout;

  constructor(private readonly env: Record<string, string>) {
    const inherited = { ...process.env };
    for (const name of ['DATABASE_URL', 'APP_ENV', 'LOG_LEVEL', 'DEV_DATABASE']) delete inherited[name];
    this.child = spawn('npm', ['run', 'dev'], { cwd: root, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.watch = setInterval(() => this.record(), 100);
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code) => {
        clearInterval(this.watch);
        resolve(code);
      }),
    );
  }

  private record() {
    const procs = allProcs();
    const below = new Set([this.child.pid]);
    // Parents come before their children often enough; a few passes settle the rest.
    for (let pass = 0; pass < 4; pass++) for (const p of procs) if (below.has(p.ppid) && !below.has(p.pid)) below.add(p.pid);
    for (const p of procs) {
      if (!below.has(p.pid)) continue;
      // Seen between fork and exec, a process shows its parent's command line or none; exited, none.
      const known = this.seen.get(p.pid);
      if (!known || (known.started === p.started && p.cmdline)) this.seen.set(p.pid, p);
    }
  }

  /** Resolves once stdout matches `pattern`; rejects if dev exits first or `timeoutMs` passes. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.stdout)) {
      if (this.child.exitCode !== null) throw new Error(`npm run dev exited (${this.child.exitCode}):\n${this.stdout}\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.stdout}\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** The node process that runs dev/main.ts (below npm, sh and tsx's own launcher). */
  devMain(): Proc {
    const mains = [...this.seen.values()].filter((p) => p.cmdline.includes('dev/main.ts'));
    const inner = mains.find((p) => mains.some((parent) => parent.pid === p.ppid));
    if (!inner) throw new Error(`dev/main.ts process not found among ${mains.map((p) => p.cmdline).join(' | ')}`);
    return inner;
  }

  survivors(): string[] {
    return [...this.seen.values()].filter(stillRunning).map((p) => `${p.pid} ${p.cmdline}`);
  }

  /** Lines dev itself wrote to stderr (npm adds its own error report after a failure). */
  devErrorLines(): string[] {
    return this.stderr.split('\n').filter((line) => line.startsWith('[dev]'));
  }

  /** Kills what a failed test left running and removes the data folder. */
  cleanUp() {
    for (const p of this.seen.values()) if (stillRunning(p)) process.kill(p.pid, 'SIGKILL');
    if (this.env.DEV_DATA_DIR) rmSync(this.env.DEV_DATA_DIR, { recursive: true, force: true });
  }
}
