/**
 * A circuit breaker per model (docs/ai-billing.md, "Model choice"): `closed` lets calls through
 * and counts failures in a row; after `failureThreshold` it opens and the model is skipped for
 * `cooldownMs`; then it is half-open and lets one trial call through: success closes it, failure
 * opens it again. State is per process: each instance learns a provider's health from its own calls.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

interface Entry {
  state: BreakerState;
  failures: number;
  openedAt: number;
  trialInFlight: boolean;
}

export class CircuitBreakers {
  private readonly entries = new Map<number, Entry>();

  constructor(
    private readonly failureThreshold: number,
    private readonly cooldownMs: number,
    private readonly onChange: (modelId: number, state: BreakerState) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  private entry(modelId: number): Entry {
    let e = this.entries.get(modelId);
    if (!e) {
      e = { state: 'closed', failures: 0, openedAt: 0, trialInFlight: false };
      this.entries.set(modelId, e);
    }
    return e;
  }

  private set(modelId: number, e: Entry, state: BreakerState) {
    if (e.state !== state) {
      e.state = state;
      this.onChange(modelId, state);
    }
  }

  /** The state now (an open breaker whose cooldown passed reads as half-open). */
  state(modelId: number): BreakerState {
    const e = this.entry(modelId);
    if (e.state === 'open' && this.now() - e.openedAt >= this.cooldownMs) this.set(modelId, e, 'half_open');
    return e.state;
  }

  /** May a call go to this model now? In half-open, only one trial at a time is let through. */
  tryAcquire(modelId: number): boolean {
    const state = this.state(modelId);
    if (state === 'closed') return true;
    if (state === 'open') return false;
    const e = this.entry(modelId);
    if (e.trialInFlight) return false;
    e.trialInFlight = true;
    return true;
  }

  success(modelId: number): void {
    const e = this.entry(modelId);
    e.failures = 0;
    e.trialInFlight = false;
    this.set(modelId, e, 'closed');
  }

  failure(modelId: number): void {
    const e = this.entry(modelId);
    e.trialInFlight = false;
    e.failures++;
    if (e.state === 'half_open' || e.failures >= this.failureThreshold) {
      e.openedAt = this.now();
      this.set(modelId, e, 'open');
    }
  }

  /** A call that was let through but neither succeeded nor failed at the provider (e.g. refused for funds). */
  release(modelId: number): void {
    this.entry(modelId).trialInFlight = false;
  }
}
