import { LRUCache } from 'lru-cache';

interface Entry<V> {
  value: V;
  loadedAt: number;
  ttl: number;
}

export interface RefreshingCacheOptions<V, C> {
  max: number;
  /** Age after which an entry is refreshed (with ±20% jitter so entries loaded together do not expire together). */
  ttlMs: number;
  load: (key: string, context: C) => Promise<V>;
}

/**
 * An LRU of values loaded on demand, refreshed ahead of use: a hit younger than the TTL is
 * answered synchronously; an entry between one and two TTLs old is answered at once while one
 * background load refreshes it (stale-while-revalidate); older or missing entries wait for the
 * load. Concurrent loads of a key are shared. `delete()` wins over a load already in flight, so
 * an invalidation is never undone by an answer read before it.
 */
export class RefreshingCache<V, C = undefined> {
  private readonly lru: LRUCache<string, Entry<V>>;
  private readonly inflight = new Map<string, Promise<V>>();
  private readonly generation = new Map<string, number>();
  private epoch = 0;

  constructor(private readonly opts: RefreshingCacheOptions<V, C>) {
    this.lru = new LRUCache<string, Entry<V>>({ max: opts.max });
  }

  /** The value if it can be answered without waiting (fresh, or stale with a refresh started). */
  peek(key: string, context: C): V | undefined {
    const e = this.lru.get(key);
    if (!e) return undefined;
    const age = Date.now() - e.loadedAt;
    if (age < e.ttl) return e.value;
    if (age < 2 * e.ttl) {
      void this.load(key, context).catch(() => undefined);
      return e.value;
    }
    return undefined;
  }

  async get(key: string, context: C): Promise<V> {
    const hit = this.peek(key, context);
    if (hit !== undefined) return hit;
    return this.load(key, context);
  }

  delete(key: string): void {
    this.lru.delete(key);
    this.inflight.delete(key);
    this.generation.set(key, (this.generation.get(key) ?? 0) + 1);
  }

  clear(): void {
    this.lru.clear();
    this.inflight.clear();
    this.generation.clear();
    this.epoch++;
  }

  keys(): string[] {
    return [...this.lru.keys()];
  }

  get size(): number {
    return this.lru.size;
  }

  private load(key: string, context: C): Promise<V> {
    const running = this.inflight.get(key);
    if (running) return running;
    const gen = this.generation.get(key) ?? 0;
    const epoch = this.epoch;
    const p = this.opts.load(key, context).then(
      (value) => {
        // Only store what was read after the last invalidation of this key.
        if (this.inflight.get(key) === p) this.inflight.delete(key);
        if (epoch === this.epoch && (this.generation.get(key) ?? 0) === gen) {
          const jitter = 0.8 + Math.random() * 0.4;
          this.lru.set(key, { value, loadedAt: Date.now(), ttl: Math.max(1, this.opts.ttlMs * jitter) });
          if (gen === 0) this.generation.delete(key);
        }
        return value;
      },
      (err: unknown) => {
        if (this.inflight.get(key) === p) this.inflight.delete(key);
        throw err;
      },
    );
    this.inflight.set(key, p);
    return p;
  }
}
