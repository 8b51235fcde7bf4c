import { operationLogInsert, type OperationLogEntry } from '@kg/shared';
import type { TenantQueries } from '../../internal/db/tenant-db';

/**
 * The tenant app's writer of the tenant's `operation_logs` (docs/data-ownership.md): one row per
 * successful write of the business API. The control plane appends the staff and role changes
 * with the same shared statement (`operationLogInsert`).
 */
export async function appendOperationLog(db: TenantQueries, entry: OperationLogEntry): Promise<void> {
  const { sql, params } = operationLogInsert(db.t('operation_logs'), entry);
  await db.exec(sql, params);
}
