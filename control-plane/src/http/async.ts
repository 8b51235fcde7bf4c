import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Express 5 forwards rejected promises itself; this keeps handler types tidy. */
export function handler(fn: (req: Request, res: Response, next: NextFunction) => Promise<void> | void): RequestHandler {
  return fn as RequestHandler;
}
