// Seeded randomness for the simulator: the same seed must give the same stream, so ids and
// numbers are reproducible in tests and demos. mulberry32 is tiny, fast and good enough here.

/** 32-bit string/number hash (FNV-1a) used to derive independent sub-seeds, e.g. per hour slot. */
export function hash32(...parts: (string | number)[]): number {
  let h = 0x811c9dc5
  for (const p of parts) {
    const s = String(p)
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i)
      h = Math.imul(h, 0x01000193)
    }
    h ^= 0x7c // separator so ('ab','c') differs from ('a','bc')
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export class Rng {
  private s: number
  constructor(seed: number) {
    this.s = seed >>> 0
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }
  uniform(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo)
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<T>(arr: readonly T[]): T {
    return arr[Math.floor(this.next() * arr.length)]
  }
  /** Index drawn with probability proportional to weights[i]. */
  weightedIndex(weights: readonly number[]): number {
    let total = 0
    for (const w of weights) total += w
    let r = this.next() * total
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]
      if (r < 0) return i
    }
    return weights.length - 1
  }
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    return items[this.weightedIndex(weights)]
  }
  /** Standard normal via Box–Muller. */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next()
    const v = this.next()
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }
  /** Log-normal with the given median and spread (sigma of the log): durations are skewed like this. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(this.normal(0, sigma))
  }
  /** Poisson count; Knuth for small means, normal approximation above 60 (hourly volumes). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0
    if (lambda > 60) return Math.max(0, Math.round(this.normal(lambda, Math.sqrt(lambda))))
    const l = Math.exp(-lambda)
    let k = 0
    let p = 1
    do {
      k++
      p *= this.next()
    } while (p > l)
    return k - 1
  }
}

/** Weighted picker with precomputed cumulative weights, for large tables drawn from often. */
export class WeightedTable<T> {
  private cum: number[] = []
  private total = 0
  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    for (const w of weights) this.cum.push((this.total += w))
  }
  draw(rng: Rng): T {
    const r = rng.next() * this.total
    let lo = 0
    let hi = this.cum.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.cum[mid] > r) hi = mid
      else lo = mid + 1
    }
    return this.items[lo]
  }
}
