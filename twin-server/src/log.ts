import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs (pino). Secrets never appear: auth headers and cookies are redacted. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { svc: 'twin-server', ...base },
    redact: ['req.headers.authorization', 'req.headers.cookie', 'password', '*.password', 'token', '*.token'],
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
