import { errors, withTransaction } from '@kg/shared';
import type { AppContext } from '../../context';
import { findAiModel } from '../ai-models/ai-model.repository';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import { findTenant } from '../tenants/tenant.repository';
import { announceAiConfigChange } from './bridge-directory';
import { findTenantModelSetting, listTenantModelSettings, upsertTenantModelSetting, type TenantModelSetting } from './tenant-model.repository';

async function tenantOr404(ctx: AppContext, tenantCode: string) {
  const tenant = await findTenant(ctx.db, tenantCode);
  if (!tenant) throw errors.notFound(`Tenant ${tenantCode} does not exist`, 'TENANT_NOT_FOUND');
  return tenant;
}

/** A tenant's model settings (operator view). */
export async function tenantModelSettings(ctx: AppContext, tenantCode: string): Promise<TenantModelSetting[]> {
  return listTenantModelSettings(ctx.db, (await tenantOr404(ctx, tenantCode)).id);
}

/** Sets a tenant's setting for one model (enabled, priority, parameters, daily cap), audited. */
export async function setTenantModelSetting(
  ctx: AppContext,
  actor: AuditActor,
  tenantCode: string,
  modelId: number,
  input: Omit<TenantModelSetting, 'modelId' | 'updatedAt'>,
): Promise<TenantModelSetting> {
  const tenant = await tenantOr404(ctx, tenantCode);
  if (!(await findAiModel(ctx.db, modelId))) throw errors.notFound(`AI model ${modelId} does not exist`);
  const saved = await withTransaction(ctx.db, async (conn) => {
    const before = await findTenantModelSetting(conn, tenant.id, modelId);
    await upsertTenantModelSetting(conn, tenant.id, { modelId, ...input });
    const after = (await findTenantModelSetting(conn, tenant.id, modelId))!;
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'tenant_ai_model.set',
      targetType: 'tenant',
      targetId: tenantCode,
      tenantCode,
      before,
      after,
    });
    return after;
  });
  await announceAiConfigChange(ctx, { tenantId: tenant.id });
  return saved;
}
