import type { ProvisionerContext } from '../../context';
import { acquireNamedLock, namedLockName, type NamedLock } from '../../internal/named-lock';

/**
 * Exactly one pipeline per tenant at a time, across every worker process: a MySQL named lock on
 * the control server, so a worker killed mid-step releases it at once and a takeover never waits.
 * Returns null when another pipeline still holds it after `waitMs` (docs/provisioning.md, The named lock).
 */
export function acquireTenantLock(ctx: ProvisionerContext, tenantCode: string, waitMs: number): Promise<NamedLock | null> {
  return acquireNamedLock(ctx, namedLockName('kg-create', `${ctx.config.CONTROL_DB_NAME}/${tenantCode}`), waitMs);
}
