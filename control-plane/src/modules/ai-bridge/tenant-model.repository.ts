import type { Connection, ResultSetHeader, RowDataPacket } from '@kg/shared';
import { jsonFromColumn } from '../audit/audit.chain';

/** A tenant's setting for one model (`tenant_ai_model_configs`; the tenant is `tenants.id`). */
export interface TenantModelSetting {
  modelId: number;
  enabled: boolean;
  priority: number;
  parameters: Record<string, unknown> | null;
  dailyCallCap: number | null;
  updatedAt: string;
}

const toSetting = (r: RowDataPacket): TenantModelSetting => ({
  modelId: Number(r.model_id),
  enabled: Number(r.is_enabled) === 1,
  priority: Number(r.priority),
  parameters: jsonFromColumn(r.custom_parameters) as Record<string, unknown> | null,
  dailyCallCap: r.daily_call_cap === null ? null : Number(r.daily_call_cap),
  updatedAt: (r.updated_at as Date).toISOString(),
});

/** Every model setting of a tenant, highest priority first. */
export async function listTenantModelSettings(db: Connection, tenantId: number): Promise<TenantModelSetting[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT * FROM tenant_ai_model_configs WHERE tenant_id = ? ORDER BY priority DESC, model_id',
    [tenantId],
  );
  return rows.map(toSetting);
}

export async function findTenantModelSetting(db: Connection, tenantId: number, modelId: number): Promise<TenantModelSetting | null> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT * FROM tenant_ai_model_configs WHERE tenant_id = ? AND model_id = ? FOR UPDATE', [tenantId, modelId]);
  return rows[0] ? toSetting(rows[0]) : null;
}

/** Creates or replaces a tenant's setting for one model. */
export async function upsertTenantModelSetting(
  conn: Connection,
  tenantId: number,
  s: Omit<TenantModelSetting, 'updatedAt'>,
): Promise<void> {
  await conn.query<ResultSetHeader>(
    `INSERT INTO tenant_ai_model_configs (tenant_id, model_id, is_enabled, priority, custom_parameters, daily_call_cap)
     VALUES (?, ?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE is_enabled = VALUES(is_enabled), priority = VALUES(priority),
       custom_parameters = VALUES(custom_parameters), daily_call_cap = VALUES(daily_call_cap)`,
    [tenantId, s.modelId, s.enabled ? 1 : 0, s.priority, s.parameters === null ? null : JSON.stringify(s.parameters), s.dailyCallCap],
  );
}
