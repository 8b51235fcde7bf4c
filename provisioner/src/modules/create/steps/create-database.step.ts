import { connect, createDatabase, databaseExists, quoteId } from '@kg/shared';
import { listTables } from '@kg/templates-db';
import { ensureTenantDbAccount } from '../../db-users/tenant-db-user.service';
import { tenantServer } from '../servers';
import { PermanentStepError, type CreateStep } from '../step';

/**
 * Step 2: the tenant's database on the server chosen at placement (CREATE DATABASE IF NOT EXISTS),
 * and its own MySQL account with data privileges on that database only (docs/privileges.md,
 * Tenant database users). Both parts are idempotent; a test freezes the worker between creating
 * the account and granting it, kills it, and a new worker completes the step.
 */
export const createTenantDatabase: CreateStep = {
  name: 'create_database',
  async run({ ctx, tenant, attempt, checkpoint }) {
    const { server, target } = await tenantServer(ctx.db, tenant.dbServerId);
    const conn = await connect(target);
    let existed: boolean;
    try {
      existed = await databaseExists(conn, tenant.databaseName);
      // Nothing of ours can be there before our first run: a non-empty database is someone else's.
      if (existed && attempt === 1 && (await listTables(target, tenant.databaseName)).length > 0) {
        throw new PermanentStepError(`Database ${quoteId(tenant.databaseName)} already exists on ${server.name} and is not empty`);
      }
      if (!existed) await createDatabase(conn, tenant.databaseName);
    } finally {
      await conn.end();
    }
    const account = await ensureTenantDbAccount(ctx, tenant, target, { afterCreate: () => checkpoint('mid') });
    return { server: server.name, serverId: server.id, database: tenant.databaseName, existed, dbUser: account.user };
  },
};
