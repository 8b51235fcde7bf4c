import { errors, ErrorCode, publishTenantAccessChange, withTransaction, type Page } from '@kg/shared';
import type { AppContext } from '../../context';
import { generatePassword } from '../../internal/password';
import { passwordHasher } from '../../internal/password-hasher';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import {
  applyOperatorAccountChange,
  lockGlobalUser,
  searchGlobalUsers,
  type GlobalUser,
  type GlobalUserSearch,
  type GlobalUserStatus,
  type OperatorAccountChange,
} from '../auth/global-user.repository';
import { revokeSubjectRefreshTokens } from '../auth/refresh-token.repository';
import { findBindingsOfUsers, type TenantBinding } from '../auth/tenant-binding.repository';
import { ONE_TIME_PASSWORD_BCRYPT_COST } from '../lifecycle/admin-credentials';
import { refuseEarlierTokens, type RevocationReason } from '../sessions/session-revocation.service';

export const GLOBAL_USER_STATUSES = ['active', 'locked', 'suspended', 'deleted'] as const satisfies readonly GlobalUserStatus[];

/** A global user as the console's user list shows it, with the tenants the user is bound to. */
export interface GlobalUserAdminView {
  id: number;
  phone: string;
  realName: string;
  email: string | null;
  status: GlobalUserStatus;
  lockedUntil: string | null;
  mustChangePassword: boolean;
  lastLoginAt: string | null;
  createdAt: string;
  tenants: Array<{ tenantCode: string; role: string; status: string }>;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function toView(user: GlobalUser, bindings: TenantBinding[]): GlobalUserAdminView {
  return {
    id: user.id,
    phone: user.phone,
    realName: user.realName,
    email: user.email,
    status: user.status,
    lockedUntil: iso(user.lockedUntil),
    mustChangePassword: user.mustChangePassword,
    lastLoginAt: iso(user.lastLoginAt),
    createdAt: user.createdAt.toISOString(),
    tenants: bindings.map((b) => ({ tenantCode: b.tenantCode, role: b.role, status: b.status })),
  };
}

/** Global users, newest first, searched by phone, name or email, each with its tenant bindings. */
export async function listGlobalUsers(ctx: AppContext, filter: GlobalUserSearch): Promise<Page<GlobalUserAdminView>> {
  const page = await searchGlobalUsers(ctx.db, filter);
  const bindings = await findBindingsOfUsers(ctx.db, page.items.map((u) => u.id));
  return { ...page, items: page.items.map((u) => toView(u, bindings.filter((b) => b.globalUserId === u.id))) };
}

export type AccountAction = 'lock' | 'unlock' | 'disable' | 'reset-password';

/** Which current statuses each action accepts (409 otherwise): nothing acts on a deleted account. */
const ALLOWED: Record<AccountAction, ReadonlySet<string>> = {
  lock: new Set(['active']),
  unlock: new Set(['locked', 'suspended']),
  disable: new Set(['active', 'locked']),
  'reset-password': new Set(['active', 'locked', 'suspended']),
};

/** Actions after which the user's existing sessions end, and the reason recorded with that. */
const ENDS_SESSIONS: Partial<Record<AccountAction, RevocationReason>> = {
  lock: 'account_locked',
  disable: 'account_disabled',
  'reset-password': 'password_reset',
};

export interface AccountActionResult {
  user: GlobalUserAdminView;
  /** Only for reset-password: shown to the operator once, never stored in clear. */
  oneTimePassword?: string;
}

/**
 * An operator's action on a global user's account (docs/console.md, Operator API). Lock,
 * disable and reset-password end the user's sessions (docs/security.md, "Sessions and
 * revocation"): every refresh token is revoked, every access token issued so far is refused on
 * every instance within a second, and each bound tenant is told its access changed. Audited with
 * the status before and after (never the password).
 */
export async function actOnAccount(ctx: AppContext, actor: AuditActor, id: number, action: AccountAction): Promise<AccountActionResult> {
  let oneTimePassword: string | undefined;
  let change: OperatorAccountChange;
  if (action === 'reset-password') {
    oneTimePassword = generatePassword(20);
    const cost = Math.min(ctx.config.BCRYPT_COST, ONE_TIME_PASSWORD_BCRYPT_COST);
    change = { kind: 'reset-password', passwordHash: await passwordHasher.hash(oneTimePassword, cost) };
  } else {
    change = { kind: action };
  }
  const endsSessions = ENDS_SESSIONS[action];
  const user = await withTransaction(ctx.db, async (conn) => {
    const before = await lockGlobalUser(conn, id);
    if (!before) throw errors.notFound(`Global user ${id} does not exist`, ErrorCode.UserNotFound);
    if (!ALLOWED[action].has(before.status)) {
      throw errors.conflict(`Cannot ${action} an account that is ${before.status}`);
    }
    await applyOperatorAccountChange(conn, id, change);
    if (endsSessions) await revokeSubjectRefreshTokens(conn, 'user', id, endsSessions);
    const after = (await lockGlobalUser(conn, id))!;
    const state = (u: GlobalUser) => ({ status: u.status, lockedUntil: iso(u.lockedUntil), mustChangePassword: u.mustChangePassword });
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: `user.${action}`,
      targetType: 'global_user',
      targetId: id,
      before: state(before),
      after: state(after),
    });
    return toView(after, await findBindingsOfUsers(conn, [id]));
  });
  if (endsSessions) {
    await refuseEarlierTokens(ctx, { type: 'user', id }, endsSessions);
    for (const t of user.tenants) {
      await publishTenantAccessChange(ctx.redis, ctx.config.REDIS_KEY_PREFIX, t.tenantCode, id).catch((err: Error) =>
        ctx.logger.warn({ err: err.message, tenant: t.tenantCode }, 'tenant access change not announced'),
      );
    }
  }
  return { user, ...(oneTimePassword ? { oneTimePassword } : {}) };
}
