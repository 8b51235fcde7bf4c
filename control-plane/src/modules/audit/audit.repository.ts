import type { Page, Pool, RowDataPacket } from '@kg/shared';
import { recordFromRow, type AuditRecord } from './audit.chain';

/** One audit row as the console lists it: the record exactly as it was hashed. */
export type AuditLogView = AuditRecord;

export interface AuditLogFilter {
  page: number;
  pageSize: number;
  tenantCode?: string;
  action?: string;
  /** Matches the actor's name or id. */
  actor?: string;
  targetType?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
}

/** Audit rows, newest first, filtered and paged. `action` ending in `*` matches a prefix. */
export async function listAuditLogs(db: Pool, f: AuditLogFilter): Promise<Page<AuditLogView>> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.tenantCode) {
    where.push('tenant_code = ?');
    args.push(f.tenantCode);
  }
  if (f.action) {
    if (f.action.endsWith('*')) {
      where.push("action LIKE CONCAT(?, '%')");
      args.push(f.action.slice(0, -1).replace(/[\\%_]/g, (c) => '\\' + c));
    } else {
      where.push('action = ?');
      args.push(f.action);
    }
  }
  if (f.actor) {
    where.push('(actor_name = ? OR actor_id = ?)');
    args.push(f.actor, f.actor);
  }
  if (f.targetType) {
    where.push('target_type = ?');
    args.push(f.targetType);
  }
  if (f.targetId) {
    where.push('target_id = ?');
    args.push(f.targetId);
  }
  if (f.from) {
    where.push('created_at >= ?');
    args.push(f.from);
  }
  if (f.to) {
    where.push('created_at < ?');
    args.push(f.to);
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const [[count]] = await db.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM audit_logs ${clause}`, args);
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT * FROM audit_logs ${clause} ORDER BY id DESC LIMIT ? OFFSET ?`,
    [...args, f.pageSize, (f.page - 1) * f.pageSize],
  );
  return { items: rows.map(recordFromRow), total: Number(count!.n), page: f.page, pageSize: f.pageSize };
}
