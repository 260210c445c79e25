// Temporal's logger interface on pino: JSON lines in production, one logger for SDK and app.
import type { LogLevel, LogMetadata, Logger } from '@temporalio/worker';
import pino from 'pino';

export function createLogger(level: LogLevel): Logger {
  const base = pino({ level: level.toLowerCase() === 'trace' ? 'trace' : level.toLowerCase(), base: { service: 'offboarding-worker' } });
  const write = (lvl: LogLevel, message: string, meta?: LogMetadata): void => {
    const method = lvl === 'TRACE' ? 'trace' : lvl === 'DEBUG' ? 'debug' : lvl === 'INFO' ? 'info' : lvl === 'WARN' ? 'warn' : 'error';
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
