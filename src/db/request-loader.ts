import DataLoader from 'dataloader';
import { isPromise, type MaybePromise } from '../shared/maybe-promise';

/**
 * A per-request loader: the loads of one tick become one batch (DataLoader schedules them), and a
 * key whose value has arrived is answered synchronously from then on, so a relation already read
 * (primed by a join, or loaded by a sibling field) costs no promise. Like DataLoader, a failed
 * load is not remembered: the next load of that key asks again.
 */
export class RequestLoader<K, V, C = K> {
  private readonly settled = new Map<C, V>();
  private readonly pending = new Map<C, Promise<V>>();
  private readonly batches: DataLoader<K, V, C>;

  constructor(
    batch: DataLoader.BatchLoadFn<K, V>,
    private readonly cacheKeyOf: (key: K) => C = (key) => key as unknown as C,
  ) {
    // Batching only: the two maps above are the cache.
    this.batches = new DataLoader(batch, { cache: false });
  }

  load(key: K): MaybePromise<V> {
    const cacheKey = this.cacheKeyOf(key);
    if (this.settled.has(cacheKey)) return this.settled.get(cacheKey)!;
    const inFlight = this.pending.get(cacheKey);
    if (inFlight) return inFlight;
    const loading: Promise<V> = this.batches.load(key).then(
      (value) => {
        // A key cleared meanwhile (a write changed its row) keeps the newer state.
        if (this.pending.get(cacheKey) === loading) {
          this.pending.delete(cacheKey);
          this.settled.set(cacheKey, value);
        }
        return value;
      },
      (error: unknown) => {
        if (this.pending.get(cacheKey) === loading) this.pending.delete(cacheKey);
        throw error;
      },
    );
    this.pending.set(cacheKey, loading);
    return loading;
  }

  /** Like DataLoader's: each key's value, or the Error its load failed with. */
  async loadMany(keys: readonly K[]): Promise<(V | Error)[]> {
    return Promise.all(
      keys.map((key) => {
        const value = this.load(key);
        return isPromise(value)
          ? value.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))
          : value;
      }),
    );
  }

  /**
   * Records a value another statement read (a join). A key already known keeps its value, and
   * `read` runs only for a new key: a joined row repeats on every row that points at it.
   */
  prime(key: K, read: () => V): this {
    const cacheKey = this.cacheKeyOf(key);
    if (!this.settled.has(cacheKey) && !this.pending.has(cacheKey)) this.settled.set(cacheKey, read());
    return this;
  }

  /** Forgets a key, after a write changed its row. */
  clear(key: K): this {
    const cacheKey = this.cacheKeyOf(key);
    this.settled.delete(cacheKey);
    this.pending.delete(cacheKey);
    return this;
  }
}
