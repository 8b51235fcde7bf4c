import pino, { type Logger } from 'pino';

export type { Logger };

/** Creates the process logger: pino JSON on stdout, one `service` field per app. */
export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.passwordHash',
        '*.refreshToken',
        '*.token',
      ],
      censor: '[redacted]',
    },
  });
}
