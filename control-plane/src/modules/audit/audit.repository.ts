import type { Page, Pool, RowDataPacket } from '@kg/shared';
import { jsonFromColumn } from './audit.chain';

export interface AuditLogView {
  id: number;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  tenantCode: string | null;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  before: unknown;
  after: unknown;
  createdAt: string;
}

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

function toView(r: RowDataPacket): AuditLogView {
  return {
    id: Number(r.id),
    actorType: r.actor_type,
    actorId: r.actor_id,
    actorName: r.actor_name,
    action: r.action,
    tenantCode: r.tenant_code,
    targetType: r.target_type,
    targetId: r.target_id,
    ip: r.ip_address,
    userAgent: r.user_agent,
    requestId: r.request_id,
    before: jsonFromColumn(r.before_data),
    after: jsonFromColumn(r.after_data),
    createdAt: (r.created_at as Date).toISOString(),
  };
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
  return { items: rows.map(toView), total: Number(count!.n), page: f.page, pageSize: f.pageSize };
}
