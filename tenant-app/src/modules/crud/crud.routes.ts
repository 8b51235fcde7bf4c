import { Router, type Request } from 'express';
import { errors, ok, pagingSchema, validate } from '@kg/shared';
import { requirePermission } from '../../http/middleware/auth';
import { registry, responses, tenantHeaders, z } from '../../http/openapi';
import type { ListQuery } from './crud.repository';
import { createItem, deleteItem, listItems, requireItem, updateItem } from './crud.service';
import type { ResourceDef } from './resource';

export const idParam = z.object({ id: z.coerce.number().int().positive().openapi({ example: 1 }) });

const ID = /^[1-9]\d{0,15}$/;

/** `:id` of the URL as a positive integer (400 with a field error otherwise). */
export function idOf(req: Request, name = 'id'): number {
  const raw = req.params[name];
  // A plain check on the hot path; zod would compile a schema per call.
  if (typeof raw !== 'string' || !ID.test(raw)) {
    throw errors.validation([{ field: name, message: 'must be a positive integer id' }]);
  }
  return Number(raw);
}

/** The list query schema of a resource: paging, `q` and its filters. */
export function listQuerySchema(def: ResourceDef) {
  const filters: Record<string, z.ZodTypeAny> = {};
  for (const [name, f] of Object.entries(def.filters ?? {})) filters[name] = f.schema.optional();
  return pagingSchema.extend({ q: z.string().trim().min(1).max(100).optional(), ...filters });
}

export type CrudOp = 'list' | 'create' | 'get' | 'update' | 'delete';
const ALL_OPS: CrudOp[] = ['list', 'create', 'get', 'update', 'delete'];

/** Registers the REST paths of a resource in the OpenAPI document. */
function document(def: ResourceDef, ops: CrudOp[]): void {
  const item = def.item;
  const pageSchema = z.object({ items: z.array(item), total: z.number(), page: z.number(), pageSize: z.number() });
  const update = def.update ?? def.create.partial();
  const base = def.path.replace(/:(\w+)/g, '{$1}');
  const parentParams = [...def.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const params = (extra: string[]) => {
    const shape: Record<string, z.ZodTypeAny> = {};
    for (const p of [...parentParams, ...extra]) shape[p] = z.coerce.number().int().positive();
    return Object.keys(shape).length ? { params: z.object(shape) } : {};
  };
  const common = { tags: [def.name], security: [{ userBearer: [] }] };
  if (ops.includes('list')) registry.registerPath({
    ...common,
    method: 'get',
    path: base,
    summary: `List ${def.name} (${def.permission}:read)`,
    request: { headers: tenantHeaders, query: listQuerySchema(def), ...params([]) },
    responses: responses(pageSchema),
  });
  if (ops.includes('create')) registry.registerPath({
    ...common,
    method: 'post',
    path: base,
    summary: `Create a ${def.name} (${def.permission}:write)`,
    request: { headers: tenantHeaders, ...params([]), body: { content: { 'application/json': { schema: def.create } } } },
    responses: responses(item, 201),
  });
  if (ops.includes('get')) registry.registerPath({
    ...common,
    method: 'get',
    path: `${base}/{id}`,
    summary: `One ${def.name} (${def.permission}:read)`,
    request: { headers: tenantHeaders, ...params(['id']) },
    responses: responses(item),
  });
  if (ops.includes('update')) registry.registerPath({
    ...common,
    method: 'put',
    path: `${base}/{id}`,
    summary: `Change a ${def.name}: the fields given are replaced (${def.permission}:write)`,
    request: { headers: tenantHeaders, ...params(['id']), body: { content: { 'application/json': { schema: update } } } },
    responses: responses(item),
  });
  if (ops.includes('delete')) registry.registerPath({
    ...common,
    method: 'delete',
    path: `${base}/{id}`,
    summary: `Delete a ${def.name} (${def.permission}:delete)`,
    request: { headers: tenantHeaders, ...params(['id']) },
    responses: responses(z.object({ id: z.number(), deleted: z.literal(true) })),
  });
}

const documented = new Set<string>();

/**
 * The REST collection of a resource (docs/request-path.md, The API), each route behind its
 * permission. Handlers are thin: validate, call the service with the request's tenant database,
 * answer.
 */
export function crudRoutes(def: ResourceDef, ops: CrudOp[] = ALL_OPS, router: Router = Router()): Router {
  if (!documented.has(def.path)) {
    documented.add(def.path);
    document(def, ops);
  }
  const listSchema = listQuerySchema(def);
  const update = def.update ?? def.create.partial();
  const item = `${def.path}/:id`;
  const can = (action: 'read' | 'write' | 'delete') => requirePermission(def.permission, action);
  if (ops.includes('list')) {
    router.get(def.path, can('read'), async (req, res) => {
      const query = validate(listSchema, req.query) as ListQuery;
      ok(res, await listItems(req.tenantDb!, def, query, { userId: req.auth!.user.id }));
    });
  }
  if (ops.includes('create')) {
    router.post(def.path, can('write'), async (req, res) => {
      const data = validate(def.create, req.body);
      ok(res, await createItem(req.tenantDb!, def, data, { userId: req.auth!.user.id }), 201);
    });
  }
  if (ops.includes('get')) {
    router.get(item, can('read'), async (req, res) => {
      ok(res, await requireItem(req.tenantDb!, def, idOf(req), { userId: req.auth!.user.id }));
    });
  }
  if (ops.includes('update')) {
    router.put(item, can('write'), async (req, res) => {
      const id = idOf(req);
      const data = validate(update, req.body);
      ok(res, await updateItem(req.tenantDb!, def, id, data, { userId: req.auth!.user.id }));
    });
  }
  if (ops.includes('delete')) {
    router.delete(item, can('delete'), async (req, res) => {
      const id = idOf(req);
      await deleteItem(req.tenantDb!, def, id, { userId: req.auth!.user.id });
      ok(res, { id, deleted: true });
    });
  }
  return router;
}
