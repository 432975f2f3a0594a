import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Appended to, across restarts: the cluster's record of what each process said. */
  logFile: string;
}

/** One process of the cluster, restartable under the same name and log. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number | undefined;
  running(): boolean;
  /** Sends `signal` and resolves once it exited; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  start(): void;
  /** Resolves once `line` appears in the log written since the last start. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<void>;
  tail(lines?: number): string;
}

export function managedProcess(spec: ProcessSpec): ManagedProcess {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  const log = createWriteStream(spec.logFile, { flags: 'a' });

  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  function start() {
    if (running()) throw new Error(`${spec.name} is already running`);
    output = '';
    log.write(`--- ${new Date().toISOString()} start ${spec.command} ${spec.args.join(' ')}\n`);
    const started = spawn(spec.command, spec.args, { cwd: spec.cwd, env: { ...process.env, ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    const keep = (chunk: Buffer) => {
      log.write(chunk);
      // Only a window is kept for waitForLine; the file has everything.
      output = (output + chunk.toString('utf8')).slice(-200_000);
    };
    started.stdout!.on('data', keep);
    started.stderr!.on('data', keep);
    exited = new Promise((resolve) =>
      started.once('close', (code, signal) => {
        log.write(`--- ${new Date().toISOString()} exited (${code ?? signal})\n`);
        resolve();
      }),
    );
    started.on('error', (err) => log.write(`--- spawn failed: ${err.message}\n`));
  }

  return {
    name: spec.name,
    get pid() {
      return child?.pid;
    },
    running,
    start,
    async stop(signal = 'SIGTERM', graceMs = 30_000) {
      if (!running()) return exited;
      const kill = setTimeout(() => child?.kill('SIGKILL'), graceMs);
      child!.kill(signal);
      await exited;
      clearTimeout(kill);
    },
    async waitForLine(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (!running()) throw new Error(`${spec.name} exited before it was ready:\n${tailOf(output)}`);
        if (Date.now() > deadline) throw new Error(`${spec.name} did not log ${pattern} within ${timeoutMs} ms:\n${tailOf(output)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    tail(lines = 30) {
      return tailOf(readFileSync(spec.logFile, 'utf8'), lines);
    },
  };
}

const tailOf = (text: string, lines = 30) => text.trimEnd().split('\n').slice(-lines).join('\n');
