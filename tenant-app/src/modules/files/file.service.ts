import crypto from 'node:crypto';
import path from 'node:path';
import { AppError, ErrorCode, errors, type StorageProvider } from '@kg/shared';
import type { TenantDb } from '../../internal/db/tenant-db';
import type { TenantRecord } from '../tenancy/tenant.registry';
import { findItem, type Item } from '../crud/crud.repository';
import { requireItem } from '../crud/crud.service';
import { fileResource } from './file.resource';
import { insertFile, markFileDeleted } from './file.repository';

const FOLDER_OF: Record<string, { folder: string; category: 'image' | 'video' | 'file' }> = {
  image: { folder: 'uploads/images', category: 'image' },
  video: { folder: 'uploads/videos', category: 'video' },
};

// Leading bytes of formats whose content we can check, so a renamed executable is not stored as an image.
const SIGNATURES: Record<string, (b: Buffer) => boolean> = {
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => b.subarray(0, 4).toString('latin1') === 'GIF8',
  'image/webp': (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  'application/pdf': (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
};

export interface UploadInput {
  body: Buffer;
  contentType: string;
  originalName: string;
  relatedType?: string | null;
  relatedId?: number | null;
}

/** The object key under the tenant's prefix; object_key in the table is relative to the prefix. */
function storageKey(tenant: TenantRecord, relative: string): string {
  if (!tenant.storagePrefix) throw errors.unavailable('This kindergarten has no storage prefix yet');
  return `${tenant.storagePrefix}${relative}`;
}

/**
 * Stores an upload in the tenant's storage prefix (uploads/images|videos|files/YYYY/MM/<uuid><ext>)
 * and records it in file_storage. The type must be allowed (415 otherwise) and, for images and
 * PDFs, the content must match the declared type; the size limit is enforced by the body parser (413).
 */
export async function uploadFile(
  db: TenantDb,
  storage: StorageProvider,
  tenant: TenantRecord,
  input: UploadInput,
  opts: { allowedTypes: Set<string>; uploadedBy: number },
): Promise<Item> {
  const type = input.contentType.split(';')[0]!.trim().toLowerCase();
  if (!opts.allowedTypes.has(type)) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 415, `Files of type ${type || '(none)'} are not accepted`, {
      details: { allowed: [...opts.allowedTypes] },
    });
  }
  if (input.body.length === 0) throw errors.validation([{ field: '(body)', message: 'The file is empty' }]);
  const check = SIGNATURES[type];
  if (check && !check(input.body)) {
    throw errors.validation([{ field: 'content-type', message: `The content is not a ${type} file` }]);
  }
  const kind = FOLDER_OF[type.split('/')[0]!] ?? { folder: 'uploads/files', category: 'file' as const };
  const ext = path.extname(input.originalName).toLowerCase().replace(/[^.a-z0-9]/g, '').slice(0, 10);
  const now = new Date();
  const relative = `${kind.folder}/${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}/${crypto.randomUUID()}${ext}`;
  const key = storageKey(tenant, relative);
  await storage.putObject(key, input.body, type);
  try {
    const id = await insertFile(db, {
      objectKey: relative,
      originalName: input.originalName,
      mimeType: type,
      sizeBytes: input.body.length,
      checksumSha256: crypto.createHash('sha256').update(input.body).digest('hex'),
      category: kind.category,
      uploadedBy: opts.uploadedBy,
      relatedType: input.relatedType ?? null,
      relatedId: input.relatedId ?? null,
    });
    return (await findItem(db, fileResource, id, { userId: opts.uploadedBy }))!;
  } catch (err) {
    await storage.deleteObject(key).catch(() => undefined);
    throw err;
  }
}

/** The bytes of a file of this tenant (404 when deleted or missing). */
export async function downloadFile(
  db: TenantDb,
  storage: StorageProvider,
  tenant: TenantRecord,
  id: number,
  userId: number,
): Promise<{ item: Item; body: Buffer }> {
  const item = await requireItem(db, fileResource, id, { userId });
  const body = await storage.getObject(storageKey(tenant, String(item.objectKey)));
  if (!body) throw errors.notFound('The file content is missing from storage', ErrorCode.NotFound);
  return { item, body };
}

/** Removes the object from storage and marks the record deleted. */
export async function deleteFile(db: TenantDb, storage: StorageProvider, tenant: TenantRecord, id: number, userId: number): Promise<void> {
  const item = await requireItem(db, fileResource, id, { userId });
  await storage.deleteObject(storageKey(tenant, String(item.objectKey)));
  await markFileDeleted(db, id);
}
