// Text similarity for clustering and for spotting copies. Character bigrams need no segmentation and
// are robust to the small edits people make when they copy and re-post an appeal (a name variant, a
// changed date, a greeting added): a copy keeps most bigrams, a different story shares few.
import { cleanText } from './segment'

/** Texts compared on their first characters: copies share their opening; long bodies only add cost. */
const SIM_CHARS = 400

/** Character bigrams of the Chinese letters, Latin words and digits in the text (punctuation ignored). */
export function bigrams(text: string): Set<string> {
  const t = cleanText(text, SIM_CHARS * 2).replace(/[^\u4e00-\u9fa5A-Za-z0-9]/g, '').toLowerCase().slice(0, SIM_CHARS)
  const out = new Set<string>()
  for (let i = 0; i + 1 < t.length; i++) out.add(t.slice(i, i + 2))
  if (t.length === 1) out.add(t)
  return out
}

/** Jaccard similarity of two bigram sets: |A∩B| / |A∪B|, 0 for two empty texts. */
export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0
  const [small, large] = a.size <= b.size ? [a, b] : [b, a]
  let inter = 0
  for (const x of small) if (large.has(x)) inter++
  return inter / (a.size + b.size - inter)
}

/**
 * jaccard(a, b) >= t, skipping the count when the sizes alone rule it out (|A∩B|/|A∪B| ≤ min/max):
 * most pairs compared are of very different lengths.
 */
export function similarAtLeast(a: Set<string>, b: Set<string>, t: number): boolean {
  const lo = Math.min(a.size, b.size), hi = Math.max(a.size, b.size)
  if (hi === 0 || lo / hi < t) return false
  return jaccard(a, b) >= t
}

/** Two appeals at or above this similarity are copies of one text (re-posts, or one text shared by several people). */
export const COPY_THRESHOLD = 0.7
/** Appeals about one entity at or above this similarity are about one matter even without a lexicon problem. */
export const TOPIC_THRESHOLD = 0.25

/** Union–find over indices 0..n-1. */
export class UnionFind {
  private readonly p: number[]
  constructor(n: number) { this.p = Array.from({ length: n }, (_, i) => i) }
  find(i: number): number {
    while (this.p[i] !== i) { this.p[i] = this.p[this.p[i]]; i = this.p[i] }
    return i
  }
  union(a: number, b: number) {
    const ra = this.find(a), rb = this.find(b)
    // The smaller index is the root: groups come out the same whatever order pairs are joined in.
    if (ra !== rb) { if (ra < rb) this.p[rb] = ra; else this.p[ra] = rb }
  }
}
