import { Router, type RequestHandler } from 'express';
import { errors, ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireAdmin, requireUser } from '../../http/middleware/auth';
import { registry, responses, z } from '../../http/openapi';
import { bridgeCaller } from '../ai-bridge/bridge.routes';
import { auditActor } from '../audit/audit.http';
import { accountView, changeTenantPlan, createCardBatch, listPlans, redeemCard } from './billing.service';
import { money } from './money';
import { PLAN_TYPES } from './plan.repository';
import { redeemLimit } from './redeem-limit';

const plan = z
  .object({
    id: z.number(),
    planType: z.enum(PLAN_TYPES),
    displayName: z.string(),
    baseFeeMonthly: z.string(),
    maxUsers: z.number(),
    maxStorageMb: z.number(),
    monthlyAiTokens: z.number(),
    aiRateLimitPerMinute: z.number(),
    overagePricePer1kTokens: z.string(),
    creditLimit: z.string(),
    status: z.enum(['active', 'inactive']),
  })
  .openapi('Plan');
const planBody = z.object({ planType: z.enum(PLAN_TYPES) });
const codeParams = z.object({ code: z.string().min(1).max(50) });
const batchBody = z.object({
  value: money().positive().max(1_000_000),
  count: z.number().int().min(1).max(1000),
  expiresAt: z.iso.datetime({ offset: true }).transform((s) => new Date(s)),
});
const redeemBody = z.object({ code: z.string().trim().min(10).max(64).regex(/^[A-Za-z0-9 -]+$/, 'letters, digits and dashes') });
const tenantHeader = z.object({ 'x-tenant-code': z.string().optional() });

registry.registerPath({ method: 'get', path: '/api/plans', summary: 'Plans with their quotas and prices (anyone signed in)', tags: ['billing'], security: [{ adminBearer: [] }, { userBearer: [] }], responses: responses(z.object({ items: z.array(plan) }), [401]) });
registry.registerPath({ method: 'put', path: '/api/tenants/{code}/plan', summary: "Changes a tenant's plan at once (admin, audited)", tags: ['billing'], security: [{ adminBearer: [] }], request: { params: codeParams, body: { content: { 'application/json': { schema: planBody } } } }, responses: responses(plan, [400, 401, 403, 404, 410]) });
registry.registerPath({ method: 'post', path: '/api/recharge-cards/batches', summary: 'Generates recharge cards; the codes are returned only in this answer (admin, audited)', tags: ['billing'], security: [{ adminBearer: [] }], request: { body: { content: { 'application/json': { schema: batchBody } } } }, responses: responses(z.object({ batchId: z.string(), value: z.string(), count: z.number(), expiresAt: z.string(), codes: z.array(z.string()) }), [400, 401, 403], 201) });
registry.registerPath({ method: 'post', path: '/api/v1/billing/recharge', summary: "Redeems a recharge card for the caller's tenant (tenant admin); used 409, expired 410, too many failed attempts 429", tags: ['billing'], security: [{ userBearer: [] }], request: { headers: tenantHeader, body: { content: { 'application/json': { schema: redeemBody } } } }, responses: responses(z.object({ amount: z.string(), balance: z.string() }), [400, 401, 403, 404, 409, 410, 429]) });
registry.registerPath({ method: 'get', path: '/api/v1/billing/account', summary: "The tenant's balance, credit limit, this month's AI usage and recent transactions", tags: ['billing'], security: [{ userBearer: [] }], request: { headers: tenantHeader }, responses: responses(z.object({ balance: z.number(), creditLimit: z.number(), transactions: z.array(z.unknown()) }).passthrough(), [401, 403, 404]) });

/** Admin or user token: plans are public to anyone signed in. */
function anySignedIn(ctx: AppContext): RequestHandler {
  const admin = requireAdmin(ctx, 'operator');
  const user = requireUser(ctx);
  return (req, res, next) => {
    admin(req, res, (err?: unknown) => (err === undefined ? next() : user(req, res, (err2?: unknown) => next(err2 === undefined ? undefined : err2 ?? errors.unauthorized()))));
  };
}

/** Plans, plan changes, recharge cards and the tenant's account (docs/ai-billing.md, "Plans and billing"). */
export function billingRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/api/plans', anySignedIn(ctx), async (_req, res) => {
    ok(res, { items: await listPlans(ctx.db) });
  });
  router.put('/api/tenants/:code/plan', requireAdmin(ctx, 'admin'), async (req, res) => {
    const { code } = validate(codeParams, req.params);
    ok(res, await changeTenantPlan(ctx, auditActor(req), code, validate(planBody, req.body).planType));
  });
  router.post('/api/recharge-cards/batches', requireAdmin(ctx, 'admin'), async (req, res) => {
    const body = validate(batchBody, req.body);
    ok(res, await createCardBatch(ctx, { ...auditActor(req), adminId: Number(req.admin!.sub) }, body), 201);
  });
  router.post('/api/v1/billing/recharge', requireUser(ctx), async (req, res) => {
    const { code } = validate(redeemBody, req.body);
    const caller = await bridgeCaller(ctx, req);
    ok(res, await redeemLimit(ctx).guard(caller, () => redeemCard(ctx, caller, code)));
  });
  router.get('/api/v1/billing/account', requireUser(ctx), async (req, res) => {
    ok(res, await accountView(ctx, await bridgeCaller(ctx, req)));
  });
  return router;
}
