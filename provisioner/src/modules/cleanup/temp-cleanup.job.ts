import type { Job } from 'bullmq';
import { CLEANUP_JOBS, QUEUES, folderMarkerKey } from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import type { JobHandler } from '../../jobs/job';
import { listTenantsByStatus } from '../tenants/tenant.repository';
import { workerProviders } from './providers';

export interface TempCleanupResult {
  tenants: number;
  deleted: number;
  errors: Array<{ tenantCode: string; error: string }>;
}

/**
 * Removes objects under `{prefix}temp/` last modified more than TEMP_RETENTION_DAYS ago, for
 * every active or suspended tenant with a storage prefix, page by page (docs/provisioning.md,
 * Temp cleanup). The folder's own marker stays. One tenant's storage error does not stop the others.
 */
export async function cleanTempFiles(ctx: ProvisionerContext, now: Date = new Date()): Promise<TempCleanupResult> {
  const { storage } = workerProviders(ctx);
  const olderThan = new Date(now.getTime() - ctx.config.TEMP_RETENTION_DAYS * 86_400_000);
  const tenants = (await listTenantsByStatus(ctx.db, ['active', 'suspended'])).flatMap((t) =>
    t.ossPrefix === null ? [] : [{ tenantCode: t.tenantCode, ossPrefix: t.ossPrefix }],
  );
  const result: TempCleanupResult = { tenants: tenants.length, deleted: 0, errors: [] };
  for (const t of tenants) {
    const prefix = `${t.ossPrefix}temp/`;
    const marker = folderMarkerKey(t.ossPrefix, 'temp/');
    try {
      let next: string | undefined;
      do {
        const page = await storage.listPage(prefix, { marker: next, maxKeys: ctx.config.CLEANUP_PAGE_SIZE });
        const old = page.objects.filter((o) => o.key.startsWith(prefix) && o.key !== marker && o.lastModified < olderThan);
        if (old.length) {
          if (storage.deleteObjects) await storage.deleteObjects(old.map((o) => o.key));
          else for (const o of old) await storage.deleteObject(o.key);
          result.deleted += old.length;
        }
        next = page.nextMarker;
      } while (next);
    } catch (err) {
      result.errors.push({ tenantCode: t.tenantCode, error: (err as Error).message });
      ctx.logger.warn({ tenant: t.tenantCode, err: (err as Error).message }, 'temp cleanup failed for tenant');
    }
  }
  ctx.logger.info({ tenants: result.tenants, deleted: result.deleted, failed: result.errors.length }, 'temp files cleaned');
  return result;
}

export const tempCleanupJob: JobHandler<{ trigger?: string }, TempCleanupResult> = {
  queue: QUEUES.cleanup,
  name: CLEANUP_JOBS.tempCleanup,
  handle: (_job: Job, ctx) => cleanTempFiles(ctx),
};
