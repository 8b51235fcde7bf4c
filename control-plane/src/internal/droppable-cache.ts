/**
 * Answers read from the control database and kept in memory until dropped or `ttlMs` old: the
 * shape of the caches that the tenant-status, tenant-access and ai-config announcements clear
 * (storage credentials, docs/privileges.md; the AI bridge's callers and models,
 * docs/ai-billing.md). A drop also forgets loads under way, since a load that raced with an
 * announcement may have read the state from before it; `ttlMs` 0 keeps nothing. Keys name their
 * parts ending with `|`, so a prefix ending in `|` drops whole parts (`k001|` every user of k001,
 * `k001|1|` user 1 and not user 12).
 */
export class DroppableCache<V> {
  private readonly entries = new Map<string, { value: V; loadedAtMs: number }>();
  private readonly loading = new Map<string, Promise<V>>();
  private epoch = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly opts: {
      maxEntries?: number;
      /**
       * How many times a load is repeated when a drop happened while it ran, so that its answer is
       * not older than the change (0: the answer is returned once and not kept).
       */
      rereads?: number;
    } = {},
  ) {}

  /** The kept value when it is fresh, without waiting (the hot path's check). */
  peek(key: string): V | undefined {
    const entry = this.entries.get(key);
    return entry && Date.now() - entry.loadedAtMs < this.ttlMs ? entry.value : undefined;
  }

  /** The kept value, else `load()` once for every caller asking meanwhile; `keep` decides what is kept. */
  get(key: string, load: () => Promise<V>, keep: (v: V) => boolean = () => true): Promise<V> {
    const entry = this.entries.get(key);
    if (entry && Date.now() - entry.loadedAtMs < this.ttlMs) return Promise.resolve(entry.value);
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(key, load, keep);
      const forget = () => {
        if (this.loading.get(key) === pending) this.loading.delete(key);
      };
      pending.then(forget, forget);
      this.loading.set(key, pending);
    }
    return pending;
  }

  /** Drops the entries whose key starts with `prefix`, or every entry. */
  drop(prefix?: string): void {
    this.epoch++;
    this.loading.clear();
    if (prefix === undefined) return this.entries.clear();
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  private async load(key: string, load: () => Promise<V>, keep: (v: V) => boolean): Promise<V> {
    for (let attempt = 0; ; attempt++) {
      const epoch = this.epoch;
      const value = await load();
      if (epoch === this.epoch) {
        if (this.ttlMs > 0 && keep(value)) {
          if (this.entries.size >= (this.opts.maxEntries ?? 50_000)) this.entries.clear();
          this.entries.set(key, { value, loadedAtMs: Date.now() });
        }
        return value;
      }
      if (attempt >= (this.opts.rereads ?? 0)) return value;
    }
  }
}
