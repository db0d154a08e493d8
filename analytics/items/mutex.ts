// Serialises work per key within this process: a promise chain per key. `run(keys, fn)` waits until
// every earlier holder of any of the keys is done, then runs fn; the keys are taken all at once, so two
// callers asking for overlapping key sets can never deadlock.
//
// In-process only. Several processes writing items to one ClickHouse server (separate api / worker
// processes) need a distributed lock (e.g. Redis) around the same read-check-write: a later issue.
export class KeyedMutex {
  private tails = new Map<string, Promise<void>>()

  async run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const uniq = [...new Set(keys)]
    const before = uniq.map((k) => this.tails.get(k)).filter((p): p is Promise<void> => p !== undefined)
    let release!: () => void
    const mine = new Promise<void>((r) => { release = r })
    for (const k of uniq) this.tails.set(k, mine)
    try {
      await Promise.all(before) // tails only ever resolve
      return await fn()
    } finally {
      release()
      for (const k of uniq) if (this.tails.get(k) === mine) this.tails.delete(k)
    }
  }

  /** Keys currently held or waited for (tests, diagnostics). */
  get size(): number { return this.tails.size }
}
