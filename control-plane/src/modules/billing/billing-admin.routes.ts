import { Router } from 'express';
import { ok, pagingSchema, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireAdmin } from '../../http/middleware/auth';
import { registry, responses, z } from '../../http/openapi';
import { auditActor } from '../audit/audit.http';
import { MAX_USAGE_CHART_DAYS, adjustBalance, aiUsageChart, cardBatchesPage, operatorAccount, operatorBills, operatorTransactions, settleBill } from './billing-admin.service';
import { money } from './money';

/** Largest manual adjustment either way. */
export const MAX_ADJUSTMENT = 1_000_000;

const codeParams = z.object({ code: z.string().min(1).max(50) });
const txQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: z.coerce.number().int().positive().optional(),
});
const adjustmentBody = z.object({
  amount: money()
    .refine((v) => v !== 0, 'must not be zero')
    .refine((v) => Math.abs(v) <= MAX_ADJUSTMENT, `at most ${MAX_ADJUSTMENT} either way`)
    .openapi({ description: 'Signed: positive credits the tenant, negative debits it; two decimals at most' }),
  reason: z.string().trim().min(1, 'is required').max(500),
});
const idempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .trim()
    .min(8)
    .max(100)
    .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : -')
    .optional()
    .openapi({ description: 'A retry with the same key answers the first booking (200, replayed) instead of booking again' }),
});
const billParams = codeParams.extend({ id: z.coerce.number().int().positive() });
const settleBody = z.object({ status: z.enum(['paid', 'overdue']) });
const usageQuery = z.object({
  days: z.coerce.number().int().min(1).max(MAX_USAGE_CHART_DAYS).default(30),
  tenantCode: z.string().min(1).max(50).optional(),
});

const transaction = z
  .object({ id: z.number(), type: z.enum(['charge', 'recharge', 'adjustment']), amount: z.string(), balanceAfter: z.string(), reference: z.string(), description: z.string().nullable(), createdAt: z.string() })
  .openapi('BalanceTransaction');
const account = z.object({
  tenantCode: z.string(),
  planType: z.string(),
  balance: z.string(),
  creditLimit: z.string(),
  paymentStatus: z.string(),
  billingCycle: z.string(),
  usage: z.object({ periodStart: z.string(), aiTokens: z.number(), monthlyAiTokens: z.number() }),
});
const bill = z
  .object({ id: z.number(), periodStart: z.string(), periodEnd: z.string(), baseFee: z.string(), overageFee: z.string(), totalAmount: z.string(), status: z.enum(['draft', 'issued', 'paid', 'overdue']), details: z.record(z.string(), z.unknown()).nullable(), createdAt: z.string() })
  .openapi('Bill');
const batch = z.object({ batchId: z.string(), value: z.string(), count: z.number(), redeemed: z.number(), expiresAt: z.string(), createdAt: z.string(), createdBy: z.number().nullable() });
const usageRow = { calls: z.number(), tokens: z.number(), cost: z.string() };
const usage = z.object({
  tenantCode: z.string().nullable(),
  from: z.string(),
  to: z.string(),
  days: z.array(z.object({ date: z.string(), ...usageRow })),
  byModel: z.array(z.object({ date: z.string(), modelId: z.number().nullable(), model: z.string().nullable(), ...usageRow })),
  models: z.array(z.object({ modelId: z.number().nullable(), model: z.string().nullable(), ...usageRow })),
});

const op = { tags: ['billing'], security: [{ adminBearer: [] }] };
registry.registerPath({ ...op, method: 'get', path: '/api/tenants/{code}/billing/account', summary: "A tenant's balance, credit limit and this month's AI tokens (operator)", request: { params: codeParams }, responses: responses(account, [401, 403, 404]) });
registry.registerPath({ ...op, method: 'get', path: '/api/tenants/{code}/billing/transactions', summary: "A tenant's balance transactions, newest first; `before` pages on (operator)", request: { params: codeParams, query: txQuery }, responses: responses(z.object({ items: z.array(transaction), nextBefore: z.number().nullable() }), [400, 401, 403, 404]) });
registry.registerPath({ ...op, method: 'post', path: '/api/tenants/{code}/billing/adjustments', summary: "Credits or debits a tenant's balance by hand with a reason (admin, audited); 201 booked, 200 a replay of the same Idempotency-Key", request: { params: codeParams, headers: idempotencyHeader, body: { content: { 'application/json': { schema: adjustmentBody } } } }, responses: responses(z.object({ transaction, replayed: z.boolean() }), [400, 401, 403, 404, 409, 410], 201) });
registry.registerPath({ ...op, method: 'get', path: '/api/tenants/{code}/billing/bills', summary: "A tenant's monthly bills, newest first; `before` pages on (operator)", request: { params: codeParams, query: txQuery }, responses: responses(z.object({ items: z.array(bill), nextBefore: z.number().nullable() }), [400, 401, 403, 404]) });
registry.registerPath({ ...op, method: 'patch', path: '/api/tenants/{code}/billing/bills/{id}', summary: 'Marks a bill paid or overdue (admin, audited); a paid bill is final (409)', request: { params: billParams, body: { content: { 'application/json': { schema: settleBody } } } }, responses: responses(bill, [400, 401, 403, 404, 409]) });
registry.registerPath({ ...op, method: 'get', path: '/api/recharge-cards/batches', summary: 'Recharge-card batches with their redeemed counts, newest first; never the codes (operator)', request: { query: pagingSchema }, responses: responses(z.object({ items: z.array(batch), total: z.number(), page: z.number(), pageSize: z.number() }), [400, 401, 403]) });
registry.registerPath({ ...op, method: 'get', path: '/api/billing/ai-usage', summary: 'AI calls, tokens and cost per UTC day and model over the last `days` days, of all tenants or of `tenantCode` (operator)', request: { query: usageQuery }, responses: responses(usage, [400, 401, 403, 404]) });

/** The operators' side of billing (docs/ai-billing.md, "Operators"). */
export function billingAdminRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/api/tenants/:code/billing/account', requireAdmin(ctx, 'operator'), async (req, res) => {
    ok(res, await operatorAccount(ctx, validate(codeParams, req.params).code));
  });
  router.get('/api/tenants/:code/billing/transactions', requireAdmin(ctx, 'operator'), async (req, res) => {
    const { code } = validate(codeParams, req.params);
    ok(res, await operatorTransactions(ctx, code, validate(txQuery, req.query)));
  });
  router.post('/api/tenants/:code/billing/adjustments', requireAdmin(ctx, 'admin'), async (req, res) => {
    const { code } = validate(codeParams, req.params);
    const key = validate(idempotencyHeader, { 'idempotency-key': req.get('idempotency-key') })['idempotency-key'];
    const body = validate(adjustmentBody, req.body);
    const result = await adjustBalance(ctx, { ...auditActor(req), adminId: Number(req.admin!.sub) }, code, { ...body, idempotencyKey: key });
    ok(res, result, result.replayed ? 200 : 201);
  });
  router.get('/api/tenants/:code/billing/bills', requireAdmin(ctx, 'operator'), async (req, res) => {
    const { code } = validate(codeParams, req.params);
    ok(res, await operatorBills(ctx, code, validate(txQuery, req.query)));
  });
  router.patch('/api/tenants/:code/billing/bills/:id', requireAdmin(ctx, 'admin'), async (req, res) => {
    const { code, id } = validate(billParams, req.params);
    ok(res, await settleBill(ctx, auditActor(req), code, id, validate(settleBody, req.body).status));
  });
  router.get('/api/recharge-cards/batches', requireAdmin(ctx, 'operator'), async (req, res) => {
    ok(res, await cardBatchesPage(ctx, validate(pagingSchema, req.query)));
  });
  router.get('/api/billing/ai-usage', requireAdmin(ctx, 'operator'), async (req, res) => {
    ok(res, await aiUsageChart(ctx, validate(usageQuery, req.query)));
  });
  return router;
}
