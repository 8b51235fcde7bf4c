import { errors, publishTenantAccessChange, type Connection } from '@kg/shared';
import type { AppContext } from '../../context';
import type { StaffCaller } from './staff-caller';
import {
  appendOperationLog,
  deleteRole,
  findRole,
  insertRole,
  listPermissions,
  listRoles,
  permissionIds,
  setRolePermissions,
  updateRole,
  type TenantRoleRow,
} from './tenant-staff.repository';

/**
 * A tenant's roles (docs/staff-app.md, "Roles"): the four system roles shipped with the template
 * are read-only; custom roles carry the permissions a tenant admin chooses. A change of a role's
 * permissions is announced for the whole tenant, so every tenant app drops its cached
 * permissions at once.
 */

export interface RoleInput {
  code?: string;
  name?: string;
  description?: string | null;
  permissions?: string[];
}

async function inTransaction<T>(conn: Connection, fn: () => Promise<T>): Promise<T> {
  await conn.beginTransaction();
  try {
    const out = await fn();
    await conn.commit();
    return out;
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  }
}

async function resolvePermissions(caller: StaffCaller, codes: string[]): Promise<number[]> {
  const unique = [...new Set(codes)];
  const ids = await permissionIds(caller.conn, unique);
  const unknown = unique.filter((c) => !ids.has(c));
  if (unknown.length > 0) throw errors.validation([{ field: 'permissions', message: `unknown permissions: ${unknown.join(', ')}` }]);
  return unique.map((c) => ids.get(c)!);
}

function entry(caller: StaffCaller, action: string, roleId: number, before: unknown, after: unknown) {
  return { userId: caller.tenantUserId, module: 'roles', action, resourceType: 'role', resourceId: roleId, before, after, ip: caller.ip, userAgent: caller.userAgent, requestId: caller.requestId };
}

async function announce(ctx: AppContext, tenantCode: string): Promise<void> {
  await publishTenantAccessChange(ctx.redis, ctx.config.REDIS_KEY_PREFIX, tenantCode).catch((err: Error) =>
    ctx.logger.warn({ err: err.message, tenant: tenantCode }, 'tenant access change not announced'),
  );
}

const snapshot = (r: TenantRoleRow) => ({ code: r.code, name: r.name, description: r.description, permissions: r.permissions });

/** The tenant's roles, and the permissions a custom role may be given. */
export async function listTenantRoles(caller: StaffCaller) {
  const [items, permissions] = await Promise.all([listRoles(caller.conn), listPermissions(caller.conn)]);
  return { items, total: items.length, page: 1, pageSize: items.length, permissions };
}

/** Creates a custom role; its code must be new (409). */
export async function createRole(ctx: AppContext, caller: StaffCaller, input: Required<Pick<RoleInput, 'code' | 'name'>> & RoleInput): Promise<TenantRoleRow> {
  const ids = await resolvePermissions(caller, input.permissions ?? []);
  const id = await inTransaction(caller.conn, async () => {
    let roleId: number;
    try {
      roleId = await insertRole(caller.conn, { code: input.code, name: input.name, description: input.description ?? null });
    } catch (err) {
      if ((err as { code?: string }).code === 'ER_DUP_ENTRY') throw errors.conflict(`A role ${input.code} exists already`, 'ROLE_EXISTS');
      throw err;
    }
    await setRolePermissions(caller.conn, roleId, ids);
    await appendOperationLog(caller.conn, entry(caller, 'role.create', roleId, null, { code: input.code, name: input.name, permissions: input.permissions ?? [] }));
    return roleId;
  });
  return (await findRole(caller.conn, id))!;
}

async function customRole(caller: StaffCaller, id: number): Promise<TenantRoleRow> {
  const role = await findRole(caller.conn, id);
  if (!role) throw errors.notFound(`Role ${id} does not exist`);
  if (role.isSystem) throw errors.conflict('The built-in roles cannot be changed; create a custom role instead', 'ROLE_IS_SYSTEM');
  return role;
}

/** Changes a custom role's name, description and permissions (the code stays). */
export async function changeRole(ctx: AppContext, caller: StaffCaller, id: number, input: RoleInput): Promise<TenantRoleRow> {
  const role = await customRole(caller, id);
  const ids = input.permissions === undefined ? undefined : await resolvePermissions(caller, input.permissions);
  await inTransaction(caller.conn, async () => {
    await updateRole(caller.conn, id, { name: input.name, description: input.description });
    if (ids) await setRolePermissions(caller.conn, id, ids);
    const after = (await findRole(caller.conn, id))!;
    await appendOperationLog(caller.conn, entry(caller, 'role.update', id, snapshot(role), snapshot(after)));
  });
  await announce(ctx, caller.tenant.tenantCode);
  return (await findRole(caller.conn, id))!;
}

/** Deletes a custom role nobody holds (409 while someone does). */
export async function removeRole(ctx: AppContext, caller: StaffCaller, id: number): Promise<{ id: number; removed: true }> {
  const role = await customRole(caller, id);
  if (role.memberCount > 0) throw errors.conflict(`${role.memberCount} staff member(s) hold this role; give them another first`, 'ROLE_IN_USE');
  await inTransaction(caller.conn, async () => {
    await deleteRole(caller.conn, id);
    await appendOperationLog(caller.conn, entry(caller, 'role.delete', id, snapshot(role), null));
  });
  await announce(ctx, caller.tenant.tenantCode);
  return { id, removed: true };
}
