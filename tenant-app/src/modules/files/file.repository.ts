import type { TenantQueries } from '../../internal/db/tenant-db';

/** Metadata of stored objects: rows of `file_storage` (object_key relative to the tenant's storage prefix). */
export interface StoredFile {
  objectKey: string;
  originalName: string;
  mimeType: string;
  sizeBytes: number;
  checksumSha256: string;
  category: 'image' | 'video' | 'file';
  uploadedBy: number;
  relatedType: string | null;
  relatedId: number | null;
}

/** Records an uploaded object as active; returns its id. */
export async function insertFile(db: TenantQueries, file: StoredFile): Promise<number> {
  const r = await db.exec(
    `INSERT INTO ${db.t('file_storage')}
       (object_key, original_name, mime_type, size_bytes, checksum_sha256, category, uploaded_by, related_type, related_id, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active')`,
    [
      file.objectKey,
      file.originalName,
      file.mimeType,
      file.sizeBytes,
      file.checksumSha256,
      file.category,
      file.uploadedBy,
      file.relatedType,
      file.relatedId,
    ],
  );
  return r.insertId;
}

/** Marks a file deleted (it disappears from every listing; the object is removed by the caller). */
export async function markFileDeleted(db: TenantQueries, id: number): Promise<void> {
  await db.exec(`UPDATE ${db.t('file_storage')} SET status = 'deleted' WHERE id = ?`, [id]);
}
