import { Router } from 'express';
import { errors, ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { abuseLimits } from '../../internal/abuse-limits';
import { limitPerIp } from '../../http/middleware/rate-limit';
import { tenantCodeSchema } from '../../http/tenant-code';
import { clientInfo, requireUser } from '../../http/middleware/auth';
import { clearRefreshCookie, readRefreshCookie, setRefreshCookie, USER_REFRESH_COOKIE } from '../../http/refresh-cookie';
import { registry, responses, z } from '../../http/openapi';
import { passwordProblems } from '../../internal/password';
import { dummyHash } from './password-sign-in';
import { redeemHandoff, startHandoff } from './handoff.service';
import {
  getUserProfile,
  listUserTenants,
  loginUser,
  logoutUser,
  refreshUserSession,
  registerUser,
  switchTenant,
  changeUserPassword,
} from './auth.service';

const DEFAULT_PHONE_PATTERN = /^1[3-9]\d{9}$/;
const required = (what: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`),
});

/** The password policy (docs/auth.md, "Passwords"), one field error per unmet rule. */
const newPassword = z.string(required('a string')).superRefine((password, check) => {
  for (const problem of passwordProblems(password)) check.addIssue({ code: 'custom', message: problem.message });
});

/** Registration body; the phone pattern comes from PHONE_PATTERN. */
function registerBody(phonePattern: RegExp) {
  return z
    .object({
      phone: z.string(required('a string')).trim().regex(phonePattern, 'must be a valid mobile phone number'),
      password: newPassword,
      realName: z.string(required('a string')).trim().min(1, 'is required').max(50),
      email: z.email('must be an email address').max(255).optional(),
      smsCode: z
        .string(required('a string'))
        .trim()
        .regex(/^\d{6}$/, 'must be the 6-digit code')
        .openapi({ description: 'From POST /api/sms/send-code {phone, purpose: "register"}' }),
    })
    .openapi('RegisterRequest');
}

const loginBody = z
  .object({
    phone: z.string(required('a string')).trim().min(1, 'is required').max(20),
    password: z.string(required('a string')).min(1, 'is required').max(128),
  })
  .openapi('UserLoginRequest');
const refreshBody = z
  .object({
    refreshToken: z
      .string('must be a string')
      .min(1, 'is required')
      .max(200)
      .optional()
      .describe('Required unless the browser sends the kg_refresh cookie (HttpOnly, path /api/auth)'),
  })
  .openapi('RefreshRequest');
const logoutBody = z.object({ refreshToken: z.string().min(1).max(200).optional() }).openapi('LogoutRequest');
const switchTenantBody = z
  .object({ tenantCode: tenantCodeSchema })
  .openapi('SwitchTenantRequest');

const tenantSummary = z
  .object({
    tenantCode: z.string(),
    tenantName: z.string(),
    domain: z.string(),
    role: z.string(),
    status: z.string(),
    lastLoginAt: z.string().nullable(),
  })
  .openapi('UserTenant');
const tokenPair = z.object({
  token: z.string().describe('RS256 access token (audience kg-user)'),
  refreshToken: z.string().describe('Opaque, single use: rotated on every refresh'),
  expiresIn: z.number().describe('Access token lifetime in seconds'),
});
const loginResponse = tokenPair
  .extend({
    globalUserId: z.number(),
    phone: z.string(),
    realName: z.string(),
    mustChangePassword: z.boolean().describe('true until a one-time password is replaced'),
    tenants: z.array(tenantSummary),
  })
  .openapi('UserLoginResponse');
const profile = z
  .object({
    globalUserId: z.number(),
    phone: z.string(),
    realName: z.string(),
    email: z.string().nullable(),
    status: z.enum(['active', 'locked', 'suspended', 'deleted']),
    tenant: z.string().optional().describe('Present on tenant-scoped tokens'),
    role: z.string().optional(),
  })
  .openapi('UserProfile');
const switchTenantResponse = tokenPair
  .extend({ tenant: z.object({ tenantCode: z.string(), tenantName: z.string(), domain: z.string(), role: z.string() }) })
  .openapi('SwitchTenantResponse');

const changePasswordBody = z
  .object({ currentPassword: z.string(required('a string')).min(1, 'is required').max(128), newPassword })
  .openapi('ChangePasswordRequest');

const json = (schema: z.ZodTypeAny) => ({ content: { 'application/json': { schema } } });
const userAuth = [{ userBearer: [] }];

registry.registerPath({
  method: 'post',
  path: '/api/auth/register',
  summary: 'Create a global user (phone sign-in) with proof of the phone: an SMS code for purpose register',
  description:
    'The SMS code is checked before anything else about the phone, so only the holder of the phone learns that it is already registered (409); see docs/security.md, Identifiers.',
  tags: ['auth'],
  security: [],
  request: { body: json(registerBody(DEFAULT_PHONE_PATTERN)) },
  responses: responses(z.object({ globalUserId: z.number(), phone: z.string(), realName: z.string() }), [400, 409, 429], 201),
});
registry.registerPath({
  method: 'post',
  path: '/api/auth/login',
  summary: 'Phone + password sign-in; 403 ACCOUNT_LOCKED (Retry-After) after too many failures',
  tags: ['auth'],
  security: [],
  request: { body: json(loginBody) },
  responses: responses(loginResponse, [400, 401, 403, 429]),
});
registry.registerPath({
  method: 'post',
  path: '/api/auth/refresh',
  summary:
    'Rotate a refresh token (body, or the kg_refresh cookie); reusing a rotated one ends its sign-in and every earlier access token (REFRESH_TOKEN_REUSED)',
  tags: ['auth'],
  security: [],
  request: { body: json(refreshBody) },
  responses: responses(tokenPair.openapi('TokenPair'), [400, 401, 403, 410]),
});
registry.registerPath({
  method: 'post',
  path: '/api/auth/logout',
  summary:
    "End this sign-in and the given refresh token's (body or cookie): refresh families, tenant-scoped ones, access tokens; without a refresh token sign out everywhere",
  tags: ['auth'],
  security: userAuth,
  request: { body: json(logoutBody) },
  responses: responses(z.object({ revokedRefreshTokens: z.number() }), [400, 401]),
});
registry.registerPath({
  method: 'get',
  path: '/api/auth/me',
  summary: 'The signed-in user',
  tags: ['auth'],
  security: userAuth,
  responses: responses(profile, [401, 404]),
});
registry.registerPath({
  method: 'get',
  path: '/api/auth/tenants',
  summary: 'Tenants the user is bound to, most recently used first',
  tags: ['auth'],
  security: userAuth,
  responses: responses(z.array(tenantSummary), [401]),
});
registry.registerPath({
  method: 'post',
  path: '/api/auth/switch-tenant',
  summary: 'Tenant-scoped token pair (claims tenant and role) for a tenant the user is bound to',
  tags: ['auth'],
  security: userAuth,
  request: { body: json(switchTenantBody) },
  responses: responses(switchTenantResponse, [400, 401, 403, 404, 410]),
});

registry.registerPath({
  method: 'post',
  path: '/api/auth/change-password',
  summary: "Replace the password (e.g. a provisioning one-time password); ends every session of the user, this one included",
  tags: ['auth'],
  security: userAuth,
  request: { body: json(changePasswordBody) },
  responses: responses(z.object({ changed: z.literal(true), revokedRefreshTokens: z.number() }), [400, 401, 429]),
});

const handoffRedeemBody = z.object({ code: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is not a hand-off code') }).openapi('HandoffRedeem');
registry.registerPath({
  method: 'post',
  path: '/api/auth/handoff',
  summary: "A one-time code (60 s) that carries this sign-in to another tenant's subdomain (docs/staff-app.md, Tenant picker)",
  tags: ['auth'],
  security: userAuth,
  request: { body: json(switchTenantBody) },
  responses: responses(z.object({ code: z.string(), expiresIn: z.number() }), [400, 401, 403]),
});
registry.registerPath({
  method: 'post',
  path: '/api/auth/handoff/redeem',
  summary: 'Redeems a hand-off code once: a tenant-scoped token pair (and the refresh cookie) for that tenant',
  tags: ['auth'],
  // The single-use code is the credential (it is how a signed-in user reaches another subdomain).
  security: [],
  request: { body: json(handoffRedeemBody) },
  responses: responses(z.object({ token: z.string() }).passthrough(), [400, 401, 403, 429]),
});

/** Global-user auth (docs/auth.md): register, sign in, refresh, sign out, profile, tenants. */
export function authRoutes(ctx: AppContext): Router {
  const router = Router();
  const register = registerBody(new RegExp(ctx.config.PHONE_PATTERN));
  const limits = abuseLimits(ctx);
  // Computed ahead so the first unknown phone is not slower than the rest (timing must not tell).
  dummyHash(ctx.config.BCRYPT_COST).catch(() => undefined);

  router.post('/api/auth/register', limitPerIp(ctx, 'register'), async (req, res) => {
    const input = validate(register, req.body);
    await limits.perAccount('register', input.phone);
    ok(res, await registerUser(ctx, input, clientInfo(req)), 201);
  });
  router.post('/api/auth/login', limitPerIp(ctx, 'signIn'), async (req, res) => {
    const input = validate(loginBody, req.body);
    await limits.perAccount('signIn', input.phone);
    const session = await loginUser(ctx, input, clientInfo(req));
    setRefreshCookie(req, res, USER_REFRESH_COOKIE, session.refreshToken, ctx.config.REFRESH_TOKEN_TTL_SECONDS);
    ok(res, session);
  });
  router.post('/api/auth/refresh', async (req, res) => {
    const refreshToken = validate(refreshBody, req.body ?? {}).refreshToken ?? readRefreshCookie(req, USER_REFRESH_COOKIE);
    if (!refreshToken) throw errors.validation([{ field: 'refreshToken', message: 'is required' }]);
    const pair = await refreshUserSession(ctx, refreshToken, clientInfo(req));
    setRefreshCookie(req, res, USER_REFRESH_COOKIE, pair.refreshToken, ctx.config.REFRESH_TOKEN_TTL_SECONDS);
    ok(res, pair);
  });
  router.post('/api/auth/logout', requireUser(ctx, { passwordChangePending: 'allow' }), async (req, res) => {
    const refreshToken = validate(logoutBody, req.body ?? {}).refreshToken ?? readRefreshCookie(req, USER_REFRESH_COOKIE);
    const result = await logoutUser(ctx, req.user!, refreshToken, clientInfo(req));
    clearRefreshCookie(req, res, USER_REFRESH_COOKIE);
    ok(res, result);
  });
  router.post('/api/auth/change-password', limitPerIp(ctx, 'signIn'), requireUser(ctx, { passwordChangePending: 'allow' }), async (req, res) => {
    await limits.perAccount('signIn', `id:${req.user!.sub}`);
    const result = await changeUserPassword(ctx, req.user!, validate(changePasswordBody, req.body), clientInfo(req));
    clearRefreshCookie(req, res, USER_REFRESH_COOKIE);
    ok(res, result);
  });
  router.get('/api/auth/me', requireUser(ctx, { passwordChangePending: 'allow' }), async (req, res) => {
    ok(res, await getUserProfile(ctx, req.user!));
  });
  router.get('/api/auth/tenants', requireUser(ctx), async (req, res) => {
    ok(res, await listUserTenants(ctx, Number(req.user!.sub)));
  });
  router.post('/api/auth/handoff', requireUser(ctx), async (req, res) => {
    const { tenantCode } = validate(switchTenantBody, req.body);
    ok(res, await startHandoff(ctx, req.user!, tenantCode));
  });
  router.post('/api/auth/handoff/redeem', limitPerIp(ctx, 'signIn'), async (req, res) => {
    const { code } = validate(handoffRedeemBody, req.body);
    const scoped = await redeemHandoff(ctx, code, clientInfo(req));
    setRefreshCookie(req, res, USER_REFRESH_COOKIE, scoped.refreshToken, ctx.config.REFRESH_TOKEN_TTL_SECONDS);
    ok(res, scoped);
  });
  router.post('/api/auth/switch-tenant', requireUser(ctx), async (req, res) => {
    const { tenantCode } = validate(switchTenantBody, req.body);
    const scoped = await switchTenant(ctx, req.user!, tenantCode, clientInfo(req));
    setRefreshCookie(req, res, USER_REFRESH_COOKIE, scoped.refreshToken, ctx.config.REFRESH_TOKEN_TTL_SECONDS);
    ok(res, scoped);
  });
  return router;
}
