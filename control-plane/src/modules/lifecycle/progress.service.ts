import { errors, ErrorCode, type AdminRole } from '@kg/shared';
import type { AppContext } from '../../context';
import { findTenant } from '../tenants/tenant.repository';
import { takeAdminCredentials, type AdminCredentials } from './admin-credentials';
import { findPipelineSummary, listPipelineSteps } from './lifecycle.repository';

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
export async function getProgress(ctx: AppContext, tenantCode: string, opts: { viewer?: ProgressViewer } = {}): Promise<TenantProgress> {
  const tenant = await findTenant(ctx.db, tenantCode);
  if (!tenant) throw errors.notFound(`Tenant ${tenantCode} does not exist`, ErrorCode.TenantNotFound);
  const summary = await findPipelineSummary(ctx.db, tenantCode);
  const steps: StepProgress[] = (await listPipelineSteps(ctx.db, tenantCode)).map((s) => ({
    ...s,
    startedAt: iso(s.startedAt),
    completedAt: iso(s.completedAt),
  }));
  const totalSteps = summary?.totalSteps ?? steps.length;
  const next = steps.find((s) => s.status !== 'completed' && s.status !== 'skipped');
  const progress: TenantProgress = {
    tenantCode,
    status: tenant.status,
    currentStep: next ? next.order : totalSteps,
    totalSteps,
    steps,
    error: tenant.provisioningError ?? (tenant.status === 'failed' ? summary?.error : null) ?? null,
  };
  const viewer = opts.viewer;
  const mayReveal = viewer && (viewer.role === 'super_admin' || (tenant.createdBy !== null && tenant.createdBy === viewer.adminId));
  if (mayReveal) {
    const credentials = await takeAdminCredentials(ctx, tenantCode);
    if (credentials) progress.adminCredentials = credentials;
  }
  return progress;
}
