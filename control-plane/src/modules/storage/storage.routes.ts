import express, { Router, type Request, type Response } from 'express';
import { errors, ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireUser } from '../../http/middleware/auth';
import { registry, responses, z } from '../../http/openapi';
import { tenantCodeSchema } from '../../http/tenant-code';
import { ACCESS_KEY_HEADER, SECURITY_TOKEN_HEADER, requireLocalCredentials, requireLocalStorage } from './local-credentials';
import { deleteLocalObject, getLocalObject, listLocalObjects, putLocalObject, readSignedDownload } from './local-objects.service';
import { issueStorageCredentials, requestedTenant } from './storage.service';

/** Path of the local object endpoints; uploads below it keep their raw bytes (see isJsonBody). */
export const STORAGE_OBJECTS_PATH = '/api/storage/objects';

const credentialsSchema = z
  .object({
    accessKeyId: z.string(),
    accessKeySecret: z.string(),
    securityToken: z.string(),
    expiration: z.string().openapi({ description: 'ISO 8601' }),
    bucket: z.string(),
    region: z.string().optional(),
    endpoint: z.string().optional(),
    allowedPrefix: z.string().openapi({ example: '13800138000/' }),
    readOnly: z.boolean(),
  })
  .openapi('StorageCredentials');
const tenantHeader = z.object({
  'x-tenant-code': tenantCodeSchema.optional().openapi({ description: 'Tenant, when the token is not tenant-scoped' }),
});
const credentialHeaders = z.object({
  [ACCESS_KEY_HEADER]: z.string().openapi({ description: 'accessKeyId from POST /api/v1/oss/sts-token' }),
  [SECURITY_TOKEN_HEADER]: z.string().openapi({ description: 'securityToken from POST /api/v1/oss/sts-token' }),
});
registry.registerComponent('securitySchemes', 'storageAccessKey', {
  type: 'apiKey',
  in: 'header',
  name: ACCESS_KEY_HEADER,
  description: 'accessKeyId of temporary storage credentials from POST /api/v1/oss/sts-token (STORAGE_PROVIDER=local)',
});
registry.registerComponent('securitySchemes', 'storageSecurityToken', {
  type: 'apiKey',
  in: 'header',
  name: SECURITY_TOKEN_HEADER,
  description: 'securityToken of the same credentials',
});
/** The local object endpoints need both headers of temporary credentials. */
const storageCredentials = [{ storageAccessKey: [], storageSecurityToken: [] }];
const keyParam = z.object({ key: z.string().openapi({ description: "Object key, '/' allowed, inside allowedPrefix" }) });
const listQuery = z.object({
  prefix: z.string().max(1024).optional().openapi({ description: 'Defaults to the allowed prefix' }),
  marker: z.string().max(1024).optional(),
  maxKeys: z.coerce.number().int().min(1).max(1000).default(100),
});
const downloadQuery = z.object({ key: z.string().min(1).max(1024), expires: z.string().min(1).max(20), signature: z.string().min(1).max(200) });
const objectInfo = z.object({ key: z.string(), size: z.number().int(), lastModified: z.string() }).openapi('StoredObject');
const binary = { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } };

registry.registerPath({
  method: 'post',
  path: '/api/v1/oss/sts-token',
  summary:
    "Temporary storage credentials for one tenant's prefix; read-only for viewers. Local: STS_DURATION_SECONDS (1 h), refused within 1 s of suspension, deletion, unbinding or sign-out; cloud STS: 15 min",
  tags: ['storage'],
  security: [{ userBearer: [] }],
  request: { headers: tenantHeader },
  responses: responses(credentialsSchema, [400, 401, 403, 404, 409, 410]),
});
for (const [method, summary] of [
  ['put', 'Uploads an object (raw body) with local STS credentials; refused for read-only credentials'],
  ['get', 'Downloads an object with local STS credentials'],
  ['delete', 'Deletes an object with local STS credentials; refused for read-only credentials'],
] as const) {
  registry.registerPath({
    method,
    path: `${STORAGE_OBJECTS_PATH}/{key}`,
    summary: `${summary} (STORAGE_PROVIDER=local)`,
    tags: ['storage'],
    security: storageCredentials,
    request: { params: keyParam, headers: credentialHeaders, ...(method === 'put' ? { body: { content: binary } } : {}) },
    responses:
      method === 'get'
        ? { 200: { description: 'The object', content: binary }, ...responses(z.unknown(), [401, 403, 404]) }
        : responses(z.object({ key: z.string(), size: z.number().int().optional() }), [400, 401, 403, 404, 413]),
  });
}
registry.registerPath({
  method: 'get',
  path: STORAGE_OBJECTS_PATH,
  summary: 'Lists objects under a prefix inside the allowed prefix, marker paging (STORAGE_PROVIDER=local)',
  tags: ['storage'],
  security: storageCredentials,
  request: { query: listQuery, headers: credentialHeaders },
  responses: responses(z.object({ objects: z.array(objectInfo), nextMarker: z.string().optional() }), [400, 401, 403, 404]),
});
registry.registerPath({
  method: 'get',
  path: '/api/storage/download',
  summary: 'Downloads an object through a signed, expiring URL; no credentials (STORAGE_PROVIDER=local)',
  tags: ['storage'],
  security: [],
  request: { query: downloadQuery },
  responses: { 200: { description: 'The object', content: binary }, ...responses(z.unknown(), [400, 403, 404]) },
});

/**
 * True for requests whose JSON body the app-wide parser should read: object uploads keep their
 * raw bytes whatever their content type.
 */
export function isJsonBody(req: import('node:http').IncomingMessage): boolean {
  if ((req.url ?? '').startsWith(`${STORAGE_OBJECTS_PATH}/`)) return false;
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json';
}

const INLINE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  mp4: 'video/mp4',
  webm: 'video/webm',
  pdf: 'application/pdf',
  txt: 'text/plain; charset=utf-8',
};

/** Sends an object; only known passive types are shown inline, anything else is an attachment. */
function sendObject(res: Response, key: string, body: Buffer): void {
  const ext = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
  const type = INLINE_TYPES[ext];
  const name = key.slice(key.lastIndexOf('/') + 1);
  res.set('Content-Type', type ?? 'application/octet-stream');
  res.set('Content-Disposition', `${type ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(name)}`);
  res.set('Cache-Control', 'private, no-store');
  res.send(body);
}

function objectKey(req: Request): string {
  const raw = (req.params as { key?: string | string[] }).key;
  return Array.isArray(raw) ? raw.join('/') : String(raw ?? '');
}

function creds(req: Request) {
  const c = req.storageCredentials;
  if (!c) throw errors.unauthorized('Storage credentials required');
  return c;
}

/** STS credentials for users, and the local storage endpoints those credentials open. */
export function storageRoutes(ctx: AppContext): Router {
  const router = Router();

  router.post('/api/v1/oss/sts-token', requireUser(ctx), async (req, res) => {
    // Checked here, at the edge, before any lookup (docs/security.md, Identifiers).
    const headers = validate(tenantHeader, { 'x-tenant-code': req.get('x-tenant-code')?.trim() || undefined });
    const tenantCode = requestedTenant(req.user!, headers['x-tenant-code']);
    ok(res, await issueStorageCredentials(ctx, req.user!, tenantCode));
  });

  router.get(STORAGE_OBJECTS_PATH, requireLocalStorage(ctx), requireLocalCredentials(ctx), async (req, res) => {
    ok(res, await listLocalObjects(ctx, creds(req), validate(listQuery, req.query)));
  });

  router.get('/api/storage/download', requireLocalStorage(ctx), async (req, res) => {
    const q = validate(downloadQuery, req.query);
    sendObject(res, q.key, await readSignedDownload(ctx, q));
  });

  const objects = Router();
  objects.use(requireLocalStorage(ctx), requireLocalCredentials(ctx));
  objects.put(
    '/*key',
    express.raw({ type: () => true, limit: ctx.config.STORAGE_MAX_UPLOAD_BYTES }),
    async (req, res) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      ok(res, await putLocalObject(ctx, creds(req), objectKey(req), body, req.get('content-type')));
    },
  );
  objects.get('/*key', async (req, res) => {
    const key = objectKey(req);
    sendObject(res, key, await getLocalObject(ctx, creds(req), key));
  });
  objects.delete('/*key', async (req, res) => {
    ok(res, await deleteLocalObject(ctx, creds(req), objectKey(req)));
  });
  // Mounted as a sub-router: object keys span several path segments, which the OpenAPI
  // document describes as the single parameter {key}.
  router.use(STORAGE_OBJECTS_PATH, objects);
  return router;
}
