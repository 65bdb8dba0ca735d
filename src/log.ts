import pino from 'pino';

export type Logger = pino.Logger;

/** The process logger: JSON lines on stdout. */
export function createLogger(level: string, name = 'pipewright'): Logger {
  return pino({ name, level });
}
