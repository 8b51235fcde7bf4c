import type { Connection, ResultSetHeader, RowDataPacket } from '@kg/shared';

/**
 * Owner of `tenant_accounts` and `tenant_balance_transactions` in the control plane
 * (docs/ai-billing.md, "How charging stays exact"). The provisioner opens an account; every
 * later change of its balance goes through `applyBalanceChange` here, or (a finished AI call)
 * `logAndCharge` in ai-bridge/call-log.repository.ts, which applies the same rule in one round trip.
 */
export interface TenantAccount {
  balance: number;
  creditLimit: number;
  paymentStatus: string;
  billingCycle: string;
}

export const BALANCE_TX_TYPES = ['charge', 'recharge', 'adjustment'] as const;
export type BalanceTxType = (typeof BALANCE_TX_TYPES)[number];

export interface BalanceTransaction {
  id: number;
  type: BalanceTxType;
  /** Signed decimal string (a charge is negative). */
  amount: string;
  balanceAfter: string;
  reference: string;
  description: string | null;
  createdAt: string;
}

/** The tenant's billing account, or null before the provisioner opened it. */
export async function findTenantAccount(db: Connection, tenantCode: string): Promise<TenantAccount | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT balance, credit_limit, payment_status, billing_cycle FROM tenant_accounts WHERE tenant_id = ?',
    [tenantCode],
  );
  const r = rows[0];
  if (!r) return null;
  return { balance: Number(r.balance), creditLimit: Number(r.credit_limit), paymentStatus: r.payment_status, billingCycle: r.billing_cycle };
}

export interface BalanceChange {
  tenantCode: string;
  type: BalanceTxType;
  /** Signed decimal string; never a float. */
  amount: string;
  reference: string;
  description: string | null;
  createdBy: string | null;
}

/**
 * Moves a balance by `amount` and books the transaction with the balance after it, inside the
 * caller's transaction. The account row is locked by the UPDATE itself, so concurrent changes
 * queue and each sees the previous one's result; the arithmetic is done by MySQL on DECIMALs, and
 * the transaction row takes its `balance_after` from the locked row (INSERT ... SELECT ...
 * RETURNING: two round trips). Answers the balance after, or null when the account does not exist.
 * A reference booked before for the same type raises ER_DUP_ENTRY (the caller's transaction then
 * rolls back). A finished AI call is charged by `logAndCharge` (ai-bridge/call-log.repository.ts)
 * by the same rule, so that it costs one round trip (docs/ai-billing.md).
 */
export async function applyBalanceChange(conn: Connection, c: BalanceChange): Promise<string | null> {
  const [upd] = await conn.query<ResultSetHeader>('UPDATE tenant_accounts SET balance = balance + ? WHERE tenant_id = ?', [c.amount, c.tenantCode]);
  if (upd.affectedRows !== 1) return null;
  const [rows] = await conn.query<RowDataPacket[]>(
    `INSERT INTO tenant_balance_transactions (tenant_id, type, amount, balance_after, reference, description, created_by)
     SELECT tenant_id, ?, ?, balance, ?, ?, ? FROM tenant_accounts WHERE tenant_id = ?
     RETURNING CAST(balance_after AS CHAR) AS b`,
    [c.type, c.amount, c.reference, c.description, c.createdBy, c.tenantCode],
  );
  return String(rows[0]!.b);
}

/** A tenant's transactions, newest first; `beforeId` pages on (older than that id). */
export async function listTransactions(db: Connection, tenantCode: string, limit: number, beforeId?: number): Promise<BalanceTransaction[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, type, CAST(amount AS CHAR) AS amount, CAST(balance_after AS CHAR) AS balance_after, reference, description, created_at
       FROM tenant_balance_transactions WHERE tenant_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    [tenantCode, beforeId ?? Number.MAX_SAFE_INTEGER, limit],
  );
  return rows.map(toTransaction);
}

/** Sets the account's credit limit (a plan change). */
export async function setCreditLimit(conn: Connection, tenantCode: string, creditLimit: string): Promise<void> {
  await conn.query('UPDATE tenant_accounts SET credit_limit = ? WHERE tenant_id = ?', [creditLimit, tenantCode]);
}

/** The transaction booked under this kind and reference (an idempotent retry finds its first booking). */
export async function findTransactionByReference(db: Connection, type: BalanceTxType, reference: string): Promise<(BalanceTransaction & { tenantCode: string }) | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, tenant_id, type, CAST(amount AS CHAR) AS amount, CAST(balance_after AS CHAR) AS balance_after, reference, description, created_at
       FROM tenant_balance_transactions WHERE type = ? AND reference = ?`,
    [type, reference],
  );
  const r = rows[0];
  return r ? { ...toTransaction(r), tenantCode: String(r.tenant_id) } : null;
}

/** A `tenant_balance_transactions` row (amounts selected as CHAR) as the API shows it. */
function toTransaction(r: RowDataPacket): BalanceTransaction {
  return {
    id: Number(r.id),
    type: r.type,
    amount: String(r.amount),
    balanceAfter: String(r.balance_after),
    reference: String(r.reference),
    description: r.description,
    createdAt: (r.created_at as Date).toISOString(),
  };
}

/** Sets the account's payment status from its bills (`normal` or `overdue`); a `suspended` account is left as it is. */
export async function setPaymentStatus(conn: Connection, tenantCode: string, status: 'normal' | 'overdue'): Promise<void> {
  await conn.query("UPDATE tenant_accounts SET payment_status = ? WHERE tenant_id = ? AND payment_status <> 'suspended'", [status, tenantCode]);
}
