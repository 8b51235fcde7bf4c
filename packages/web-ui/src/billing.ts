/**
 * Shapes of the billing answers both apps show (docs/ai-billing.md): the ledger's rows and the
 * monthly bills, the same in the operators' and the tenant's API. Amounts are decimal strings.
 */

/** A balance change (charge negative, recharge, adjustment) with the balance after it. */
export interface BalanceTransaction {
  id: number;
  type: 'charge' | 'recharge' | 'adjustment';
  /** Signed decimal string. */
  amount: string;
  balanceAfter: string;
  reference: string;
  description: string | null;
  createdAt: string;
}

/** A monthly bill: base fee plus overage. */
export interface Bill {
  id: number;
  periodStart: string;
  periodEnd: string;
  baseFee: string;
  overageFee: string;
  totalAmount: string;
  status: 'draft' | 'issued' | 'paid' | 'overdue';
  createdAt: string;
}

/** Texts the server writes into `description` for the rows it books itself (docs/ai-billing.md). */
const AI_CHARGE = /^AI (chat|completion|embedding) \((.+)\)$/;
const CARD_RECHARGE = /^Recharge card ([0-9a-f]{1,8})$/;

/**
 * A ledger row's description in the reader's language: the server books AI charges and card
 * recharges with fixed English texts, which this turns into `ledger.aiCharge` / `ledger.cardRecharge`
 * (each app's locale files carry them); an operator's own reason is shown as written.
 */
export function describeTransaction(tx: { type?: BalanceTransaction['type']; description?: string | null }, t: (key: string, params?: Record<string, unknown>) => string): string {
  const d = tx.description ?? '';
  let m: RegExpExecArray | null;
  if (tx.type === 'charge' && (m = AI_CHARGE.exec(d))) return t('ledger.aiCharge', { kind: t(`ledger.callTypes.${m[1]}`), model: m[2] });
  if (tx.type === 'recharge' && (m = CARD_RECHARGE.exec(d))) return t('ledger.cardRecharge', { batch: m[1] });
  return d || '—';
}
