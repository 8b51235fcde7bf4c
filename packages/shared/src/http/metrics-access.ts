import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import { errors } from '../errors';

/**
 * Who may read GET /metrics (docs/security.md, Secrets and logs). With a token, only requests
 * bearing it; without one, anyone in development and test, and nobody in production (the route
 * answers 404 as if it did not exist), so a deployment never publishes its internals by default.
 */
export function metricsAccess(opts: { token?: string; nodeEnv: string }): RequestHandler {
  const expected = opts.token ? crypto.createHash('sha256').update(opts.token).digest() : undefined;
  const open = !expected && (opts.nodeEnv === 'development' || opts.nodeEnv === 'test');
  return (req, _res, next) => {
    if (req.path !== '/metrics') return next();
    if (open) return next();
    if (!expected) return next(errors.notFound());
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
    const digest = crypto.createHash('sha256').update(given).digest();
    if (!crypto.timingSafeEqual(digest, expected)) return next(errors.unauthorized('Metrics need the metrics token'));
    next();
  };
}
