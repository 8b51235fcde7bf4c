import { buildTemplate, cloneTemplate } from '@kg/templates-db';
import { testMysqlTarget } from '@kg/shared/testing';

/**
 * Creates a tenant database the way provisioning does: builds the template from
 * templates-db/migrations into `templateDb` and clones it into `databaseName` with the same
 * clone routine the provisioner runs.
 */
export async function createTenantDatabase(templateDb: string, databaseName: string): Promise<void> {
  const target = testMysqlTarget();
  await buildTemplate(target, templateDb);
  await cloneTemplate(target, templateDb, databaseName);
}
