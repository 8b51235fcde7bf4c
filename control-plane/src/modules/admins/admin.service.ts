import { errors, withTransaction, type AdminRole } from '@kg/shared';
import type { AppContext } from '../../context';
import { hashPassword, passwordProblems } from '../../internal/password';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import { revokeSubjectRefreshTokens } from '../auth/refresh-token.repository';
import { refuseEarlierTokens, type RevocationReason } from '../sessions/session-revocation.service';
import {
  findAdminUser,
  insertAdminUser,
  listAdminUsers,
  lockForAdminChange,
  updateAdminUser,
  type AdminStatus,
  type AdminUserView,
} from './admin.repository';

function isDuplicate(err: unknown): boolean {
  return (err as { code?: string }).code === 'ER_DUP_ENTRY';
}

/** What the audit log keeps of an admin: everything the API shows, never the hash. */
const auditView = (a: AdminUserView) => ({ username: a.username, email: a.email, role: a.role, status: a.status });

/** Every admin user, as the API shows them (never the password hash). */
export function listAdmins(ctx: AppContext): Promise<AdminUserView[]> {
  return listAdminUsers(ctx.db);
}

export interface CreateAdminInput {
  username: string;
  password: string;
  role: AdminRole;
  email?: string;
}

/** Creates an admin user (password policy as field errors, 409 for a taken username or email). */
export async function createAdminUser(ctx: AppContext, actor: AuditActor, input: CreateAdminInput): Promise<AdminUserView> {
  const problems = passwordProblems(input.password);
  if (problems.length) throw errors.validation(problems);
  const passwordHash = await hashPassword(input.password, ctx.config.BCRYPT_COST);
  try {
    return await withTransaction(ctx.db, async (conn) => {
      const id = await insertAdminUser(conn, {
        username: input.username,
        email: input.email ?? null,
        passwordHash,
        role: input.role,
      });
      const created = (await findAdminUser(conn, id))!;
      await appendAudit(conn, ctx.secrets.auditKey, {
        ...actor,
        action: 'admin_user.create',
        targetType: 'admin_user',
        targetId: id,
        before: null,
        after: auditView(created),
      });
      return created;
    });
  } catch (err) {
    if (isDuplicate(err)) {
      const field = String((err as Error).message).includes('email') ? 'email' : 'username';
      throw errors.conflict(`An admin user with this ${field} already exists`, undefined, [
        { field, message: 'is already taken' },
      ]);
    }
    throw err;
  }
}

export interface UpdateAdminInput {
  role?: AdminRole;
  status?: AdminStatus;
  password?: string;
}

const ROLE_RANK: Record<AdminRole, number> = { operator: 1, admin: 2, super_admin: 3 };

/**
 * Changes an admin's role, status or password. The last active super admin cannot be demoted
 * or disabled (409), so the platform always keeps someone who can manage admins. A demotion, a
 * suspension (any status but active) or a new password refuses every earlier access token of that
 * admin on every instance (docs/security.md, "Sessions and revocation"); a suspension or a new
 * password also ends their refresh tokens.
 */
export async function updateAdminUserById(
  ctx: AppContext,
  actor: AuditActor,
  id: number,
  input: UpdateAdminInput,
): Promise<AdminUserView> {
  if (input.password !== undefined) {
    const problems = passwordProblems(input.password);
    if (problems.length) throw errors.validation(problems);
  }
  const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password, ctx.config.BCRYPT_COST);
  let before: AdminUserView | undefined;
  const updated = await withTransaction(ctx.db, async (conn) => {
    const { target, activeSuperAdminIds } = await lockForAdminChange(conn, id);
    if (!target) throw errors.notFound(`Admin user ${id} does not exist`);
    before = target;
    const nextRole = input.role ?? target.role;
    const nextStatus = input.status ?? target.status;
    const losesSuperAdmin =
      target.role === 'super_admin' && target.status === 'active' && (nextRole !== 'super_admin' || nextStatus !== 'active');
    if (losesSuperAdmin && activeSuperAdminIds.filter((other) => other !== id).length === 0) {
      throw errors.conflict('This is the last active super admin; promote another admin first');
    }
    await updateAdminUser(conn, id, {
      role: input.role,
      status: input.status,
      passwordHash,
      // A reset password or a re-enabled account starts without the old lockout.
      clearLock: passwordHash !== undefined || (input.status === 'active' && target.status !== 'active'),
    });
    const updated = (await findAdminUser(conn, id))!;
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'admin_user.update',
      targetType: 'admin_user',
      targetId: id,
      before: auditView(target),
      after: { ...auditView(updated), ...(passwordHash !== undefined ? { passwordChanged: true } : {}) },
    });
    return updated;
  });
  const reason = revocationReason(before!, updated, passwordHash !== undefined);
  if (reason) {
    if (reason !== 'admin_demoted') await revokeSubjectRefreshTokens(ctx.db, 'admin', id, reason);
    await refuseEarlierTokens(ctx, { type: 'admin', id }, reason);
  }
  return updated;
}

/** Why an admin change must end earlier tokens, or undefined when it need not. */
function revocationReason(before: AdminUserView, after: AdminUserView, passwordChanged: boolean): RevocationReason | undefined {
  if (after.status !== 'active' && before.status === 'active') return 'admin_suspended';
  if (passwordChanged) return 'password_change';
  if (ROLE_RANK[after.role] < ROLE_RANK[before.role]) return 'admin_demoted';
  return undefined;
}
