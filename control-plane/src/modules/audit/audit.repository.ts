import type { Connection, Page, Pool, PoolConnection, RowDataPacket } from '@kg/shared';
import { jsonForColumn, recordFromRow, type AuditRecord } from './audit.chain';

/**
 * The control plane's one owner of `audit_logs` and `audit_chain_head` (docs/data-ownership.md).
 * Rows are append-only (triggers refuse UPDATE and DELETE); the chain head holds the last id and
 * hash so appends from every instance are serialised on its row lock (docs/control-plane.md,
 * "Audit chain").
 */

export interface ChainHead {
  lastId: number;
  lastHash: string;
}

function toHead(rows: RowDataPacket[]): ChainHead | null {
  return rows[0] ? { lastId: Number(rows[0].last_id), lastHash: String(rows[0].last_hash) } : null;
}

/** The chain head, locked until the caller's transaction ends; null when the row is missing. */
export async function lockChainHead(conn: Connection): Promise<ChainHead | null> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE');
  return toHead(rows);
}

/** The chain head as committed now (no lock); null when the row is missing. */
export async function readChainHead(db: Pool): Promise<ChainHead | null> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1');
  return toHead(rows);
}

/** The stored hash of one audit row, or null when there is no row with that id. */
export async function findChainHash(db: Pool, id: number): Promise<string | null> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT hash FROM audit_logs WHERE id = ?', [id]);
  return rows[0] ? String(rows[0].hash) : null;
}

/** Appends one hashed record and moves the chain head to it. Call under lockChainHead. */
export async function appendChainRow(
  conn: Connection,
  row: { record: AuditRecord; createdAt: Date; prevHash: string; hash: string },
): Promise<void> {
  const { record } = row;
  await conn.query(
    `INSERT INTO audit_logs
       (id, actor_type, actor_id, actor_name, action, tenant_code, target_type, target_id,
        ip_address, user_agent, request_id, client_request_id, before_data, after_data, created_at, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      record.id,
      record.actorType,
      record.actorId,
      record.actorName,
      record.action,
      record.tenantCode,
      record.targetType,
      record.targetId,
      record.ip,
      record.userAgent,
      record.requestId,
      record.clientRequestId,
      jsonForColumn(record.before),
      jsonForColumn(record.after),
      row.createdAt,
      row.prevHash,
      row.hash,
    ],
  );
  await conn.query('UPDATE audit_chain_head SET last_id = ?, last_hash = ? WHERE id = 1', [record.id, row.hash]);
}

/** A stored audit row: the record as hashed, and the hashes stored with it. */
export interface StoredAuditRow {
  record: AuditRecord;
  prevHash: string;
  hash: string;
}

/** A read-only view of the whole chain at one instant, for verification. */
export interface ChainSnapshot {
  head: ChainHead | null;
  /** Up to `limit` rows after `afterId`, in id order. */
  rowsAfter(afterId: number, limit: number): Promise<StoredAuditRow[]>;
}

/**
 * Runs `fn` over one consistent, read-only snapshot of the chain, so rows appended meanwhile
 * are not seen halfway.
 */
export async function withChainSnapshot<T>(db: Pool, fn: (snapshot: ChainSnapshot) => Promise<T>): Promise<T> {
  const conn: PoolConnection = await db.getConnection();
  try {
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const [heads] = await conn.query<RowDataPacket[]>('SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1');
    return await fn({
      head: toHead(heads),
      rowsAfter: async (afterId, limit) => {
        const [rows] = await conn.query<RowDataPacket[]>('SELECT * FROM audit_logs WHERE id > ? ORDER BY id LIMIT ?', [afterId, limit]);
        return rows.map((r) => ({ record: recordFromRow(r), prevHash: String(r.prev_hash), hash: String(r.hash) }));
      },
    });
  } finally {
    await conn.query('ROLLBACK').catch(() => undefined);
    conn.release();
  }
}

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
