import type { z } from 'zod';
import type { TenantQueries } from '../../internal/db/tenant-db';

/** A filter of a list endpoint: query parameter -> column, compared by equality or a substring search. */
export interface FilterDef {
  column: string;
  schema: z.ZodTypeAny;
  op?: 'eq' | 'gte' | 'lte';
}

/**
 * A REST collection over one table of the tenant schema (docs/request-path.md, The API): GET list
 * (page, pageSize, filters, q) -> {items,total,page,pageSize}, POST create, GET/PUT/DELETE /:id.
 * Field names are camelCase in the API and snake_case in the table; `fields` maps one to the
 * other and is the only set of columns ever read or written.
 */
export interface ResourceDef {
  /** URL path, e.g. /api/classes. */
  path: string;
  /** Table in the tenant database. */
  table: string;
  /** RBAC resource: the route needs `<permission>:read|write|delete`. */
  permission: string;
  /** OpenAPI tag and schema name stem, e.g. "Class". */
  name: string;
  /** API field -> column, for every column the API exposes (id included). */
  fields: Record<string, string>;
  /** Fields stored as JSON text (parsed on read). */
  jsonFields?: string[];
  /** Fields stored as TINYINT(1) (booleans in the API). */
  boolFields?: string[];
  /** Body of POST; PUT takes the same fields, all optional. */
  create: z.ZodObject<z.ZodRawShape>;
  /** Body of PUT when it differs from create.partial(). */
  update?: z.ZodObject<z.ZodRawShape>;
  /** Response item schema (OpenAPI). */
  item: z.ZodTypeAny;
  filters?: Record<string, FilterDef>;
  /** Columns searched by `q` (LIKE %q%). */
  search?: string[];
  /** ORDER BY of lists (columns of this table only). */
  orderBy?: string;
  /** Fields that reference another table: field -> table, checked to exist in THIS tenant. */
  references?: Record<string, string>;
  /** Values set on insert that clients cannot choose (e.g. created_by from the signed-in user). */
  onCreate?: (ctx: WriteContext) => Record<string, unknown>;
  /**
   * Rows this resource can see at all, e.g. files not deleted, or the signed-in user's own
   * conversations; applied to list, get, update and delete.
   */
  scope?: (ctx: WriteContext) => { where: string; args: unknown[] };
  /** Extra rule checked before insert/update; throw an AppError to refuse. */
  validateWrite?: (db: TenantQueries, data: Record<string, unknown>, ctx: WriteContext & { id?: number }) => Promise<void>;
}

export interface WriteContext {
  /** Tenant-local users.id of the signed-in user. */
  userId: number;
}
