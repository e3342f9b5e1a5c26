import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths that may hold a secret; pino replaces them before a line is written. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'password',
  'currentPassword',
  'token',
  '*.password',
  '*.currentPassword',
  '*.token',
  '*.passwordHash',
];

/**
 * JSON lines on standard output, or on `destination` (tests read them there). `context` adds fields
 * to every line from where it is written: the active trace's ids when tracing is on (and only then,
 * so a line costs no lookup otherwise).
 */
export function createLogger(level: string, destination?: DestinationStream, context?: () => Record<string, string>): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { service: 'leadsy-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(context ? { mixin: context } : {}),
    },
    destination,
  );
}
