import { errors, ErrorCode, publishTenantAccessChange, withTransaction } from '@kg/shared';
import type { AppContext } from '../../context';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import { deleteBinding, lockBinding } from '../auth/tenant-binding.repository';
import { refuseEarlierTokens } from '../sessions/session-revocation.service';
import { lockTenantEditable, updateTenantFields, type TenantEdit } from './tenant.repository';
import { getTenant } from './tenant.service';
import type { TenantDetail } from './tenant.views';

const FINAL = new Set(['deleted', 'purged']);

/**
 * Edits a tenant's registry fields (name, contact, email, address, description, plan, settings).
 * A deleted or purged tenant is refused (410). Audited with the changed fields before and after;
 * an edit that changes nothing writes no audit row.
 */
export async function updateTenant(ctx: AppContext, actor: AuditActor, tenantCode: string, edit: TenantEdit): Promise<TenantDetail> {
  await withTransaction(ctx.db, async (conn) => {
    const current = await lockTenantEditable(conn, tenantCode);
    if (!current) throw errors.notFound(`Tenant ${tenantCode} does not exist`, ErrorCode.TenantNotFound);
    if (FINAL.has(current.status)) throw errors.gone(`Tenant ${tenantCode} is ${current.status}`, ErrorCode.TenantDeleted);
    const before: TenantEdit = {};
    const after: TenantEdit = {};
    for (const [k, v] of Object.entries(edit) as Array<[keyof TenantEdit, unknown]>) {
      if (v === undefined || JSON.stringify(current[k] ?? null) === JSON.stringify(v)) continue;
      before[k] = current[k] ?? null;
      after[k] = v;
    }
    if (!Object.keys(after).length) return;
    await updateTenantFields(conn, tenantCode, after);
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'tenant.update',
      tenantCode,
      targetType: 'tenant',
      targetId: tenantCode,
      before,
      after,
    });
  });
  return getTenant(ctx, tenantCode);
}

/**
 * Unbinds a global user from a tenant: the binding goes, every access token of the user issued so
 * far is refused on every instance (docs/security.md, "Sessions and revocation"), and tenant apps
 * are told the tenant's access changed so they drop their cached binding at once. The tenant-local user row stays (its history belongs
 * to the kindergarten). Audited; 404 when there was no binding.
 */
export async function unbindUser(
  ctx: AppContext,
  actor: AuditActor,
  tenantCode: string,
  globalUserId: number,
): Promise<{ tenantCode: string; globalUserId: number; unbound: true }> {
  await withTransaction(ctx.db, async (conn) => {
    const before = await lockBinding(conn, globalUserId, tenantCode);
    if (!before) throw errors.notFound(`User ${globalUserId} is not bound to tenant ${tenantCode}`, ErrorCode.NotFound);
    await deleteBinding(conn, globalUserId, tenantCode);
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'tenant.user.unbind',
      tenantCode,
      targetType: 'global_user',
      targetId: globalUserId,
      before: { role: before.role, status: before.status, tenantUserId: before.tenantUserId },
      after: null,
    });
  });
  await refuseEarlierTokens(ctx, { type: 'user', id: globalUserId }, 'unbound');
  await publishTenantAccessChange(ctx.redis, ctx.config.REDIS_KEY_PREFIX, tenantCode, globalUserId).catch((err: Error) =>
    ctx.logger.warn({ err: err.message, tenant: tenantCode }, 'tenant access change not announced'),
  );
  return { tenantCode, globalUserId, unbound: true };
}
