/**
 * `npm run dev` shows the JSON lines of api and worker as readable lines: one per request, one per
 * workflow start and end and per activity, everything else prettified on one line. The processes
 * themselves keep logging JSON, the production format.
 */
import { prettyFactory } from 'pino-pretty';

type Entry = Record<string, unknown> & { level: number; msg?: string };

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
const INFO = 30;

/** The SDK logs these at debug; in development they are the workflow events worth a line. */
const workflowEvents: Record<string, (e: Entry) => string> = {
  'Workflow started': (e) => `workflow ${e.workflowType} started  ${e.workflowId}`,
  'Workflow completed': (e) => `workflow ${e.workflowType} completed  ${e.workflowId}`,
  'Workflow completed as cancelled': (e) => `workflow ${e.workflowType} cancelled  ${e.workflowId}`,
  'Workflow failed': (e) => `workflow ${e.workflowType} failed  ${e.workflowId}: ${errorMessage(e.error)}`,
  'Activity completed': (e) => `activity ${e.activityType} done in ${e.durationMs} ms  ${e.workflowId}`,
  'Activity failed': (e) => `activity ${e.activityType} failed (attempt ${e.attempt})  ${e.workflowId}: ${errorMessage(e.error)}`,
};

const errorMessage = (error: unknown) =>
  typeof error === 'object' && error && 'message' in error ? String(error.message) : String(error);

const requestLine = ({ method, path, status, ms, requestId, ...rest }: Entry): Entry => ({
  ...rest,
  msg: `${method} ${path} ${status} ${ms} ms`,
  ...(Number(status) >= 500 ? { requestId } : {}),
});

/** Turns one line a child printed into what the developer sees, or undefined to leave it out. */
export function devLogFormatter(options: { level: string; colors: boolean }) {
  const threshold = LEVELS[options.level] ?? INFO;
  const pretty = prettyFactory({
    colorize: options.colors,
    translateTime: 'SYS:HH:MM:ss',
    // The SDK's context on every activity and workflow line: useful in JSON, clutter to read.
    ignore: 'pid,hostname,component,source,sdkComponent,namespace,taskQueue,taskToken,activityId,isLocal,attempt,workflowRunId,runId,workflowType',
    singleLine: true,
    messageFormat: '{source}  {msg}',
  });
  return (source: string, line: string): string | undefined => {
    const entry = parse(line);
    if (!entry) return `${source}  ${line}`;
    const event = entry.msg !== undefined ? workflowEvents[entry.msg] : undefined;
    const level = event ? Math.max(entry.level, INFO) : entry.level;
    if (level < threshold) return undefined;
    if (event) return pretty({ level, time: entry.time, source, msg: event(entry) }).trimEnd();
    return pretty({ ...(entry.msg === 'request' ? requestLine(entry) : entry), source }).trimEnd();
  };
}

function parse(line: string): Entry | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && typeof (value as Entry).level === 'number' ? (value as Entry) : undefined;
  } catch {
    return undefined;
  }
}
