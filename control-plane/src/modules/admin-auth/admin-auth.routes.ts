import { Router } from 'express';
import { errors, ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { abuseLimits } from '../../internal/abuse-limits';
import { limitPerIp } from '../../http/middleware/rate-limit';
import { clientInfo, requireAdmin } from '../../http/middleware/auth';
import { ADMIN_REFRESH_COOKIE, clearRefreshCookie, readRefreshCookie, setRefreshCookie } from '../../http/refresh-cookie';
import { registry, responses, z } from '../../http/openapi';
import { getAdminProfile, loginAdmin, logoutAdmin, refreshAdminSession } from './admin-auth.service';

const required = { error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : 'must be a string') };

const loginBody = z
  .object({
    username: z.string(required).trim().min(1, 'is required').max(50),
    password: z.string(required).min(1, 'is required').max(128),
  })
  .openapi('AdminLoginRequest');
const refreshBody = z
  .object({
    refreshToken: z
      .string(required)
      .min(1, 'is required')
      .max(200)
      .optional()
      .describe('Required unless the browser sends the kg_admin_refresh cookie (HttpOnly, path /api/admin/auth)'),
  })
  .openapi('AdminRefreshRequest');
const logoutBody = z.object({ refreshToken: z.string().min(1).max(200).optional() }).openapi('AdminLogoutRequest');

const role = z.enum(['super_admin', 'admin', 'operator']);
const adminSession = z
  .object({
    token: z.string().describe('RS256 access token (audience kg-admin)'),
    refreshToken: z.string().describe('Opaque, single use: rotated on every refresh'),
    expiresIn: z.number().describe('Access token lifetime in seconds'),
    admin: z.object({ id: z.number(), username: z.string(), role }),
  })
  .openapi('AdminSession');
const adminProfile = z
  .object({
    id: z.number(),
    username: z.string(),
    email: z.string().nullable(),
    role,
    status: z.enum(['active', 'inactive', 'suspended']),
    lastLoginAt: z.string().nullable(),
  })
  .openapi('AdminProfile');

const json = (schema: z.ZodTypeAny) => ({ content: { 'application/json': { schema } } });
const adminAuth = [{ adminBearer: [] }];

registry.registerPath({
  method: 'post',
  path: '/api/admin/auth/login',
  summary: 'Operator sign-in (username + password); 403 ACCOUNT_LOCKED (Retry-After) after too many failures',
  description: '429 with Retry-After over the per-IP or per-username limit; 503 with Retry-After while password checks are backed up.',
  tags: ['admin-auth'],
  request: { body: json(loginBody) },
  responses: responses(adminSession, [400, 401, 403, 429]),
});
registry.registerPath({
  method: 'post',
  path: '/api/admin/auth/refresh',
  summary: 'Rotate an operator refresh token (body, or the kg_admin_refresh cookie); reusing a rotated one ends its sign-in',
  tags: ['admin-auth'],
  request: { body: json(refreshBody) },
  responses: responses(adminSession, [400, 401, 403]),
});
registry.registerPath({
  method: 'post',
  path: '/api/admin/auth/logout',
  summary: "End this sign-in and the given refresh token's (body or cookie); without a refresh token sign out everywhere",
  tags: ['admin-auth'],
  security: adminAuth,
  request: { body: json(logoutBody) },
  responses: responses(z.object({ revokedRefreshTokens: z.number() }), [400, 401]),
});
registry.registerPath({
  method: 'get',
  path: '/api/admin/auth/me',
  summary: 'The signed-in operator',
  tags: ['admin-auth'],
  security: adminAuth,
  responses: responses(adminProfile, [401, 404]),
});

/** Operator auth for the admin console (docs/auth.md): sign in, refresh, sign out, profile. */
export function adminAuthRoutes(ctx: AppContext): Router {
  const router = Router();
  router.post('/api/admin/auth/login', limitPerIp(ctx, 'adminSignIn'), async (req, res) => {
    const input = validate(loginBody, req.body);
    await abuseLimits(ctx).perAccount('adminSignIn', input.username);
    const session = await loginAdmin(ctx, input, clientInfo(req));
    setRefreshCookie(req, res, ADMIN_REFRESH_COOKIE, session.refreshToken, ctx.config.REFRESH_TOKEN_TTL_SECONDS);
    ok(res, session);
  });
  router.post('/api/admin/auth/refresh', async (req, res) => {
    const refreshToken = validate(refreshBody, req.body ?? {}).refreshToken ?? readRefreshCookie(req, ADMIN_REFRESH_COOKIE);
    if (!refreshToken) throw errors.validation([{ field: 'refreshToken', message: 'is required' }]);
    const session = await refreshAdminSession(ctx, refreshToken, clientInfo(req));
    setRefreshCookie(req, res, ADMIN_REFRESH_COOKIE, session.refreshToken, ctx.config.REFRESH_TOKEN_TTL_SECONDS);
    ok(res, session);
  });
  router.post('/api/admin/auth/logout', requireAdmin(ctx), async (req, res) => {
    const refreshToken = validate(logoutBody, req.body ?? {}).refreshToken ?? readRefreshCookie(req, ADMIN_REFRESH_COOKIE);
    const result = await logoutAdmin(ctx, req.admin!, refreshToken, clientInfo(req));
    clearRefreshCookie(req, res, ADMIN_REFRESH_COOKIE);
    ok(res, result);
  });
  router.get('/api/admin/auth/me', requireAdmin(ctx), async (req, res) => {
    ok(res, await getAdminProfile(ctx, req.admin!));
  });
  return router;
}
