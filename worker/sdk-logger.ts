import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import type { Logger } from 'pino';

const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The SDK warns that a worker has no workflows; the mail worker (create-worker.ts) runs activities
 * only by design, so at every start that warning would read as a fault to whoever watches warnings.
 */
const EXPECTED = new Map<string, LogLevel>([['No workflows registered, not polling for workflow tasks', 'INFO']]);

/** Routes the Temporal SDK's logs (worker state, workflow and activity logs) into pino. */
export function sdkLogger(log: Logger): SdkLogger {
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => log[levels[EXPECTED.get(message) ?? level]](meta ?? {}, message);
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}
