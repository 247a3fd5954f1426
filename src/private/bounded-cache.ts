/**
 * A small cache of the most recently used results of a pure computation, keyed by a string that
 * captures every input. Platform stacks synthesize many clusters that share inputs (the same
 * Corefile, the same options); the result is computed once and its immutable parts shared.
 *
 * Only for results that are never mutated after they are computed: callers copy what they hand
 * out as mutable (arrays, objects). Errors are not cached: a failing input throws every time.
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, V>();

  public constructor(private readonly capacity: number) {}

  /** The cached value for `key`, computed with `compute` on a miss. */
  public get(key: string, compute: () => V): V {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Most recently used last: delete and insert again.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const value = compute();
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    return value;
  }

  /** How many results are cached. */
  public get size(): number {
    return this.entries.size;
  }
}

const STRINGS = new BoundedCache<string>(4096);

/**
 * One shared copy of a string computed the same way for every cluster (`${1}:9100`, ScrapeConfig
 * names, label selectors): a platform app with hundreds of clusters keeps one instead of hundreds.
 */
export function intern(value: string): string {
  return STRINGS.get(value, () => value);
}
