import { Router } from 'express';
import { ok, pagingSchema, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireAdmin } from '../../http/middleware/auth';
import { registry, responses, z } from '../../http/openapi';
import { pageOf } from '../../http/paging';
import { checkpointPlace, readCheckpoint } from './audit.checkpoint';
import { listAuditLog, verifyAuditChain } from './audit.service';
import { tenantCodeSchema } from '../../http/tenant-code';

const listQuery = pagingSchema.extend({
  tenantCode: tenantCodeSchema.optional(),
  action: z.string().max(100).optional().openapi({ description: 'Exact action, or a prefix ending in * (tenant.*)' }),
  actor: z.string().max(100).optional().openapi({ description: "Actor's name or id" }),
  targetType: z.string().max(50).optional(),
  targetId: z.string().max(100).optional(),
  from: z.coerce.date().optional().openapi({ description: 'Created at or after (ISO 8601)' }),
  to: z.coerce.date().optional().openapi({ description: 'Created before (ISO 8601)' }),
});

const auditLogSchema = z
  .object({
    id: z.number(),
    actorType: z.enum(['admin', 'user', 'system']),
    actorId: z.string().nullable(),
    actorName: z.string().nullable(),
    action: z.string(),
    tenantCode: z.string().nullable(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
    clientRequestId: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
    createdAt: z.string(),
  })
  .openapi('AuditLog');

registry.registerPath({
  method: 'get',
  path: '/api/audit-logs',
  summary: 'Audit log of operator actions, newest first (operator)',
  tags: ['audit'],
  security: [{ adminBearer: [] }],
  request: { query: listQuery },
  responses: responses(pageOf(auditLogSchema)),
});

registry.registerPath({
  method: 'get',
  path: '/api/audit-logs/verify',
  summary: 'Verifies the audit hash chain and reports the first tampered row (admin)',
  tags: ['audit'],
  security: [{ adminBearer: [] }],
  responses: responses(
    z.object({ ok: z.boolean(), checked: z.number(), firstBadId: z.number().optional(), reason: z.string().optional() }),
    [401, 403],
  ),
});

/** Read side of the audit log for the admin console. */
export function auditRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/api/audit-logs', requireAdmin(ctx, 'operator'), async (req, res) => {
    const query = validate(listQuery, req.query);
    ok(res, await listAuditLog(ctx, query));
  });
  router.get('/api/audit-logs/verify', requireAdmin(ctx, 'admin'), async (_req, res) => {
    const read = await readCheckpoint(checkpointPlace(ctx.config, ctx.secrets));
    ok(res, await verifyAuditChain(ctx.db, ctx.secrets.auditKey, read.status === 'ok' ? read.checkpoint : undefined));
  });
  return router;
}
