import type { ProvisionerContext } from '../../context';
import { acquireNamedLock, namedLockName } from '../../internal/named-lock';

/**
 * One reconciler run at a time across every provisioner replica: a MySQL named lock, taken without
 * waiting (docs/recovery.md, "One run at a time"). MySQL rather than Redis because the reconciler
 * exists for the day Redis lost its data or failed over, and its truth is in MySQL anyway; and a
 * named lock needs no expiry to tune against the run's length.
 * Returns a release function, or null when another replica is running.
 */
export async function tryReconcileLock(ctx: ProvisionerContext): Promise<(() => Promise<void>) | null> {
  const lock = await acquireNamedLock(ctx, namedLockName('kg-reconcile', ctx.config.CONTROL_DB_NAME), 0);
  return lock && (() => lock.release());
}
