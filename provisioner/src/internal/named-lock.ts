import crypto from 'node:crypto';
import { connect, mysqlTargetFromConfig, type RowDataPacket } from '@kg/shared';
import type { ProvisionerContext } from '../context';

export interface NamedLock {
  release(): Promise<void>;
}

/**
 * A MySQL lock name: `kind:` plus a hash of `scope`. Lock names are server-wide and at most 64
 * characters, so callers scope them by control database (several deployments or test runs may
 * share one server).
 */
export function namedLockName(kind: string, scope: string): string {
  return `${kind}:${crypto.createHash('sha1').update(scope).digest('hex')}`;
}

/**
 * Takes a MySQL named lock on the control server, held on a dedicated connection: a process that
 * dies (even SIGKILL) closes its connection and the server releases the lock at once, so nothing
 * waits for an expiry. Waits up to `waitMs` (0: not at all); null when another holder kept it.
 */
export async function acquireNamedLock(ctx: ProvisionerContext, name: string, waitMs: number): Promise<NamedLock | null> {
  const conn = await connect(mysqlTargetFromConfig(ctx.config));
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
