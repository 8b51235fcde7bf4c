import { errors, ErrorCode, publishTenantAccessChange, withTransaction } from '@kg/shared';
import type { AppContext } from '../../context';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import { deleteRelation, lockRelation, lockTenantEditable, updateTenantFields, type TenantDetail, type TenantEdit } from './tenant.repository';
import { getTenant } from './tenant.service';

const FINAL = new Set(['deleted', 'purged']);

/**
 * Edits a tenant's registry fields (name, contact, email, address, description, plan, settings).
 * A deleted or purged tenant is refused (410). Audited with the changed fields before and after;
 * an edit that changes nothing writes no audit row.
 */
export async function updateTenant(ctx: AppContext, actor: AuditActor, code: string, edit: TenantEdit): Promise<TenantDetail> {
  await withTransaction(ctx.db, async (conn) => {
    const current = await lockTenantEditable(conn, code);
    if (!current) throw errors.notFound(`Tenant ${code} does not exist`, ErrorCode.TenantNotFound);
    if (FINAL.has(current.status)) throw errors.gone(`Tenant ${code} is ${current.status}`, ErrorCode.TenantDeleted);
    const before: TenantEdit = {};
    const after: TenantEdit = {};
    for (const [k, v] of Object.entries(edit) as Array<[keyof TenantEdit, unknown]>) {
      if (v === undefined || JSON.stringify(current[k] ?? null) === JSON.stringify(v)) continue;
      before[k] = current[k] ?? null;
      after[k] = v;
    }
    if (!Object.keys(after).length) return;
    await updateTenantFields(conn, code, after);
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'tenant.update',
      tenantCode: code,
      targetType: 'tenant',
      targetId: code,
      before,
      after,
    });
  });
  return getTenant(ctx, code);
}

/**
 * Unbinds a global user from a tenant: the relation goes, tenant apps are told at once so the
 * user's tenant-scoped tokens stop being accepted there. The tenant-local user row stays (its
 * history belongs to the kindergarten). Audited; 404 when there was no binding.
 */
export async function unbindUser(ctx: AppContext, actor: AuditActor, code: string, globalUserId: number): Promise<{ tenantCode: string; globalUserId: number; unbound: true }> {
  await withTransaction(ctx.db, async (conn) => {
    const before = await lockRelation(conn, globalUserId, code);
    if (!before) throw errors.notFound(`User ${globalUserId} is not bound to tenant ${code}`, ErrorCode.NotFound);
    await deleteRelation(conn, globalUserId, code);
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'tenant.user.unbind',
      tenantCode: code,
      targetType: 'global_user',
      targetId: globalUserId,
      before: { role: before.role, status: before.status, tenantUserId: before.tenantUserId },
      after: null,
    });
  });
  await publishTenantAccessChange(ctx.redis, ctx.config.REDIS_KEY_PREFIX, code, globalUserId).catch((err: Error) =>
    ctx.logger.warn({ err: err.message, tenant: code }, 'tenant access change not announced'),
  );
  return { tenantCode: code, globalUserId, unbound: true };
}
