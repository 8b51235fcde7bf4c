import { mysqlTargetFromConfig, serverTarget, type MysqlTarget } from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import { findDatabaseServer } from './database-server.repository';

/**
 * Connection settings of the server a tenant database lives on; a tenant without a server
 * (`db_server_id` NULL) lives on the control database's server.
 */
export async function tenantDatabaseTarget(ctx: ProvisionerContext, dbServerId: number | null): Promise<MysqlTarget> {
  if (dbServerId === null) return mysqlTargetFromConfig(ctx.config);
  const server = await findDatabaseServer(ctx.db, dbServerId);
  if (!server) throw new Error(`database server ${dbServerId} is not registered`);
  return serverTarget(server);
}
