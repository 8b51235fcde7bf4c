import crypto from 'node:crypto';
import type { Express, Request, RequestHandler, Response } from 'express';
import { clientRequestId, pathOnly, type Logger } from '@kg/shared';

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
 * Request id and access log, built for the hot path: the id is generated here for every request
 * and sent back in `X-Request-Id`; a client's own well-formed `X-Request-Id` never becomes the
 * request id (a client could otherwise forge or collide with another request's), it is logged as
 * `clientRequestId` and echoed in `X-Client-Request-Id` (docs/privileges.md, Audit); `req.log` (a child logger bound to the
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
      const client = clientRequestId(this);
      return (this._log ??= logger.child({ reqId: this.id, ...(client ? { clientRequestId: client } : {}), tenant: this.tenant?.tenantCode }));
    },
  });
  return (req, res, next) => {
    const id = nextRequestId();
    res.setHeader('x-request-id', id);
    if (req.headers['x-request-id'] !== undefined) {
      const client = clientRequestId(req);
      if (client) res.setHeader('x-client-request-id', client);
    }
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
