// Every wall display polls the same few URLs every few seconds. Identical requests within a short
// time share one computation (and one in flight), so N screens cost ClickHouse what one does.
export class SharedCache {
  private readonly entries = new Map<string, { at: number; value: Promise<unknown> }>()

  constructor(private readonly ttlMs: number, private readonly maxEntries = 500) {}

  get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const now = Date.now()
    const hit = this.entries.get(key)
    if (hit && now - hit.at < this.ttlMs) return hit.value as Promise<T>
    const value = compute()
    // A failure is not remembered: the next request tries again.
    value.catch(() => { if (this.entries.get(key)?.value === value) this.entries.delete(key) })
    this.entries.set(key, { at: now, value })
    if (this.entries.size > this.maxEntries) {
      for (const [k, e] of this.entries) if (now - e.at >= this.ttlMs) this.entries.delete(k)
      // Still full of fresh keys (many distinct windows): drop the oldest.
      while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
    }
    return value
  }
}
