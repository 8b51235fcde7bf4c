import { Router, type Request, type Response } from 'express';
import { validate } from '@kg/shared';
import { requirePermission } from '../../http/middleware/auth';
import { registry, responses, tenantHeaders, z } from '../../http/openapi';
import { StaffRelay } from '../staff/staff.relay';
import type { AppContext } from '../../context';

/**
 * The kindergarten's account as the staff app shows it (docs/staff-app.md, "Billing"): balance,
 * credit limit and plan, transactions, monthly bills, AI usage per day, and redeeming a recharge
 * card. The control plane owns all of it (docs/ai-billing.md); these routes check the permission
 * here (a teacher is refused without a round trip), validate what they pass on, and relay with
 * the user's own token and the request's tenant (resolved from the host, never from the body or
 * query). Reading needs `system:read`, redeeming `system:write` (both only the admin role's by
 * default); the control plane lets only a tenant admin redeem and limits failed redeems.
 */

const noQuery = z.object({}).strict();
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const usageQuery = z.object({ from: day.optional(), to: day.optional() }).strict();
const pageQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(100).optional(), before: z.coerce.number().int().positive().optional() })
  .strict();
/** The control plane's own rule (20 characters in groups of five; spaces and dashes are ignored). */
const redeemBody = z
  .object({ code: z.string().trim().min(10).max(64).regex(/^[A-Za-z0-9 -]+$/, 'letters, digits and dashes') })
  .strict()
  .openapi('TenantRedeemBody');

const transaction = z.object({ id: z.number(), type: z.enum(['charge', 'recharge', 'adjustment']), amount: z.string(), balanceAfter: z.string(), reference: z.string(), description: z.string().nullable(), createdAt: z.string() });
const account = z
  .object({
    tenantCode: z.string(),
    planType: z.string(),
    balance: z.number(),
    creditLimit: z.number(),
    paymentStatus: z.string(),
    usage: z.object({ periodStart: z.string(), aiTokens: z.number(), monthlyAiTokens: z.number() }),
    transactions: z.array(transaction),
  })
  .openapi('TenantBillingAccount');
const keyset = (item: z.ZodTypeAny) => z.object({ items: z.array(item), nextBefore: z.number().nullable() });
const common = { tags: ['billing'], security: [{ userBearer: [] }] };
const json = (schema: z.ZodTypeAny) => ({ content: { 'application/json': { schema } } });
registry.registerPath({ ...common, method: 'get', path: '/api/billing/account', summary: "The kindergarten's balance, credit limit, plan, this month's AI tokens and the latest transactions (system:read)", request: { headers: tenantHeaders }, responses: responses(account) });
registry.registerPath({ ...common, method: 'get', path: '/api/billing/transactions', summary: 'Balance transactions, newest first; pass nextBefore as before for the next page (system:read)', request: { headers: tenantHeaders, query: pageQuery }, responses: responses(keyset(transaction)) });
registry.registerPath({ ...common, method: 'get', path: '/api/billing/bills', summary: 'Monthly bills (base fee plus overage), newest first (system:read)', request: { headers: tenantHeaders, query: pageQuery }, responses: responses(keyset(z.unknown())) });
registry.registerPath({ ...common, method: 'get', path: '/api/billing/usage', summary: 'AI calls, tokens and cost per day and model from the daily roll-up; default this UTC month (system:read)', request: { headers: tenantHeaders, query: usageQuery }, responses: responses(z.object({ from: z.string(), to: z.string(), days: z.array(z.unknown()), totals: z.unknown() }).passthrough()) });
registry.registerPath({ ...common, method: 'post', path: '/api/billing/recharge', summary: 'Redeem a recharge card (tenant admin, system:write): unknown 404, already used 409, expired 410, too many failed attempts 429', request: { headers: tenantHeaders, body: json(redeemBody) }, responses: responses(z.object({ amount: z.string(), balance: z.string() }), 200, { 429: 'RATE_LIMITED: too many failed redeems (Retry-After)' }) });

/** GET /api/billing/{account,transactions,bills,usage}, POST /api/billing/recharge. */
export function billingRoutes(ctx: AppContext): Router {
  const router = Router();
  const relay = new StaffRelay(ctx.config.CONTROL_PLANE_URL, 15_000, 'Billing is unavailable, try again shortly');
  const send = async (req: Request, res: Response, path: string, query: Record<string, unknown> | undefined, body?: unknown) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
    const answer = await relay.send({
      method: req.method,
      path,
      query: params.size > 0 ? `?${params}` : undefined,
      body,
      token: req.auth!.token,
      tenantCode: req.tenant!.tenantCode,
      requestId: String((req as { id?: unknown }).id ?? '') || undefined,
      userAgent: req.get('user-agent'),
    });
    if (answer.retryAfter) res.set('Retry-After', answer.retryAfter);
    res.status(answer.status).json(answer.body);
  };
  const read = requirePermission('system', 'read');
  router.get('/api/billing/account', read, (req, res) => send(req, res, '/billing/account', validate(noQuery, req.query)));
  router.get('/api/billing/transactions', read, (req, res) => send(req, res, '/billing/transactions', validate(pageQuery, req.query)));
  router.get('/api/billing/bills', read, (req, res) => send(req, res, '/billing/bills', validate(pageQuery, req.query)));
  router.get('/api/billing/usage', read, (req, res) => send(req, res, '/billing/usage', validate(usageQuery, req.query)));
  router.post('/api/billing/recharge', requirePermission('system', 'write'), (req, res) =>
    send(req, res, '/billing/recharge', undefined, validate(redeemBody, req.body)),
  );
  return router;
}
