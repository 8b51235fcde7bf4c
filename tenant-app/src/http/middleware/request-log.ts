import crypto from 'node:crypto';
import type { Express, Request, RequestHandler, Response } from 'express';
import { pathOnly, type Logger } from '@kg/shared';

const REQUEST_ID_RE = /^[A-Za-z0-9._\-]{1,128}$/;

/**
 * Generated request ids: a random prefix per process and a counter, e.g. `k3f9x2a1q7-1a2b`.
 * Unique across processes and restarts (48 random bits per process), ordered within one, and a
 * fraction of the cost of a UUID per request.
 */
const ID_PREFIX = `${crypto.randomBytes(6).readUIntBE(0, 6).toString(36)}-`;
let idCounter = 0;
export function nextRequestId(): string {
  return ID_PREFIX + (++idCounter).toString(36);
}

/**
 * Request id and access log, built for the hot path: the id comes from a well-formed
 * `X-Request-Id` or is generated, and is echoed back; `req.log` (a child logger bound to the
 * request id and tenant code) is only created when something logs, and the completion line is
 * written only when its level is enabled (5xx error, 4xx info, else debug). pino-http builds a
 * serialized child logger for every request, which the tenant app's benchmark measured as its
 * single largest overhead.
 */
export function requestLog(
  app: Express,
  logger: Logger,
  /** Also told of every finished request (the latency histogram), from the same 'finish' listener. */
  onFinish?: (req: Request, res: Response, seconds: number) => void,
): RequestHandler {
  // The lazy `req.log` lives on the app's request prototype: defining a property per request
  // would change every request object's shape (and slow down everything that touches it).
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: Request & { _log?: Logger; id?: string }) {
      return (this._log ??= logger.child({ reqId: this.id, tenant: this.tenant?.tenantCode }));
    },
  });
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : nextRequestId();
    res.setHeader('x-request-id', id);
    (req as { id?: string }).id = id;
    const started = performance.now();
    res.on('finish', () => {
      const status = res.statusCode;
      onFinish?.(req, res, (performance.now() - started) / 1000);
      const level = status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
      if (!logger.isLevelEnabled(level)) return;
      const log = (req as unknown as { log: Logger }).log;
      log[level](
        {
          req: { method: req.method, url: pathOnly(req.originalUrl) },
          res: { statusCode: status },
          tenant: req.tenant?.tenantCode,
          responseTime: Math.round((performance.now() - started) * 10) / 10,
        },
        'request completed',
      );
    });
    next();
  };
}
