import type { Connection, ResultSetHeader } from 'mysql2/promise';

/**
 * Writes a published notification into a tenant database's `notifications` table, addressed to
 * listed tenant users, exactly as the tenant app's own notifications are stored (target_type
 * `users`, target_user_ids a JSON array), so the staff app shows it with the others. The tenant
 * app owns that table; this is the one function through which another process adds to it
 * (the control plane's quota notices, docs/ai-billing.md, "Limits").
 *
 * `conn` must be connected to the tenant database.
 */
export async function publishTenantNotification(
  conn: Connection,
  n: { title: string; content: string; targetUserIds: number[]; type?: 'system' | 'reminder'; priority?: 'normal' | 'high' },
): Promise<number> {
  const [res] = await conn.query<ResultSetHeader>(
    `INSERT INTO notifications (title, content, type, target_type, target_user_ids, priority, status, published_at)
     VALUES (?, ?, ?, 'users', ?, ?, 'published', CURRENT_TIMESTAMP(3))`,
    [n.title.slice(0, 200), n.content, n.type ?? 'system', JSON.stringify(n.targetUserIds), n.priority ?? 'high'],
  );
  return res.insertId;
}
