import { QUEUES, ROLLOUT_JOBS, loadMigrations, migrate, mysqlTargetFromConfig, rolloutJobIds, rolloutJobOptions, type RolloutTenantJob } from '@kg/shared';
import { TEMPLATE_MIGRATIONS_DIR } from '@kg/templates-db';
import type { ProvisionerContext } from '../../context';
import { withQueue } from '../cleanup/queue';
import { tenantDatabaseTarget } from '../servers/server-target';
import { findTenant, listTenantsByStatus, setSchemaVersion } from '../tenants/tenant.repository';
import {
  addRolloutTenants,
  claimRolloutTenant,
  completeRollout,
  countRolloutTenants,
  failRollout,
  findRollout,
  finishRolloutTenant,
  markRolloutStarted,
  releaseMainBatch,
  setRolloutPlan,
  stopAfterCanaryFailure,
  type RolloutTenantOutcome,
} from './rollout.repository';

/** Tenants whose databases a rollout migrates (docs/provisioning.md, Schema rollout). */
const ROLLOUT_TENANT_STATUSES = ['active', 'suspended'];

/** The tenant migrations folder: TEMPLATE_MIGRATIONS_DIR, else templates-db/migrations. */
export function migrationsDir(ctx: ProvisionerContext): string {
  return ctx.config.TEMPLATE_MIGRATIONS_DIR ?? TEMPLATE_MIGRATIONS_DIR;
}

/** Enqueues one migration job per tenant of a rollout (a tenant already queued keeps its job). */
export async function enqueueTenants(ctx: ProvisionerContext, rolloutId: number, tenantCodes: string[]): Promise<void> {
  if (!tenantCodes.length) return;
  await withQueue(ctx, QUEUES.rollout, (queue) =>
    queue.addBulk(
      tenantCodes.map((tenantCode) => ({
        name: ROLLOUT_JOBS.tenant,
        data: { rolloutId, tenantCode } satisfies RolloutTenantJob,
        opts: rolloutJobOptions.tenant(rolloutId, tenantCode),
      })),
    ),
  );
}

/**
 * First step of a rollout: applies pending migrations to the template database (a failure there
 * fails the rollout before any tenant is touched), records every active and suspended tenant as
 * pending, then enqueues the canary batch, or every tenant when there is no canary. The number of
 * tenant jobs running at once across all workers is bounded by the rollout's concurrency.
 */
export async function startRollout(ctx: ProvisionerContext, rolloutId: number): Promise<{ status: string; tenants: number }> {
  const rollout = await findRollout(ctx.db, rolloutId);
  if (!rollout) throw new Error(`rollout ${rolloutId} does not exist`);
  // A start job taken over from a dead worker resumes here: every step below is idempotent.
  const resuming = rollout.status === 'running' && rollout.phase === 'template';
  if (rollout.status !== 'pending' && !resuming) return { status: rollout.status, tenants: rollout.totalTenants };
  await markRolloutStarted(ctx.db, rolloutId);

  const dir = migrationsDir(ctx);
  let targetVersion: number;
  try {
    const all = loadMigrations(dir);
    targetVersion = all.length ? all[all.length - 1]!.version : 0;
    const result = await migrate(mysqlTargetFromConfig(ctx.config), ctx.config.TEMPLATE_DB_NAME, dir);
    ctx.logger.info({ rolloutId, applied: result.applied }, 'rollout: template migrated');
  } catch (err) {
    await failRollout(ctx.db, rolloutId, `template migration failed: ${(err as Error).message}`);
    return { status: 'failed', tenants: 0 };
  }

  const tenantCodes = (await listTenantsByStatus(ctx.db, ROLLOUT_TENANT_STATUSES)).map((t) => t.tenantCode);
  const canary = Math.min(rollout.canarySize, tenantCodes.length);
  await addRolloutTenants(ctx.db, rolloutId, tenantCodes, canary);
  const phase = tenantCodes.length === 0 ? 'done' : canary > 0 ? 'canary' : 'all';
  await setRolloutPlan(ctx.db, rolloutId, { targetVersion, totalTenants: tenantCodes.length, phase });
  await withQueue(ctx, QUEUES.rollout, (queue) => queue.setGlobalConcurrency(rollout.concurrency));
  await enqueueTenants(ctx, rolloutId, canary > 0 ? tenantCodes.slice(0, canary) : tenantCodes);
  return { status: phase === 'done' ? 'completed' : 'running', tenants: tenantCodes.length };
}

export interface TenantRolloutResult {
  tenantCode: string;
  status: RolloutTenantOutcome;
  applied?: number[];
  error?: string;
}

/**
 * Applies pending migrations to one tenant database and records the outcome on its rollout row
 * and in tenants.schema_version. A failure is recorded and contained: the job itself succeeds,
 * so one broken tenant never stops or retries the others.
 */
export async function migrateTenant(ctx: ProvisionerContext, rolloutId: number, tenantCode: string): Promise<TenantRolloutResult> {
  if (!(await claimRolloutTenant(ctx.db, rolloutId, tenantCode))) return { tenantCode, status: 'skipped' };
  const started = Date.now();
  const finish = (outcome: RolloutTenantOutcome, fields: { from?: number | null; to?: number | null; applied?: number[]; error?: string }) =>
    finishRolloutTenant(ctx.db, rolloutId, tenantCode, outcome, { ...fields, durationMs: Date.now() - started });

  let result: TenantRolloutResult;
  const tenant = await findTenant(ctx.db, tenantCode);
  if (!tenant || !ROLLOUT_TENANT_STATUSES.includes(tenant.status)) {
    await finish('skipped', { error: `tenant is ${tenant?.status ?? 'missing'}` });
    result = { tenantCode, status: 'skipped' };
  } else {
    const dir = migrationsDir(ctx);
    const target = await tenantDatabaseTarget(ctx, tenant.dbServerId);
    try {
      const res = await migrate(target, tenant.databaseName, dir, { createDatabase: false });
      const versions = [...res.skipped, ...res.applied];
      const to = versions.length ? Math.max(...versions) : 0;
      const from = res.skipped.length ? Math.max(...res.skipped) : 0;
      await setSchemaVersion(ctx.db, tenantCode, to);
      await finish('completed', { from, to, applied: res.applied });
      result = { tenantCode, status: 'completed', applied: res.applied };
    } catch (err) {
      const message = (err as Error).message;
      await finish('failed', { error: message });
      ctx.logger.warn({ rolloutId, tenant: tenantCode, err: message }, 'rollout: tenant migration failed');
      result = { tenantCode, status: 'failed', error: message };
    }
  }
  await advance(ctx, rolloutId);
  return result;
}

/**
 * Moves a rollout on after a tenant finished: a canary batch that completed releases the rest;
 * one that had a failure stops the rollout (the rest are skipped, untouched); when no tenant is
 * left the rollout is completed. Conditional updates make concurrent callers agree on one move.
 */
export async function advance(ctx: ProvisionerContext, rolloutId: number): Promise<void> {
  const r = await findRollout(ctx.db, rolloutId);
  if (!r || r.status !== 'running') return;
  const counts = await countRolloutTenants(ctx.db, rolloutId);
  const n = (batch: string | null, statuses: string[]) =>
    counts.filter((c) => (batch === null || c.batch === batch) && statuses.includes(c.status)).reduce((a, c) => a + c.n, 0);

  if (r.phase === 'canary') {
    if (n('canary', ['pending', 'running']) > 0) return;
    if (n('canary', ['failed']) > 0) {
      if (await stopAfterCanaryFailure(ctx.db, rolloutId)) ctx.logger.warn({ rolloutId }, 'rollout stopped: canary failed');
      return;
    }
    const rest = await releaseMainBatch(ctx.db, rolloutId);
    if (rest === null) return;
    if (rest.length) {
      await enqueueTenants(ctx, rolloutId, rest);
      return;
    }
  }
  if (n(null, ['pending', 'running']) > 0) return;
  await completeRollout(ctx.db, rolloutId, n(null, ['failed']));
}
