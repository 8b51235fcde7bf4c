import crypto from 'node:crypto';
import { connect, mysqlTargetFromConfig, type RowDataPacket } from '@kg/shared';
import type { ProvisionerContext } from '../../context';

/**
 * One reconciler run at a time across every provisioner replica: a MySQL named lock on the
 * control server, taken without waiting on a dedicated connection (docs/recovery.md, "One run at
 * a time"). MySQL rather than Redis because the reconciler exists for the day Redis lost its data
 * or failed over, and its truth is in MySQL anyway; and a named lock needs no expiry to tune
 * against the run's length: a replica that dies mid-run closes its connection and the server
 * releases the lock at once.
 * Returns a release function, or null when another replica is running.
 */
export async function tryReconcileLock(ctx: ProvisionerContext): Promise<(() => Promise<void>) | null> {
  // Lock names are server-wide and at most 64 characters: scope them by control database.
  const name = `kg-reconcile:${crypto.createHash('sha1').update(ctx.config.CONTROL_DB_NAME).digest('hex')}`;
  const conn = await connect(mysqlTargetFromConfig(ctx.config));
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got', [name]);
    if (Number(rows[0]?.got) !== 1) {
      await conn.end();
      return null;
    }
  } catch (err) {
    conn.destroy();
    throw err;
  }
  return async () => {
    try {
      await conn.query('SELECT RELEASE_LOCK(?)', [name]);
      await conn.end();
    } catch {
      conn.destroy();
    }
  };
}
