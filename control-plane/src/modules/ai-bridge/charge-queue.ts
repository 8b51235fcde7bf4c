import type { Logger, Metrics, Pool } from '@kg/shared';
import { logAndCharge, NoBillingAccountError, type CallLogEntry, type Settlement } from './call-log.repository';

/** One finished call to log and charge (`logAndCharge`'s arguments). */
export interface PendingCharge {
  entry: Omit<CallLogEntry, 'status' | 'errorMessage'>;
  charge: { tenantCode: string; description: string; period: string };
  /** The cost in millionths (entry.cost as an integer). */
  micros: number;
  /** Runs once the charge is committed (metrics, the quota notice); never throws into the queue. */
  onSettled?: (s: Settlement) => void;
}

export interface ChargeQueueOptions {
  /** First retry after a failed commit; doubles up to 30 s. */
  retryMs: number;
  /** Attempts before a charge is given up (logged in full at error level so it can be replayed). */
  maxAttempts: number;
}

/**
 * The AI bridge's charges, committed after the answer has gone out (docs/ai-billing.md, "When the
 * charge is committed"). Every finished call is handed over here: its log row and balance change
 * are committed in one transaction (`logAndCharge`), and a commit that fails (database away,
 * deadlock) is retried with backoff until it lands. Retrying is safe because the call's request
 * id is unique: a call already logged is never charged again. A graceful stop waits for what is
 * pending (`close`) before the pool closes; `idle()` lets tests and operators wait for the ledger
 * to be complete.
 */
export class ChargeQueue {
  private readonly inFlight = new Map<Promise<void>, PendingCharge>();
  private readonly timers = new Map<NodeJS.Timeout, { c: PendingCharge; n: number }>();
  private waiting: Array<() => void> = [];
  /** Stopping: retries are made at once. */
  private closing = false;
  /** Stopped: a charge that fails now is given up. */
  private closed = false;
  /** What each tenant's answered calls will cost once committed, so the next call's checks count it. */
  private readonly owed = new Map<string, { micros: number; tokens: number; calls: number }>();
  private readonly requestIds = new Set<string>();
  private readonly pendingGauge;
  private readonly outcomes;

  constructor(
    private readonly db: Pool,
    private readonly logger: Logger,
    metrics: Metrics,
    private readonly opts: ChargeQueueOptions,
  ) {
    const { client, registry } = metrics;
    this.pendingGauge = new client.Gauge({ name: 'ai_charges_pending', help: 'AI calls answered whose charge is not committed yet', registers: [registry] });
    this.outcomes = new client.Counter({
      name: 'ai_charge_attempts_total',
      help: 'Commits of AI charges by outcome (committed, retried, abandoned, no_account)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
  }

  /** Charges not committed yet (in flight or waiting for a retry). */
  get pending(): number {
    return this.inFlight.size + this.timers.size;
  }

  /** Starts committing `c` now; returns at once. */
  submit(c: PendingCharge): void {
    const o = this.owed.get(c.charge.tenantCode) ?? { micros: 0, tokens: 0, calls: 0 };
    o.micros += c.micros;
    o.tokens += c.entry.inputTokens + c.entry.outputTokens;
    o.calls++;
    this.owed.set(c.charge.tenantCode, o);
    this.requestIds.add(c.entry.requestId);
    this.attempt(c, 1);
  }

  /**
   * Cost and tokens of a tenant's calls answered by this instance and not committed yet: the
   * checks before the next call add them to what the database says (docs/ai-billing.md).
   */
  owedBy(tenantCode: string): { micros: number; tokens: number } {
    return this.owed.get(tenantCode) ?? { micros: 0, tokens: 0 };
  }

  /** True while a call with this (tenant-scoped) request id is answered and not committed yet. */
  holds(requestId: string): boolean {
    return this.requestIds.has(requestId);
  }

  /** The charge is committed or given up: it no longer counts as owed. */
  private done(c: PendingCharge): void {
    this.requestIds.delete(c.entry.requestId);
    const o = this.owed.get(c.charge.tenantCode);
    if (!o) return;
    o.micros -= c.micros;
    o.tokens -= c.entry.inputTokens + c.entry.outputTokens;
    if (--o.calls === 0) this.owed.delete(c.charge.tenantCode);
  }

  /** Resolves when every submitted charge is committed or given up. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /**
   * Waits up to `timeoutMs` for pending charges (a retry due later is tried at once), then stops
   * retrying. Answers how many were left uncommitted; each is logged in full.
   */
  async close(timeoutMs: number): Promise<number> {
    this.closing = true;
    for (const [t, { c, n }] of [...this.timers]) {
      clearTimeout(t);
      this.timers.delete(t);
      this.attempt(c, n + 1);
    }
    const started = Date.now();
    while (this.pending > 0 && Date.now() - started < timeoutMs) {
      await Promise.race([this.idle(), new Promise((r) => setTimeout(r, Math.min(200, timeoutMs)))]);
    }
    this.closed = true;
    const left = this.pending;
    for (const c of this.inFlight.values()) {
      this.logger.error({ charge: { ...c.entry, ...c.charge } }, 'AI charge still running at stop; it lands only if its commit completes');
    }
    for (const [t, { c }] of this.timers) {
      clearTimeout(t);
      this.abandon(c, new Error('the control plane stopped before the charge was committed'));
    }
    this.timers.clear();
    this.settleWaiting();
    return left;
  }

  private attempt(c: PendingCharge, n: number): void {
    const run = logAndCharge(this.db, c.entry, c.charge).then(
      (s) => {
        this.done(c);
        this.outcomes.inc({ outcome: 'committed' });
        try {
          c.onSettled?.(s);
        } catch (err) {
          this.logger.warn({ err }, 'after-charge work failed');
        }
      },
      (err) => this.failed(c, n, err),
    );
    this.track(run, c);
  }

  private failed(c: PendingCharge, n: number, err: unknown): void {
    const call = { requestId: c.entry.requestId, tenantCode: c.charge.tenantCode, cost: c.entry.cost };
    if (err instanceof NoBillingAccountError) {
      // The account was removed while the call ran: nothing was written, nothing to retry.
      this.done(c);
      this.outcomes.inc({ outcome: 'no_account' });
      this.logger.warn(call, 'AI call not charged: the tenant has no billing account');
      return;
    }
    if (n >= this.opts.maxAttempts || this.closed) {
      this.abandon(c, err);
      return;
    }
    this.outcomes.inc({ outcome: 'retried' });
    const delay = this.closing ? 50 : Math.min(30_000, this.opts.retryMs * 2 ** (n - 1));
    this.logger.warn({ ...call, attempt: n, retryInMs: delay, err: (err as Error)?.message }, 'AI charge not committed; retrying');
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.attempt(c, n + 1);
      this.settleWaiting();
    }, delay);
    this.timers.set(timer, { c, n });
  }

  /** Gives a charge up, logging everything needed to book it by hand (no prompt, no answer). */
  private abandon(c: PendingCharge, err: unknown): void {
    this.done(c);
    this.outcomes.inc({ outcome: 'abandoned' });
    this.logger.error({ charge: { ...c.entry, ...c.charge }, err: (err as Error)?.message }, 'AI charge given up after retries; book it by hand');
  }

  private track(p: Promise<void>, c: PendingCharge): void {
    this.inFlight.set(p, c);
    this.pendingGauge.set(this.pending);
    void p.finally(() => {
      this.inFlight.delete(p);
      this.pendingGauge.set(this.pending);
      this.settleWaiting();
    });
  }

  private settleWaiting(): void {
    if (this.pending > 0 && !this.closed) return;
    const w = this.waiting;
    this.waiting = [];
    for (const resolve of w) resolve();
  }
}
