import { connect, createDatabase, databaseExists, quoteId, type RowDataPacket } from '@kg/shared';
import { tenantServer } from '../servers';
import { PermanentStepError, type CreateStep } from '../step';

/** Step 2: the tenant's database on the server chosen at placement (CREATE DATABASE IF NOT EXISTS). */
export const createTenantDatabase: CreateStep = {
  name: 'create_database',
  async run({ ctx, tenant, attempt, checkpoint }) {
    const { row, target } = await tenantServer(ctx.db, tenant.dbServerId);
    const conn = await connect(target);
    try {
      const existed = await databaseExists(conn, tenant.databaseName);
      if (existed && attempt === 1) {
        // Nothing of ours can be there before our first run: a non-empty database is someone else's.
        const [rows] = await conn.query<RowDataPacket[]>(
          'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
          [tenant.databaseName],
        );
        if (Number(rows[0]?.n) > 0) {
          throw new PermanentStepError(`Database ${quoteId(tenant.databaseName)} already exists on ${row.name} and is not empty`);
        }
      }
      if (!existed) await createDatabase(conn, tenant.databaseName);
      await checkpoint('mid');
      return { server: row.name, serverId: row.id, database: tenant.databaseName, existed };
    } finally {
      await conn.end();
    }
  },
};
