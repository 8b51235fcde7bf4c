import { Router } from 'express';
import { CLEANUP_STATUSES, ok, pagingSchema, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireAdmin } from '../../http/middleware/auth';
import { registry, responses, z } from '../../http/openapi';
import { pageOf } from '../../http/paging';
import { auditActor } from '../audit/audit.http';
import { tenantCodeParams, tenantCodeSchema } from '../../http/tenant-code';
import { cancelCleanup, listCleanupEntries, triggerPurgeRun } from './cleanup.service';
import { deleteTenant, restoreTenant } from './deletion.service';

const deletionSchema = z
  .object({
    tenantCode: z.string(),
    status: z.literal('deleted'),
    deletedAt: z.string(),
    scheduledDeletionAt: z.string(),
    graceDays: z.number(),
    dnsRecordRemoved: z.boolean(),
    cleanup: z.array(z.object({ id: z.number(), resourceType: z.string(), resourceName: z.string().nullable() })),
  })
  .openapi('TenantDeletion');

const restoreSchema = z
  .object({ tenantCode: z.string(), status: z.literal('active'), dnsRecordId: z.string(), cancelledCleanupIds: z.array(z.number()) })
  .openapi('TenantRestore');

const cleanupEntrySchema = z
  .object({
    id: z.number(),
    tenantCode: z.string(),
    tenantName: z.string().nullable(),
    tenantStatus: z.string().nullable(),
    resourceType: z.string(),
    resourceName: z.string().nullable(),
    dbServerId: z.number().nullable(),
    ossPath: z.string().nullable(),
    status: z.enum(CLEANUP_STATUSES),
    scheduledDeletionAt: z.string(),
    daysLeft: z.number(),
    retryCount: z.number(),
    error: z.string().nullable(),
    deletionStartedAt: z.string().nullable(),
    deletionCompletedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('CleanupEntry');

const cleanupQuery = pagingSchema.extend({
  tenantCode: tenantCodeSchema.optional(),
  status: z
    .string()
    .optional()
    .transform((v, c) => {
      const list = (v ?? 'pending,in_progress,failed').split(',').map((s) => s.trim()).filter(Boolean);
      for (const s of list) {
        if (!(CLEANUP_STATUSES as readonly string[]).includes(s)) {
          c.addIssue({ code: 'custom', message: `unknown status ${s}; use ${CLEANUP_STATUSES.join(', ')}` });
          return z.NEVER;
        }
      }
      return list as Array<(typeof CLEANUP_STATUSES)[number]>;
    })
    .openapi({ type: 'string', description: 'Comma-separated statuses; default pending,in_progress,failed' }),
  dueWithinDays: z.coerce.number().int().min(0).max(3650).optional(),
});

const idParam = z.object({ id: z.coerce.number().int().positive() });

registry.registerPath({
  method: 'delete',
  path: '/api/tenant/{code}',
  summary: 'Soft-deletes a tenant: DNS removed now, resources purged after the grace period (admin)',
  tags: ['tenants'],
  security: [{ adminBearer: [] }],
  request: { params: tenantCodeParams },
  responses: responses(deletionSchema, [401, 403, 404, 409, 410]),
});
registry.registerPath({
  method: 'post',
  path: '/api/tenants/{code}/restore',
  summary: 'Restores a deleted tenant within its grace period, with all its data (admin)',
  tags: ['tenants'],
  security: [{ adminBearer: [] }],
  request: { params: tenantCodeParams },
  responses: responses(restoreSchema, [401, 403, 404, 409, 410]),
});
registry.registerPath({
  method: 'get',
  path: '/api/cleanup',
  summary: 'Scheduled resource cleanup with days left, soonest first (operator)',
  tags: ['cleanup'],
  security: [{ adminBearer: [] }],
  request: { query: cleanupQuery },
  responses: responses(pageOf(cleanupEntrySchema)),
});
registry.registerPath({
  method: 'delete',
  path: '/api/cleanup/{id}',
  summary: 'Cancels a pending cleanup entry; the resource is kept (admin)',
  tags: ['cleanup'],
  security: [{ adminBearer: [] }],
  request: { params: idParam },
  responses: responses(cleanupEntrySchema, [400, 401, 403, 404, 409]),
});
registry.registerPath({
  method: 'post',
  path: '/api/cleanup/run',
  summary: 'Runs the purge of due cleanup entries now instead of at CLEANUP_CRON (admin)',
  tags: ['cleanup'],
  security: [{ adminBearer: [] }],
  responses: responses(z.object({ jobId: z.string() }), [401, 403], 202),
});

/** Tenant deletion and restore, and the cleanup queue (docs/control-plane.md, "Deletion and restore"). */
export function deletionRoutes(ctx: AppContext): Router {
  const router = Router();
  router.delete('/api/tenant/:code', requireAdmin(ctx, 'admin'), async (req, res) => {
    const { code } = validate(tenantCodeParams, req.params);
    ok(res, await deleteTenant(ctx, auditActor(req), code));
  });
  router.post('/api/tenants/:code/restore', requireAdmin(ctx, 'admin'), async (req, res) => {
    const { code } = validate(tenantCodeParams, req.params);
    ok(res, await restoreTenant(ctx, auditActor(req), code));
  });
  router.get('/api/cleanup', requireAdmin(ctx, 'operator'), async (req, res) => {
    const q = validate(cleanupQuery, req.query);
    ok(res, await listCleanupEntries(ctx, { ...q, statuses: q.status }));
  });
  router.post('/api/cleanup/run', requireAdmin(ctx, 'admin'), async (req, res) => {
    ok(res, await triggerPurgeRun(ctx, auditActor(req)), 202);
  });
  router.delete('/api/cleanup/:id', requireAdmin(ctx, 'admin'), async (req, res) => {
    const { id } = validate(idParam, req.params);
    ok(res, await cancelCleanup(ctx, auditActor(req), id));
  });
  return router;
}
