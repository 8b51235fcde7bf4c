import { cloneTemplate } from '@kg/templates-db';
import { setSchemaVersion } from '../../tenants/tenant.repository';
import { faultConfigured } from '../fault';
import { templateSnapshot, tenantServer } from '../servers';
import type { CreateStep } from '../step';

/**
 * Step 3: every table of the template with its keys and foreign keys, the reference rows and the
 * schema_migrations record, then `tenants.schema_version`. The clone is resumable: existing
 * tables are kept and rows are copied with INSERT IGNORE (docs/provisioning.md, The clone).
 */
export const cloneTenantTemplate: CreateStep = {
  name: 'clone_template',
  async run({ ctx, tenant, checkpoint }) {
    const { target } = await tenantServer(ctx.db, tenant.dbServerId);
    const templateDb = ctx.config.TEMPLATE_DB_NAME;
    const snapshot = await templateSnapshot(target, templateDb);
    const connections = ctx.config.PROVISIONER_CLONE_CONNECTIONS;
    if (faultConfigured(ctx.config, 'clone_template', 'mid')) {
      // Tests freeze the worker with half the tables cloned, to prove a resumed clone completes.
      await cloneTemplate(target, templateDb, tenant.databaseName, snapshot, {
        connections,
        tables: Math.ceil(snapshot.tables.length / 2),
      });
    }
    await checkpoint('mid');
    const result = await cloneTemplate(target, templateDb, tenant.databaseName, snapshot, { connections });
    await setSchemaVersion(ctx.db, tenant.tenantCode, result.version);
    return { tables: result.tables, schemaVersion: result.version };
  },
};
