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
