// Temporal's logger interface on pino: JSON lines in production, one logger for SDK and app.
import type { LogLevel, LogMetadata, Logger } from '@temporalio/worker';
import pino from 'pino';

/**
 * Warnings the worker layout causes by design, logged at DEBUG: the per-bucket workers carry
 * activities only, so the SDK warns once per bucket queue that it polls no workflow tasks.
 */
export const BY_DESIGN = [/^No workflows registered, not polling for workflow tasks/];

export function createLogger(level: LogLevel): Logger {
  const base = pino({
    level: level.toLowerCase() === 'trace' ? 'trace' : level.toLowerCase(),
    base: { service: 'offboarding-worker' },
  });
  const write = (requested: LogLevel, message: string, meta?: LogMetadata): void => {
    const lvl = requested === 'WARN' && BY_DESIGN.some((pattern) => pattern.test(message)) ? 'DEBUG' : requested;
    const method =
      lvl === 'TRACE'
        ? 'trace'
        : lvl === 'DEBUG'
          ? 'debug'
          : lvl === 'INFO'
            ? 'info'
            : lvl === 'WARN'
              ? 'warn'
              : 'error';
    base[method](meta ?? {}, message);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}
