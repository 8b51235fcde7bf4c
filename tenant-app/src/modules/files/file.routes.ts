import express, { Router } from 'express';
import { ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requirePermission } from '../../http/middleware/auth';
import { registry, responses, tenantHeaders, z } from '../../http/openapi';
import { crudRoutes, idOf } from '../crud/crud.routes';
import { f } from '../crud/fields';
import { fileResource } from './file.resource';
import { deleteFile, downloadFile, uploadFile } from './file.service';

const uploadQuery = z.object({
  name: f.text(255).openapi({ description: 'Original file name', example: 'photo.png' }),
  relatedType: f.text(50).optional(),
  relatedId: z.coerce.number().int().positive().optional(),
});
const params = z.object({ id: z.coerce.number().int().positive() });
const common = { tags: ['File'], security: [{ userBearer: [] }] };
registry.registerPath({
  ...common,
  method: 'post',
  path: '/api/files',
  summary:
    'Upload a file: the raw bytes as the body, its type as Content-Type (FILE_ALLOWED_TYPES, else 415), ' +
    'at most FILE_MAX_BYTES (else 413); stored under the tenant storage prefix (files:write)',
  request: {
    headers: tenantHeaders,
    query: uploadQuery,
    body: { content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
  },
  responses: responses(fileResource.item, 201, { 413: 'File too large', 415: 'File type not accepted' }),
});
registry.registerPath({
  ...common,
  method: 'get',
  path: '/api/files/{id}/download',
  summary: 'The file content (files:read)',
  request: { headers: tenantHeaders, params },
  responses: { 200: { description: 'The bytes, with the stored Content-Type' }, 404: { description: 'No such file' } },
});
registry.registerPath({
  ...common,
  method: 'delete',
  path: '/api/files/{id}',
  summary: 'Delete a file from storage (files:delete)',
  request: { headers: tenantHeaders, params },
  responses: responses(z.object({ id: z.number(), deleted: z.literal(true) })),
});

/** /api/files: upload, list, metadata, download, rename/relate, delete. */
export function fileRoutes(ctx: AppContext): Router {
  const router = Router();
  const allowed = new Set(ctx.config.FILE_ALLOWED_TYPES.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean));
  const raw = express.raw({ type: () => true, limit: ctx.config.FILE_MAX_BYTES });
  router.post('/api/files', requirePermission('files', 'write'), raw, async (req, res) => {
    const q = validate(uploadQuery, req.query);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const item = await uploadFile(
      req.tenantDb!,
      ctx.storage,
      req.tenant!,
      { body, contentType: req.headers['content-type'] ?? '', originalName: q.name, relatedType: q.relatedType, relatedId: q.relatedId },
      { allowedTypes: allowed, uploadedBy: req.auth!.user.id },
    );
    ok(res, item, 201);
  });
  router.get('/api/files/:id/download', requirePermission('files', 'read'), async (req, res) => {
    const { item, body } = await downloadFile(req.tenantDb!, ctx.storage, req.tenant!, idOf(req), req.auth!.user.id);
    res.setHeader('Content-Type', String(item.mimeType));
    res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(String(item.originalName))}`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.end(body);
  });
  router.delete('/api/files/:id', requirePermission('files', 'delete'), async (req, res) => {
    const id = idOf(req);
    await deleteFile(req.tenantDb!, ctx.storage, req.tenant!, id, req.auth!.user.id);
    ok(res, { id, deleted: true });
  });
  // List, metadata and rename/relate through the generic collection (deleted files are invisible).
  return crudRoutes(fileResource, ['list', 'get', 'update'], router);
}
