import { AppError, errors, type PoolConnection } from '@kg/shared';
import { lockDbServers } from '../db-servers/db-server.repository';
import { countTenantsByDbServer } from '../tenants/tenant.repository';

export interface ServerLoad {
  id: number;
  name: string;
  status: string;
  capacity: number;
  /** Tenants placed on the server that still own a database (not purged). */
  placed: number;
}

export const PlacementErrorCode = {
  ServerUnavailable: 'DATABASE_SERVER_UNAVAILABLE',
  NoCapacity: 'NO_DATABASE_CAPACITY',
} as const;

function free(s: ServerLoad): number {
  return s.capacity - s.placed;
}

/**
 * Chooses where a new tenant database goes (docs/control-plane.md, "Placement"): the explicit
 * server when asked (it must be active and not full), else the active server with the most free
 * capacity (lowest id on a tie). A full server is never chosen.
 */
export function pickServer(servers: ServerLoad[], explicitId?: number): ServerLoad {
  if (explicitId !== undefined) {
    const s = servers.find((x) => x.id === explicitId);
    if (!s) throw errors.validation([{ field: 'dbServerId', message: `database server ${explicitId} does not exist` }]);
    if (s.status !== 'active') {
      throw new AppError(PlacementErrorCode.ServerUnavailable, 409, `Database server ${s.name} is ${s.status}, not active`);
    }
    if (free(s) <= 0) {
      throw new AppError(PlacementErrorCode.ServerUnavailable, 409, `Database server ${s.name} is full (${s.placed}/${s.capacity} tenants)`);
    }
    return s;
  }
  const candidates = servers.filter((s) => s.status === 'active' && free(s) > 0);
  if (candidates.length === 0) {
    throw new AppError(
      PlacementErrorCode.NoCapacity,
      409,
      'No active database server has free capacity; add a server or raise a capacity (database servers page)',
    );
  }
  return candidates.reduce((best, s) => (free(s) > free(best) || (free(s) === free(best) && s.id < best.id) ? s : best));
}

/**
 * Reads every server's load with the server rows locked, so concurrent creates place one after
 * the other and two of them cannot both take a server's last free slot. Run inside the create
 * transaction (READ COMMITTED, so the counts see tenants committed by the previous holder).
 */
export async function lockServerLoads(conn: PoolConnection): Promise<ServerLoad[]> {
  const servers = await lockDbServers(conn);
  const placed = await countTenantsByDbServer(conn);
  return servers.map((s) => ({
    id: s.id,
    name: s.name,
    status: s.status,
    capacity: s.capacity,
    placed: placed.get(s.id) ?? 0,
  }));
}
