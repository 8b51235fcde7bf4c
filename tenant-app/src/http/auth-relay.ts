import { Router, type Request, type Response } from 'express';
import { AppError } from '@kg/shared';
import type { AppContext } from '../context';

/** The control plane's sign-in routes the staff app uses on a tenant subdomain. */
const RELAYED = /^\/api\/auth\/(login|refresh|logout|change-password|me|tenants|switch-tenant|handoff|handoff\/redeem)$/;

/**
 * Relays the staff app's sign-in calls (`/api/auth/*`) to the control plane (docs/staff-app.md,
 * "Sign-in on the subdomain"), so the browser talks to one origin: no CORS, and the HttpOnly
 * `kg_refresh` cookie (path /api/auth) is set for the tenant's own host. The body, the bearer
 * token and the cookie go as they came; status, envelope, Set-Cookie and Retry-After come back as
 * they are. The client's address is appended to X-Forwarded-For (the control plane counts it only
 * with TRUST_PROXY). Only the listed routes are relayed; anything else under /api/auth is a 404.
 */
export function authRelayRoutes(ctx: AppContext): Router {
  const router = Router();
  const json = (req: Request) => req.headers['content-type']?.includes('application/json');
  router.use(async (req: Request, res: Response, next) => {
    if (!RELAYED.test(req.path)) return next();
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'cookie', 'user-agent', 'accept-language']) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    const prior = req.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = [typeof prior === 'string' && ctx.config.TRUST_PROXY ? prior : null, req.socket.remoteAddress].filter(Boolean).join(', ');
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    if (hasBody) headers['content-type'] = 'application/json';
    let answer: globalThis.Response;
    try {
      answer = await fetch(new URL(req.path, ctx.config.CONTROL_PLANE_URL), {
        method: req.method,
        headers,
        body: hasBody ? JSON.stringify(json(req) && req.body ? req.body : {}) : undefined,
        signal: AbortSignal.timeout(15_000),
        redirect: 'manual',
      });
    } catch (err) {
      return next(new AppError('SERVICE_UNAVAILABLE', 503, 'Sign-in is unavailable, try again shortly', { cause: err }));
    }
    res.status(answer.status);
    for (const cookie of answer.headers.getSetCookie()) res.append('Set-Cookie', cookie);
    const retryAfter = answer.headers.get('retry-after');
    if (retryAfter) res.setHeader('Retry-After', retryAfter);
    res.type(answer.headers.get('content-type') ?? 'application/json').send(Buffer.from(await answer.arrayBuffer()));
  });
  return router;
}
