import { z } from '../../http/openapi';
import { f, fieldsOf, itemSchema } from '../crud/fields';
import type { ResourceDef } from '../crud/resource';

export const CATEGORIES = ['image', 'video', 'file', 'poster', 'document', 'temp'] as const;
const fields = fieldsOf([
  'objectKey',
  'originalName',
  'mimeType',
  'sizeBytes',
  'checksumSha256',
  'category',
  'uploadedBy',
  'relatedType',
  'relatedId',
  'status',
]);

/** /api/files: objects in the tenant's storage prefix (metadata in file_storage; deleted ones hidden). */
export const fileResource: ResourceDef = {
  path: '/api/files',
  table: 'file_storage',
  permission: 'files',
  name: 'File',
  fields,
  create: z.object({}),
  update: z
    .object({
      originalName: f.text(255),
      relatedType: f.optText(50),
      relatedId: f.ref(),
    })
    .partial()
    .openapi('FileUpdate'),
  item: itemSchema('File', fields),
  filters: {
    category: { column: 'category', schema: z.enum(CATEGORIES) },
    relatedType: { column: 'related_type', schema: z.string().max(50) },
    relatedId: { column: 'related_id', schema: f.idFilter() },
  },
  search: ['original_name'],
  scope: () => ({ where: "`status` = 'active'", args: [] }),
};
