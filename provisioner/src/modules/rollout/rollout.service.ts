import {
  QUEUES,
  ROLLOUT_JOBS,
  failRollout,
  loadMigrations,
  migrate,
  mysqlTargetFromConfig,
  rolloutJobOptions,
  serverTarget,
  type MysqlTarget,
  type ResultSetHeader,
  type RolloutTenantJob,
  type RowDataPacket,
} from '@kg/shared';
import { TEMPLATE_MIGRATIONS_DIR } from '@kg/templates-db';
import type { ProvisionerContext } from '../../context';
import { withQueue } from '../cleanup/queue';

/** Tenants whose databases a rollout migrates (SPEC §5: active and suspended). */
const ROLLOUT_TENANT_STATUSES = ['active', 'suspended'];

/** The tenant migrations folder: TEMPLATE_MIGRATIONS_DIR, else templates-db/migrations. */
export function migrationsDir(ctx: ProvisionerContext): string {
  return ctx.config.TEMPLATE_MIGRATIONS_DIR ?? TEMPLATE_MIGRATIONS_DIR;
}

/** Enqueues one migration job per tenant of a rollout (a tenant already queued keeps its job). */
export async function enqueueTenants(ctx: ProvisionerContext, rolloutId: number, codes: string[]): Promise<void> {
  if (!codes.length) return;
  await withQueue(ctx, QUEUES.rollout, (queue) =>
    queue.addBulk(
      codes.map((tenantCode) => ({
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
  const [[rollout]] = await ctx.db.query<RowDataPacket[]>('SELECT * FROM schema_rollouts WHERE id = ?', [rolloutId]);
  if (!rollout) throw new Error(`rollout ${rolloutId} does not exist`);
  // A start job taken over from a dead worker resumes here: every step below is idempotent.
  const resuming = rollout.status === 'running' && rollout.phase === 'template';
  if (rollout.status !== 'pending' && !resuming) return { status: String(rollout.status), tenants: Number(rollout.total_tenants) };
  await ctx.db.query(
    "UPDATE schema_rollouts SET status = 'running', phase = 'template', started_at = COALESCE(started_at, NOW(3)) WHERE id = ?",
    [rolloutId],
  );

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

  const [tenants] = await ctx.db.query<RowDataPacket[]>(
    'SELECT tenant_id FROM tenants WHERE status IN (?) ORDER BY id',
    [ROLLOUT_TENANT_STATUSES],
  );
  const canary = Math.min(Number(rollout.canary_size), tenants.length);
  const codes = tenants.map((t) => String(t.tenant_id));
  for (let i = 0; i < codes.length; i += 500) {
    const chunk = codes.slice(i, i + 500);
    await ctx.db.query(
      'INSERT IGNORE INTO schema_rollout_tenants (rollout_id, tenant_code, batch, position) VALUES ?',
      [chunk.map((code, j) => [rolloutId, code, i + j < canary ? 'canary' : 'main', i + j + 1])],
    );
  }
  const phase = codes.length === 0 ? 'done' : canary > 0 ? 'canary' : 'all';
  await ctx.db.query(
    `UPDATE schema_rollouts SET target_version = ?, total_tenants = ?, phase = ?,
            status = IF(? = 'done', 'completed', status), completed_at = IF(? = 'done', NOW(3), completed_at)
      WHERE id = ?`,
    [targetVersion, codes.length, phase, phase, phase, rolloutId],
  );
  await withQueue(ctx, QUEUES.rollout, (queue) => queue.setGlobalConcurrency(Number(rollout.concurrency)));
  await enqueueTenants(ctx, rolloutId, canary > 0 ? codes.slice(0, canary) : codes);
  return { status: phase === 'done' ? 'completed' : 'running', tenants: codes.length };
}

async function tenantTarget(ctx: ProvisionerContext, code: string): Promise<{ target: MysqlTarget; database: string; status: string } | null> {
  const [rows] = await ctx.db.query<RowDataPacket[]>(
    `SELECT t.status, t.database_name, s.id AS s_id, s.host, s.port, s.username, s.secret_ref
       FROM tenants t LEFT JOIN database_servers s ON s.id = t.db_server_id WHERE t.tenant_id = ?`,
    [code],
  );
  const r = rows[0];
  if (!r) return null;
  const target =
    r.s_id === null
      ? mysqlTargetFromConfig(ctx.config)
      : serverTarget({ id: Number(r.s_id), host: r.host, port: Number(r.port), username: r.username, secret_ref: r.secret_ref });
  return { target, database: String(r.database_name), status: String(r.status) };
}

export interface TenantRolloutResult {
  tenantCode: string;
  status: 'completed' | 'failed' | 'skipped';
  applied?: number[];
  error?: string;
}

/**
 * Applies pending migrations to one tenant database and records the outcome on its rollout row
 * and in tenants.schema_version. A failure is recorded and contained: the job itself succeeds,
 * so one broken tenant never stops or retries the others.
 */
export async function migrateTenant(ctx: ProvisionerContext, rolloutId: number, tenantCode: string): Promise<TenantRolloutResult> {
  const [claim] = await ctx.db.query<ResultSetHeader>(
    `UPDATE schema_rollout_tenants SET status = 'running', started_at = NOW(3), error_message = NULL
      WHERE rollout_id = ? AND tenant_code = ? AND status IN ('pending','running')`,
    [rolloutId, tenantCode],
  );
  if (claim.affectedRows === 0) return { tenantCode, status: 'skipped' };
  const started = Date.now();
  const finish = async (status: 'completed' | 'failed' | 'skipped', fields: { from?: number | null; to?: number | null; applied?: number[]; error?: string }) => {
    await ctx.db.query(
      `UPDATE schema_rollout_tenants SET status = ?, from_version = ?, to_version = ?, applied = ?, error_message = ?,
              completed_at = NOW(3), duration_ms = ?
        WHERE rollout_id = ? AND tenant_code = ?`,
      [
        status,
        fields.from ?? null,
        fields.to ?? null,
        fields.applied ? JSON.stringify(fields.applied) : null,
        fields.error?.slice(0, 10_000) ?? null,
        Date.now() - started,
        rolloutId,
        tenantCode,
      ],
    );
  };

  let result: TenantRolloutResult;
  const placement = await tenantTarget(ctx, tenantCode);
  if (!placement || !ROLLOUT_TENANT_STATUSES.includes(placement.status)) {
    await finish('skipped', { error: `tenant is ${placement?.status ?? 'missing'}` });
    result = { tenantCode, status: 'skipped' };
  } else {
    const dir = migrationsDir(ctx);
    try {
      const res = await migrate(placement.target, placement.database, dir, { createDatabase: false });
      const versions = [...res.skipped, ...res.applied];
      const to = versions.length ? Math.max(...versions) : 0;
      const from = res.skipped.length ? Math.max(...res.skipped) : 0;
      await ctx.db.query('UPDATE tenants SET schema_version = ? WHERE tenant_id = ?', [to, tenantCode]);
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
  const [[r]] = await ctx.db.query<RowDataPacket[]>('SELECT phase, status FROM schema_rollouts WHERE id = ?', [rolloutId]);
  if (!r || r.status !== 'running') return;
  const [counts] = await ctx.db.query<RowDataPacket[]>(
    `SELECT batch, status, COUNT(*) AS n FROM schema_rollout_tenants WHERE rollout_id = ? GROUP BY batch, status`,
    [rolloutId],
  );
  const n = (batch: string | null, statuses: string[]) =>
    counts.filter((c) => (batch === null || c.batch === batch) && statuses.includes(c.status)).reduce((a, c) => a + Number(c.n), 0);

  if (r.phase === 'canary') {
    if (n('canary', ['pending', 'running']) > 0) return;
    if (n('canary', ['failed']) > 0) {
      const [res] = await ctx.db.query<ResultSetHeader>(
        `UPDATE schema_rollouts SET status = 'stopped', phase = 'done', completed_at = NOW(3),
                error_message = 'canary batch had failures; the remaining tenants were not migrated'
          WHERE id = ? AND phase = 'canary'`,
        [rolloutId],
      );
      if (res.affectedRows) {
        await ctx.db.query(
          "UPDATE schema_rollout_tenants SET status = 'skipped', error_message = 'rollout stopped after canary failure' WHERE rollout_id = ? AND status = 'pending'",
          [rolloutId],
        );
        ctx.logger.warn({ rolloutId }, 'rollout stopped: canary failed');
      }
      return;
    }
    const [res] = await ctx.db.query<ResultSetHeader>("UPDATE schema_rollouts SET phase = 'all' WHERE id = ? AND phase = 'canary'", [rolloutId]);
    if (!res.affectedRows) return;
    const [rest] = await ctx.db.query<RowDataPacket[]>(
      "SELECT tenant_code FROM schema_rollout_tenants WHERE rollout_id = ? AND batch = 'main' AND status = 'pending' ORDER BY position",
      [rolloutId],
    );
    if (rest.length) {
      await enqueueTenants(ctx, rolloutId, rest.map((t) => String(t.tenant_code)));
      return;
    }
  }
  if (n(null, ['pending', 'running']) > 0) return;
  const failed = n(null, ['failed']);
  await ctx.db.query(
    `UPDATE schema_rollouts SET status = ?, phase = 'done', completed_at = NOW(3),
            error_message = IF(? > 0, CONCAT(?, ' tenant(s) failed; see per-tenant errors'), NULL)
      WHERE id = ? AND phase = 'all' AND status = 'running'`,
    [failed ? 'completed_with_failures' : 'completed', failed, failed, rolloutId],
  );
}
