import { errors, ErrorCode, publishTenantAccessChange, withTransaction } from '@kg/shared';
import type { AppContext } from '../../context';
import { generatePassword } from '../../internal/password';
import { passwordHasher } from '../../internal/password-hasher';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import { revokeSubjectRefreshTokens } from '../auth/refresh-token.repository';
import { ONE_TIME_PASSWORD_BCRYPT_COST } from '../lifecycle/admin-credentials';
import { applyAccountChange, lockGlobalUser, type AccountChange, type GlobalUserAdminView } from './global-users.repository';

export type AccountAction = 'lock' | 'unlock' | 'disable' | 'reset-password';

/** Which current statuses each action accepts (409 otherwise): nothing acts on a deleted account. */
const ALLOWED: Record<AccountAction, ReadonlySet<string>> = {
  lock: new Set(['active']),
  unlock: new Set(['locked', 'suspended']),
  disable: new Set(['active', 'locked']),
  'reset-password': new Set(['active', 'locked', 'suspended']),
};

/** Actions after which the user's existing sessions must end. */
const ENDS_SESSIONS = new Set<AccountAction>(['lock', 'disable', 'reset-password']);

export interface AccountActionResult {
  user: GlobalUserAdminView;
  /** Only for reset-password: shown to the operator once, never stored in clear. */
  oneTimePassword?: string;
}

/**
 * An operator's action on a global user's account (docs/console.md, Global users). Lock,
 * disable and reset-password revoke every refresh token of the user and announce an access
 * change to each bound tenant, so tenant apps re-check the account at once. Audited with the
 * status before and after (never the password).
 */
export async function actOnAccount(ctx: AppContext, actor: AuditActor, id: number, action: AccountAction): Promise<AccountActionResult> {
  let oneTimePassword: string | undefined;
  let change: AccountChange;
  if (action === 'reset-password') {
    oneTimePassword = generatePassword(20);
    const cost = Math.min(ctx.config.BCRYPT_COST, ONE_TIME_PASSWORD_BCRYPT_COST);
    change = { kind: 'reset-password', passwordHash: await passwordHasher.hash(oneTimePassword, cost) };
  } else {
    change = { kind: action };
  }
  const user = await withTransaction(ctx.db, async (conn) => {
    const before = await lockGlobalUser(conn, id);
    if (!before) throw errors.notFound(`Global user ${id} does not exist`, ErrorCode.UserNotFound);
    if (!ALLOWED[action].has(before.status)) {
      throw errors.conflict(`Cannot ${action} an account that is ${before.status}`);
    }
    await applyAccountChange(conn, id, change);
    if (ENDS_SESSIONS.has(action)) await revokeSubjectRefreshTokens(conn, 'user', id, `operator_${action}`);
    const after = (await lockGlobalUser(conn, id))!;
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: `user.${action}`,
      targetType: 'global_user',
      targetId: id,
      before: { status: before.status, lockedUntil: before.lockedUntil, mustChangePassword: before.mustChangePassword },
      after: { status: after.status, lockedUntil: after.lockedUntil, mustChangePassword: after.mustChangePassword },
    });
    return after;
  });
  if (ENDS_SESSIONS.has(action)) {
    for (const t of user.tenants) {
      await publishTenantAccessChange(ctx.redis, ctx.config.REDIS_KEY_PREFIX, t.tenantCode, id).catch((err: Error) =>
        ctx.logger.warn({ err: err.message, tenant: t.tenantCode }, 'tenant access change not announced'),
      );
    }
  }
  return { user, ...(oneTimePassword ? { oneTimePassword } : {}) };
}
