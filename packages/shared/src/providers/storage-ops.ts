import { objectKeyProblem } from './object-keys';
import { TENANT_STORAGE_FOLDERS, type StorageProvider } from './types';

function assertPrefix(prefix: string): void {
  // A prefix without its trailing '/' would also match siblings ("138" matches "1380/").
  if (!prefix.endsWith('/') || objectKeyProblem(prefix)) {
    throw new Error(`Storage prefix must be a relative key ending with "/": ${JSON.stringify(prefix)}`);
  }
}

/**
 * Empties `prefix` page by page: list one page, delete it, continue after its last key, so memory
 * stays flat however many objects there are. With `olderThan`, only objects last modified before
 * it are deleted (the daily temp/ cleanup). Safe to re-run after a crash.
 */
export async function deletePrefix(
  storage: StorageProvider,
  prefix: string,
  opts: { pageSize?: number; olderThan?: Date } = {},
): Promise<{ deleted: number; pages: number }> {
  assertPrefix(prefix);
  const pageSize = Math.max(1, Math.min(opts.pageSize ?? 1000, 1000));
  let marker: string | undefined;
  let deleted = 0;
  let pages = 0;
  for (;;) {
    const page = await storage.listPage(prefix, { marker, maxKeys: pageSize });
    if (page.objects.length) pages++;
    const keys = page.objects
      .filter((o) => o.key.startsWith(prefix) && (!opts.olderThan || o.lastModified < opts.olderThan))
      .map((o) => o.key);
    if (keys.length) {
      if (storage.deleteObjects) await storage.deleteObjects(keys);
      else for (const key of keys) await storage.deleteObject(key);
      deleted += keys.length;
    }
    if (!page.nextMarker) break;
    marker = page.nextMarker;
  }
  return { deleted, pages };
}

/** Key of the zero-byte marker that makes a folder visible in storage browsers. */
export function folderMarkerKey(prefix: string, folder: string): string {
  return `${prefix}${folder}.keep`;
}

/**
 * Creates the tenant's folders (TENANT_STORAGE_FOLDERS) under `prefix`, a zero-byte `.keep`
 * object per folder. Idempotent: existing markers are left as they are.
 */
export async function ensureTenantFolders(storage: StorageProvider, prefix: string): Promise<string[]> {
  assertPrefix(prefix);
  const created: string[] = [];
  for (const folder of TENANT_STORAGE_FOLDERS) {
    const key = folderMarkerKey(prefix, folder);
    if ((await storage.getObject(key)) !== null) continue;
    await storage.putObject(key, Buffer.alloc(0), 'application/x-directory');
    created.push(key);
  }
  return created;
}
