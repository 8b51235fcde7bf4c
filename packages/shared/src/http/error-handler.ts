import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, ErrorCode, errors, isBackendUnavailable } from '../errors';

/** 404 for routes that do not exist, in the envelope. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(errors.notFound(`No route for ${req.method} ${req.path}`, ErrorCode.NotFound));
};

/**
 * The one error renderer: AppErrors keep their code and status; a backing store that cannot be
 * reached becomes 503; malformed JSON becomes 400; anything else is logged and answered with a
 * generic 500 that leaks nothing.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let appErr: AppError;
    if (err instanceof AppError) {
      appErr = err;
    } else if (isBackendUnavailable(err)) {
      appErr = errors.unavailable(undefined, err);
    } else if ((err as { type?: string }).type === 'entity.parse.failed') {
      appErr = errors.badRequest('Request body is not valid JSON');
    } else if ((err as { type?: string }).type === 'entity.too.large') {
      appErr = new AppError(ErrorCode.BadRequest, 413, 'Request body is too large');
    } else {
      appErr = errors.internal();
    }
    const log = (req as { log?: Logger }).log ?? logger;
    if (appErr.status >= 500) {
      log.error({ err, code: appErr.code }, 'request failed');
    } else {
      log.debug({ code: appErr.code, message: appErr.message }, 'request rejected');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    if (appErr.headers) res.set(appErr.headers);
    const body: { success: false; error: { code: string; message: string; details?: unknown } } = {
      success: false,
      error: { code: appErr.code, message: appErr.message },
    };
    if (appErr.details !== undefined) body.error.details = appErr.details;
    res.status(appErr.status).json(body);
  };
}
