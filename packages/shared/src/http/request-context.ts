import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import { pathOnly, runWithRequestId } from '../request-id';

const REQUEST_ID_RE = /^[A-Za-z0-9._\-]{1,128}$/;

/**
 * Request logging with a request id: taken from `X-Request-Id` when it is well formed, else
 * generated; echoed back in the response header and attached to every log line of the request.
 */
export function requestLogging(logger: Logger): RequestHandler {
  const log = pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : crypto.randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug'),
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: pathOnly(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    autoLogging: { ignore: (req) => req.url === '/metrics' || req.url === '/api/health' },
  }) as unknown as RequestHandler;
  return (req, res, next) => log(req, res, () => runWithRequestId(String((req as { id?: unknown }).id), next));
}
