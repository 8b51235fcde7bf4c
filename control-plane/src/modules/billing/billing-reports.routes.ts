import { Router } from 'express';
import { ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireUser } from '../../http/middleware/auth';
import { registry, responses, z } from '../../http/openapi';
import { bridgeCaller } from '../ai-bridge/bridge.routes';
import { billsPage, transactionsPage, usageReport } from './billing-reports.service';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD').refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a date');
const today = () => new Date().toISOString().slice(0, 10);
const usageQuery = z.object({
  from: day.optional().transform((v) => v ?? `${today().slice(0, 7)}-01`),
  to: day.optional().transform((v) => v ?? today()),
});
const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: z.coerce.number().int().positive().optional(),
});
const tenantHeader = z.object({ 'x-tenant-code': z.string().optional() });
const pageOf = (item: z.ZodTypeAny) => z.object({ items: z.array(item), nextBefore: z.number().nullable() });

registry.registerPath({ method: 'get', path: '/api/v1/billing/usage', summary: "The tenant's AI usage per day and model (from the daily roll-up; default this UTC month)", tags: ['billing'], security: [{ userBearer: [] }], request: { headers: tenantHeader, query: usageQuery }, responses: responses(z.object({ from: z.string(), to: z.string(), days: z.array(z.unknown()), totals: z.unknown() }).passthrough(), [400, 401, 403, 410]) });
registry.registerPath({ method: 'get', path: '/api/v1/billing/bills', summary: "The tenant's monthly bills (base fee plus overage), newest first", tags: ['billing'], security: [{ userBearer: [] }], request: { headers: tenantHeader, query: pageQuery }, responses: responses(pageOf(z.unknown()), [400, 401, 403, 410]) });
registry.registerPath({ method: 'get', path: '/api/v1/billing/transactions', summary: "The tenant's balance transactions, newest first; `before` pages on", tags: ['billing'], security: [{ userBearer: [] }], request: { headers: tenantHeader, query: pageQuery }, responses: responses(pageOf(z.unknown()), [400, 401, 403, 410]) });

/**
 * What a tenant's users read about their own tenant: usage, bills and balance transactions
 * (docs/ai-billing.md, "Usage roll-up and monthly bills"). The tenant is resolved as for the
 * bridge: a tenant-scoped token or X-Tenant-Code of a tenant the user is bound to.
 */
export function billingReportRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/api/v1/billing/usage', requireUser(ctx), async (req, res) => {
    const range = validate(usageQuery, req.query);
    ok(res, await usageReport(ctx, await bridgeCaller(ctx, req), range));
  });
  router.get('/api/v1/billing/bills', requireUser(ctx), async (req, res) => {
    const q = validate(pageQuery, req.query);
    ok(res, await billsPage(ctx, await bridgeCaller(ctx, req), q));
  });
  router.get('/api/v1/billing/transactions', requireUser(ctx), async (req, res) => {
    const q = validate(pageQuery, req.query);
    ok(res, await transactionsPage(ctx, await bridgeCaller(ctx, req), q));
  });
  return router;
}
