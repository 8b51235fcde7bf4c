import { ensureTenantFolders, folderMarkerKey, TENANT_STORAGE_FOLDERS } from '@kg/shared';
import { workerProviders } from '../../cleanup/providers';
import { faultConfigured } from '../fault';
import { PermanentStepError, type CreateStep } from '../step';

/** Step 6: the tenant's storage prefix and its folders (TENANT_STORAGE_FOLDERS; existing markers are kept). */
export const createStorage: CreateStep = {
  name: 'create_storage',
  async run({ ctx, tenant, checkpoint }) {
    const prefix = tenant.ossPrefix;
    if (!prefix) throw new PermanentStepError('The tenant has no storage prefix');
    const { storage } = workerProviders(ctx);
    if (faultConfigured(ctx.config, 'create_storage', 'mid')) {
      // Tests freeze the worker with one folder made, to prove a resumed step completes the rest.
      await storage.putObject(folderMarkerKey(prefix, TENANT_STORAGE_FOLDERS[0]), Buffer.alloc(0), 'application/x-directory');
    }
    await checkpoint('mid');
    const created = await ensureTenantFolders(storage, prefix);
    return { prefix, folders: TENANT_STORAGE_FOLDERS.length, created: created.length };
  },
};
