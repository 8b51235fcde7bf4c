import {
  ensureTenantUser,
  errors,
  publishTenantAccessChange,
  withdrawTenantUser,
  withTransaction,
  type OperationLogEntry,
  type Page,
} from '@kg/shared';
import type { AppContext } from '../../context';
import { generatePassword } from '../../internal/password';
import { passwordHasher } from '../../internal/password-hasher';
import {
  applyOperatorAccountChange,
  findGlobalUserById,
  findGlobalUserByPhone,
  insertOneTimePasswordUser,
  type GlobalUser,
} from '../auth/global-user.repository';
import {
  countActiveBindings,
  deleteBinding,
  findBinding,
  listBoundUsers,
  lockBinding,
  setBindingRole,
  setBindingStatus,
  upsertBinding,
  type TenantBinding,
} from '../auth/tenant-binding.repository';
import { ONE_TIME_PASSWORD_BCRYPT_COST } from '../lifecycle/admin-credentials';
import { refuseEarlierTokens } from '../sessions/session-revocation.service';
import { lockTenant } from '../tenants/tenant.repository';
import type { StaffCaller } from './staff-caller';
import { findMembers, findRoleByCode, type TenantMember } from './tenant-staff.repository';

/**
 * Staff management inside a tenant (docs/staff-app.md, "Staff management"). This module is the one
 * owner of both sides of a membership: the control database's binding and the tenant database's
 * `users` / `user_roles`. The two cannot be written in one transaction, so each change writes
 * first the side that makes the intermediate state safe, and every call re-applies the whole
 * desired state, so a retry after a crash half-way completes it:
 * - add, enable: the binding first (the member cannot get in before the tenant user is active);
 * - disable, remove: the binding first (access ends at once, on every instance);
 * - role change: the tenant's role first (permissions come from there), the binding's copy after.
 */

/** A staff member: a global user bound to the tenant. `id` is the global user id. */
export interface StaffMember {
  id: number;
  tenantUserId: number | null;
  phone: string;
  realName: string;
  role: string;
  status: 'active' | 'disabled';
  lastLoginAt: string | null;
  joinedAt: string;
  /** False when the tenant's side does not match the binding (a change interrupted half-way; repeat it). */
  inSync: boolean;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function inSync(binding: TenantBinding, member: TenantMember | undefined): boolean {
  if (!member) return false;
  const activeThere = member.status === 'active';
  return (binding.status === 'active') === activeThere && member.roles.length === 1 && member.roles[0] === binding.role;
}

function view(binding: TenantBinding, user: { phone: string; realName: string }, member: TenantMember | undefined): StaffMember {
  return {
    id: binding.globalUserId,
    tenantUserId: member?.tenantUserId ?? null,
    phone: user.phone,
    realName: user.realName,
    role: binding.role,
    status: binding.status,
    lastLoginAt: iso(binding.lastLoginAt),
    joinedAt: binding.createdAt.toISOString(),
    inSync: inSync(binding, member),
  };
}

function notFound(id: number) {
  return errors.notFound(`Staff member ${id} does not exist in this kindergarten`);
}

function log(caller: StaffCaller, action: string, targetId: number, before: unknown, after: unknown): (tenantUserId: number) => OperationLogEntry {
  return () => ({
    userId: caller.tenantUserId,
    module: 'staff',
    action,
    resourceType: 'staff',
    resourceId: targetId,
    before,
    after,
    ip: caller.ip,
    userAgent: caller.userAgent,
    requestId: caller.requestId,
  });
}

async function announce(ctx: AppContext, tenantCode: string, globalUserId: number): Promise<void> {
  await publishTenantAccessChange(ctx.redis, ctx.config.REDIS_KEY_PREFIX, tenantCode, globalUserId).catch((err: Error) =>
    ctx.logger.warn({ err: err.message, tenant: tenantCode }, 'tenant access change not announced'),
  );
}

/** The tenant's staff, most recently added first. */
export async function listStaff(ctx: AppContext, caller: StaffCaller, paging: { page: number; pageSize: number }): Promise<Page<StaffMember>> {
  const page = await listBoundUsers(ctx.db, caller.tenant.tenantCode, paging);
  const members = await findMembers(caller.conn, page.items.map((i) => i.binding.globalUserId));
  return { ...page, items: page.items.map((i) => view(i.binding, i, members.get(i.binding.globalUserId))) };
}

async function current(ctx: AppContext, caller: StaffCaller, id: number): Promise<{ binding: TenantBinding; user: GlobalUser; member: TenantMember | undefined }> {
  const binding = await findBinding(ctx.db, id, caller.tenant.tenantCode);
  if (!binding) throw notFound(id);
  const [user, members] = await Promise.all([findGlobalUserById(ctx.db, id), findMembers(caller.conn, [id])]);
  if (!user) throw notFound(id);
  return { binding, user, member: members.get(id) };
}

/** One staff member; 404 for a user who is not bound to this tenant. */
export async function getStaff(ctx: AppContext, caller: StaffCaller, id: number): Promise<StaffMember> {
  const { binding, user, member } = await current(ctx, caller, id);
  return view(binding, user, member);
}

export interface AddStaffInput {
  phone: string;
  realName?: string;
  role: string;
}

/** The member, and the one-time password when an account was created (shown once, never stored in clear). */
export interface AddStaffResult {
  member: StaffMember;
  oneTimePassword?: string;
}

async function requireRole(caller: StaffCaller, role: string): Promise<void> {
  if (!(await findRoleByCode(caller.conn, role))) throw errors.validation([{ field: 'role', message: `no role ${role} in this kindergarten` }]);
}

/**
 * Adds a staff member by phone and role. A phone without an account gets one, with a one-time
 * password returned once. The plan's user limit (`tenants.max_users`) counts active members,
 * checked under the tenant row's lock so concurrent adds cannot pass it together. Repeating an
 * add that was interrupted completes it; an account this tenant created whose one-time password
 * was never used gets a new one (the first answer may never have arrived). Adding someone who is
 * already an active member answers 409.
 */
export async function addStaff(ctx: AppContext, caller: StaffCaller, input: AddStaffInput): Promise<AddStaffResult> {
  const tenantCode = caller.tenant.tenantCode;
  await requireRole(caller, input.role);
  const existing = await findGlobalUserByPhone(ctx.db, input.phone);
  if (existing && (existing.status === 'deleted' || existing.status === 'suspended')) {
    throw errors.conflict('This account is disabled by the platform operator', 'ACCOUNT_DISABLED');
  }
  if (!existing && !input.realName) throw errors.validation([{ field: 'realName', message: 'required for a phone without an account' }]);
  if (existing) {
    const binding = await findBinding(ctx.db, existing.id, tenantCode);
    if (binding && binding.status === 'active') {
      const members = await findMembers(caller.conn, [existing.id]);
      if (inSync(binding, members.get(existing.id))) {
        throw errors.conflict('This phone is already a staff member here', 'STAFF_EXISTS', { id: existing.id });
      }
    }
  }
  const source = `staff:${tenantCode}`;
  const reissue = !!existing && existing.mustChangePassword && existing.lastLoginAt === null && existing.registrationSource === source;
  const oneTimePassword = !existing || reissue ? generatePassword(20) : undefined;
  const passwordHash = oneTimePassword
    ? await passwordHasher.hash(oneTimePassword, Math.min(ctx.config.BCRYPT_COST, ONE_TIME_PASSWORD_BCRYPT_COST))
    : undefined;

  // 1. The control database: account, limit, binding (active; no tenant user yet, so no access).
  const { globalUserId, before } = await withTransaction(ctx.db, async (conn) => {
    const tenant = await lockTenant(conn, tenantCode);
    if (!tenant) throw errors.notFound(`Tenant ${tenantCode} does not exist`);
    let id: number;
    if (existing) {
      id = existing.id;
      if (reissue) await applyOperatorAccountChange(conn, id, { kind: 'reset-password', passwordHash: passwordHash! });
    } else {
      id = await insertOneTimePasswordUser(conn, { phone: input.phone, realName: input.realName!, passwordHash: passwordHash!, registrationSource: source });
    }
    const prior = await lockBinding(conn, id, tenantCode);
    if (!prior || prior.status !== 'active') {
      const active = await countActiveBindings(conn, tenantCode);
      if (active >= tenant.maxUsers) {
        throw errors.conflict(`The plan allows ${tenant.maxUsers} users and all are taken`, 'USER_LIMIT_REACHED', { maxUsers: tenant.maxUsers });
      }
    }
    await upsertBinding(conn, { globalUserId: id, tenantCode, role: input.role, tenantUserId: null });
    return { globalUserId: id, before: prior && { role: prior.role, status: prior.status } };
  });
  const user = (await findGlobalUserById(ctx.db, globalUserId))!;

  // 2. The tenant database: the user, its one role, and the log row, in one transaction.
  const tenantUserId = await ensureTenantUser(caller.conn, {
    globalUserId,
    phone: user.phone,
    realName: user.realName,
    email: user.email,
    role: input.role,
    log: log(caller, 'staff.add', globalUserId, before, { phone: user.phone, role: input.role, status: 'active', accountCreated: !existing }),
  });
  // 3. The binding learns the tenant user id; the announcement lets every tenant app in now.
  await setBindingRole(ctx.db, { globalUserId, tenantCode, role: input.role, tenantUserId: String(tenantUserId) });
  await announce(ctx, tenantCode, globalUserId);
  return { member: await getStaff(ctx, caller, globalUserId), ...(oneTimePassword ? { oneTimePassword } : {}) };
}

export interface UpdateStaffInput {
  role?: string;
  status?: 'active' | 'disabled';
  realName?: string;
}

/**
 * Changes a member's role and/or status (and the name the tenant shows). Refuses changes to
 * oneself (a tenant admin could otherwise lock the kindergarten out of its own staff management).
 * Disabling refuses the member's earlier tokens on every instance within a second
 * (docs/security.md, "Sessions and revocation"); enabling counts against the plan's limit.
 */
export async function updateStaff(ctx: AppContext, caller: StaffCaller, id: number, input: UpdateStaffInput): Promise<StaffMember> {
  const tenantCode = caller.tenant.tenantCode;
  if (id === caller.globalUserId && (input.role !== undefined || input.status !== undefined)) {
    throw errors.conflict('You cannot change your own role or status', 'STAFF_SELF');
  }
  if (input.role !== undefined) await requireRole(caller, input.role);
  const { binding, user } = await current(ctx, caller, id);
  const role = input.role ?? binding.role;
  const status = input.status ?? binding.status;
  const realName = input.realName ?? user.realName;
  const entry = log(caller, 'staff.update', id, { role: binding.role, status: binding.status }, { role, status, ...(input.realName ? { realName } : {}) });

  if (status === 'disabled') {
    // Withdraw first: the binding, then every earlier token, then the tenant side.
    if (binding.status !== 'disabled') {
      await withTransaction(ctx.db, (conn) => setBindingStatus(conn, id, tenantCode, 'disabled'));
      await refuseEarlierTokens(ctx, { type: 'user', id }, 'account_disabled');
      await announce(ctx, tenantCode, id);
    }
    const tenantUserId = await ensureTenantUser(caller.conn, { globalUserId: id, phone: user.phone, realName, role, status: 'inactive', log: entry });
    await setBindingRole(ctx.db, { globalUserId: id, tenantCode, role, tenantUserId: String(tenantUserId) });
  } else {
    if (binding.status !== 'active') {
      await withTransaction(ctx.db, async (conn) => {
        const tenant = (await lockTenant(conn, tenantCode))!;
        if ((await countActiveBindings(conn, tenantCode)) >= tenant.maxUsers) {
          throw errors.conflict(`The plan allows ${tenant.maxUsers} users and all are taken`, 'USER_LIMIT_REACHED', { maxUsers: tenant.maxUsers });
        }
        await setBindingStatus(conn, id, tenantCode, 'active');
      });
    }
    // Role: the tenant side first, where permissions are read; then the binding's copy.
    const tenantUserId = await ensureTenantUser(caller.conn, { globalUserId: id, phone: user.phone, realName, role, status: 'active', log: entry });
    await setBindingRole(ctx.db, { globalUserId: id, tenantCode, role, tenantUserId: String(tenantUserId) });
  }
  await announce(ctx, tenantCode, id);
  return getStaff(ctx, caller, id);
}

/**
 * Removes a member: the binding is deleted and their earlier tokens refused first, then the tenant
 * user is made inactive without roles (its row stays for the history that refers to it). A retry
 * after a crash half-way finds no binding but a tenant user still holding roles, and completes.
 */
export async function removeStaff(ctx: AppContext, caller: StaffCaller, id: number): Promise<{ id: number; removed: true }> {
  const tenantCode = caller.tenant.tenantCode;
  if (id === caller.globalUserId) throw errors.conflict('You cannot remove yourself', 'STAFF_SELF');
  const binding = await findBinding(ctx.db, id, caller.tenant.tenantCode);
  const member = (await findMembers(caller.conn, [id])).get(id);
  const leftover = member && (member.status === 'active' || member.roles.length > 0);
  if (!binding && !leftover) throw notFound(id);
  if (binding) {
    await withTransaction(ctx.db, (conn) => deleteBinding(conn, id, tenantCode));
    await refuseEarlierTokens(ctx, { type: 'user', id }, 'unbound');
    await announce(ctx, tenantCode, id);
  }
  await withdrawTenantUser(
    caller.conn,
    id,
    log(caller, 'staff.remove', id, binding ? { role: binding.role, status: binding.status } : { role: member?.roles[0] ?? null }, null),
  );
  return { id, removed: true };
}
