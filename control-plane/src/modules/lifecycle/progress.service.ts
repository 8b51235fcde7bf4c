import { errors, ErrorCode, type AdminRole, type RowDataPacket } from '@kg/shared';
import type { AppContext } from '../../context';
import { takeAdminCredentials, type AdminCredentials } from './admin-credentials';

export interface StepProgress {
  name: string;
  order: number;
  status: string;
  attempts: number;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  error: string | null;
}

export interface TenantProgress {
  tenantCode: string;
  /** The tenant's status: provisioning, active, failed... */
  status: string;
  /** Order of the step running or next to run; totalSteps when all completed. */
  currentStep: number;
  totalSteps: number;
  steps: StepProgress[];
  error: string | null;
  /** Present once: the one-time password of an admin user the pipeline created. */
  adminCredentials?: AdminCredentials;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** True once the pipeline can no longer change anything (the live view ends). */
export function isFinal(p: TenantProgress): boolean {
  return p.status !== 'provisioning';
}

/** The operator reading progress; the one-time password goes to the tenant's creator or a super admin only. */
export interface ProgressViewer {
  adminId: number;
  role: AdminRole;
}

/**
 * Step-by-step progress of a tenant's create pipeline (404 for an unknown tenant). With a
 * `viewer` who created the tenant (or is a super admin), the admin's one-time password is
 * included the first time it is available (docs/security.md, Secrets and logs).
 */
export async function getProgress(ctx: AppContext, code: string, opts: { viewer?: ProgressViewer } = {}): Promise<TenantProgress> {
  const [tenants] = await ctx.db.query<RowDataPacket[]>(
    `SELECT t.status, t.provisioning_error, t.created_by, p.total_steps, p.error_message
       FROM tenants t LEFT JOIN tenant_init_progress p ON p.tenant_id = t.tenant_id
      WHERE t.tenant_id = ?`,
    [code],
  );
  const t = tenants[0];
  if (!t) throw errors.notFound(`Tenant ${code} does not exist`, ErrorCode.TenantNotFound);
  const [rows] = await ctx.db.query<RowDataPacket[]>(
    `SELECT step_name, step_order, status, attempts, started_at, completed_at, duration_ms, error_message
       FROM tenant_init_steps WHERE tenant_id = ? ORDER BY step_order`,
    [code],
  );
  const steps: StepProgress[] = rows.map((r) => ({
    name: r.step_name,
    order: Number(r.step_order),
    status: r.status,
    attempts: Number(r.attempts),
    startedAt: iso(r.started_at),
    completedAt: iso(r.completed_at),
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    error: r.error_message,
  }));
  const totalSteps = t.total_steps === null ? steps.length : Number(t.total_steps);
  const next = steps.find((s) => s.status !== 'completed' && s.status !== 'skipped');
  const progress: TenantProgress = {
    tenantCode: code,
    status: t.status,
    currentStep: next ? next.order : totalSteps,
    totalSteps,
    steps,
    error: t.provisioning_error ?? (t.status === 'failed' ? t.error_message : null) ?? null,
  };
  const viewer = opts.viewer;
  const mayReveal = viewer && (viewer.role === 'super_admin' || (t.created_by !== null && Number(t.created_by) === viewer.adminId));
  if (mayReveal) {
    const credentials = await takeAdminCredentials(ctx, code);
    if (credentials) progress.adminCredentials = credentials;
  }
  return progress;
}
