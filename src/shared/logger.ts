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

/** JSON lines on standard output, or on `destination` (tests read them there). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { service: 'leadsy-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
