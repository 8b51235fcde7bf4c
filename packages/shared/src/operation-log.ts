/**
 * One row of a tenant's `operation_logs` (docs/staff-app.md, "Audit"): who changed what in the
 * kindergarten, and when. Two processes append to that table: the tenant app for writes of the
 * business API, the control plane for staff and role changes (in the same transaction as the
 * change). Both build the statement here, so the table is written one way.
 */
export interface OperationLogEntry {
  /** Tenant-local user id of the actor (users.id), or null when unknown. */
  userId: number | null;
  /** The collection or area, e.g. `classes`, `staff`, `roles`. */
  module: string;
  /** What happened, e.g. `create`, `update`, `delete`, `staff.disable`. */
  action: string;
  resourceType?: string | null;
  resourceId?: string | number | null;
  description?: string | null;
  before?: unknown;
  after?: unknown;
  status?: 'success' | 'failure';
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

const cut = (s: string | null | undefined, n: number): string | null => (s == null ? null : s.slice(0, n));
const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

/**
 * The INSERT of one operation log row into `table` (a table name the caller vouches for: the
 * tenant app passes its qualified `db.t('operation_logs')`, the control plane the plain name on a
 * connection to the tenant database). Values are bound, never spliced.
 */
export function operationLogInsert(table: string, e: OperationLogEntry): { sql: string; params: unknown[] } {
  return {
    sql: `INSERT INTO ${table} (user_id, module, action, resource_type, resource_id, description, before_data, after_data, status, ip_address, user_agent, request_id)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    params: [
      e.userId,
      cut(e.module, 50),
      cut(e.action, 50),
      cut(e.resourceType ?? null, 50),
      e.resourceId == null ? null : cut(String(e.resourceId), 64),
      cut(e.description ?? null, 500),
      json(e.before),
      json(e.after),
      e.status ?? 'success',
      cut(e.ip ?? null, 45),
      cut(e.userAgent ?? null, 500),
      cut(e.requestId ?? null, 64),
    ],
  };
}
