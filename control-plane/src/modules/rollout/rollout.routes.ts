import { Router } from 'express';
import { ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireAdmin } from '../../http/middleware/auth';
import { registry, responses, z } from '../../http/openapi';
import { auditActor } from '../audit/audit.http';
import { driftReport, listRollouts, rolloutProgress, startRollout } from './rollout.service';
import { tenantCodeSchema } from '../../http/tenant-code';

const TENANT_STATUSES = ['pending', 'running', 'completed', 'failed', 'skipped'] as const;

const startBody = z.object({
  canarySize: z.number().int().min(0).max(10_000).default(0).openapi({ description: 'Tenants migrated first; any failure among them stops the rollout' }),
  concurrency: z.number().int().min(1).max(64).optional().openapi({ description: 'Tenant databases migrated at once (default ROLLOUT_CONCURRENCY)' }),
});
const idParam = z.object({ id: z.coerce.number().int().positive() });
const progressQuery = z.object({
  status: z.enum(TENANT_STATUSES).optional().openapi({ description: 'Only tenants with this status' }),
});
const driftQuery = z.object({
  tenantCode: tenantCodeSchema.optional(),
  onlyDrifted: z.enum(['true', 'false']).optional().transform((v) => v === 'true'),
});

const columnRef = z.object({ table: z.string(), column: z.string() });
const rolloutTenant = z.object({
  tenantCode: z.string(),
  batch: z.enum(['canary', 'main']),
  position: z.number(),
  status: z.enum(TENANT_STATUSES),
  fromVersion: z.number().nullable(),
  toVersion: z.number().nullable(),
  applied: z.array(z.number()),
  error: z.string().nullable(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
});
const rolloutSchema = z
  .object({
    id: z.number(),
    status: z.enum(['pending', 'running', 'completed', 'completed_with_failures', 'stopped', 'failed']),
    phase: z.enum(['template', 'canary', 'all', 'done']),
    targetVersion: z.number().nullable(),
    canarySize: z.number(),
    concurrency: z.number(),
    totalTenants: z.number(),
    requestedBy: z.string().nullable(),
    error: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    progress: z.object({
      pending: z.number(),
      running: z.number(),
      completed: z.number(),
      failed: z.number(),
      skipped: z.number(),
      percent: z.number(),
    }),
    tenants: z.array(rolloutTenant),
  })
  .openapi('SchemaRollout');
const driftSchema = z
  .object({
    templateDatabase: z.string(),
    templateVersion: z.number(),
    checkedAt: z.string(),
    driftedCount: z.number(),
    tenants: z.array(
      z.object({
        tenantCode: z.string(),
        databaseName: z.string(),
        status: z.string(),
        recordedVersion: z.number().nullable(),
        appliedVersion: z.number().nullable(),
        versionLag: z.number().nullable(),
        inSync: z.boolean(),
        missingTables: z.array(z.string()),
        extraTables: z.array(z.string()),
        missingColumns: z.array(columnRef),
        extraColumns: z.array(columnRef),
        changedColumns: z.array(columnRef.extend({ expected: z.string(), actual: z.string() })),
        error: z.string().optional(),
      }),
    ),
  })
  .openapi('SchemaDrift');

registry.registerPath({
  method: 'post',
  path: '/api/schema/rollouts',
  summary: 'Rolls pending template migrations out: template first, then every tenant as queued jobs (admin)',
  tags: ['schema'],
  security: [{ adminBearer: [] }],
  request: { body: { content: { 'application/json': { schema: startBody } } } },
  responses: responses(z.object({ rolloutId: z.number(), jobId: z.string() }), [400, 401, 403, 409], 202),
});
registry.registerPath({
  method: 'get',
  path: '/api/schema/rollouts',
  summary: 'Recent schema rollouts (operator)',
  tags: ['schema'],
  security: [{ adminBearer: [] }],
  responses: responses(z.array(rolloutSchema.omit({ progress: true, tenants: true, error: true, startedAt: true }))),
});
registry.registerPath({
  method: 'get',
  path: '/api/schema/rollouts/{id}',
  summary: 'Progress of a rollout with the status of each tenant (operator)',
  tags: ['schema'],
  security: [{ adminBearer: [] }],
  request: { params: idParam, query: progressQuery },
  responses: responses(rolloutSchema, [400, 401, 403, 404]),
});
registry.registerPath({
  method: 'get',
  path: '/api/schema/drift',
  summary: 'Per tenant: tables and columns that differ from the template, and migration lag (operator)',
  tags: ['schema'],
  security: [{ adminBearer: [] }],
  request: { query: driftQuery },
  responses: responses(driftSchema),
});

/** Schema rollout and drift (docs/control-plane.md, "Lifecycle API"). */
export function rolloutRoutes(ctx: AppContext): Router {
  const router = Router();
  router.post('/api/schema/rollouts', requireAdmin(ctx, 'admin'), async (req, res) => {
    const body = validate(startBody, req.body);
    ok(res, await startRollout(ctx, auditActor(req), body), 202);
  });
  router.get('/api/schema/rollouts', requireAdmin(ctx, 'operator'), async (_req, res) => {
    ok(res, await listRollouts(ctx, 50));
  });
  router.get('/api/schema/rollouts/:id', requireAdmin(ctx, 'operator'), async (req, res) => {
    const { id } = validate(idParam, req.params);
    const q = validate(progressQuery, req.query);
    ok(res, await rolloutProgress(ctx, id, q.status ? [q.status] : undefined));
  });
  router.get('/api/schema/drift', requireAdmin(ctx, 'operator'), async (req, res) => {
    const q = validate(driftQuery, req.query);
    ok(res, await driftReport(ctx, q));
  });
  return router;
}
