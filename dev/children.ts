import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Child {
  process: ChildProcess;
  /** SIGINT (as Ctrl-C would: the api skips its load-balancer grace), then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Runs one of the project's entry points (`api/main.ts`, `worker/main.ts`) with tsx. Its lines go
 * through `format` (JSON logs become readable lines; undefined drops a line); `onExit` hears of an
 * exit that nobody asked for.
 */
export function startChild(options: {
  name: string;
  entry: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  format: (source: string, line: string) => string | undefined;
  onExit: (code: number | null, signal: NodeJS.Signals | null) => void;
}): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', options.entry], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stopping = false;
  const relay = (input: NodeJS.ReadableStream, output: NodeJS.WritableStream) =>
    createInterface({ input }).on('line', (line) => {
      const shown = options.format(options.name, line);
      if (shown !== undefined) output.write(`${shown}\n`);
    });
  relay(child.stdout, process.stdout);
  relay(child.stderr, process.stderr);
  // 'close', not 'exit': the child's last lines have been relayed by then.
  const exited = new Promise<void>((resolve) =>
    child.once('close', (code, signal) => {
      if (!stopping) options.onExit(code, signal);
      resolve();
    }),
  );
  return {
    process: child,
    async stop(graceMs = 30_000) {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.kill('SIGINT');
      await exited;
      clearTimeout(kill);
    },
  };
}
