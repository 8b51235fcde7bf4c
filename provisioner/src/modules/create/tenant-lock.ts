import crypto from 'node:crypto';
import { connect, mysqlTargetFromConfig, type RowDataPacket } from '@kg/shared';
import type { ProvisionerContext } from '../../context';

export interface TenantLock {
  release(): Promise<void>;
}

/**
 * Exactly one pipeline per tenant at a time, across every worker process: a MySQL named lock on
 * the control server, held on a dedicated connection. A worker that dies (even SIGKILL) closes
 * its connection, and the server releases the lock at once, so a takeover never waits for it.
 * Returns null when another pipeline still holds it after `waitMs` (docs/provisioning.md, The named lock).
 */
export async function acquireTenantLock(ctx: ProvisionerContext, tenantCode: string, waitMs: number): Promise<TenantLock | null> {
  // Lock names are limited to 64 characters and are server-wide: scope them by control database.
  const name = `kg-create:${crypto.createHash('sha1').update(`${ctx.config.CONTROL_DB_NAME}/${tenantCode}`).digest('hex')}`;
  const conn = await connect(mysqlTargetFromConfig(ctx.config), undefined);
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS got', [name, Math.ceil(waitMs / 1000)]);
    if (Number(rows[0]?.got) !== 1) {
      await conn.end();
      return null;
    }
  } catch (err) {
    conn.destroy();
    throw err;
  }
  return {
    async release() {
      try {
        await conn.query('SELECT RELEASE_LOCK(?)', [name]);
        await conn.end();
      } catch {
        conn.destroy();
      }
    },
  };
}
