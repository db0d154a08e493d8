// Caller phone numbers: mostly one-off callers, plus a fixed pool of repeat callers (a few call
// very often) so repeat-appeal and repeat-alarm indicators have something to find.
import { Rng, hash32 } from './random'

const PREFIXES = ['130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '155', '156', '157', '158', '159', '166', '173', '176', '177', '180', '181', '182', '183', '185', '186', '187', '188', '189', '191', '198', '199']

export function randomMobile(rng: Rng): string {
  let s = rng.pick(PREFIXES)
  for (let i = 0; i < 8; i++) s += String(rng.int(0, 9))
  return s
}

export class PhonePool {
  private pool: string[]
  private cum: number[] = []
  constructor(
    seed: number,
    size: number,
    /** Share of calls made by the repeat-caller pool. */
    private repeatShare = 0.12,
  ) {
    const rng = new Rng(hash32(seed, 'phones'))
    this.pool = Array.from({ length: Math.max(20, Math.round(size)) }, () => randomMobile(rng))
    // Zipf-like: caller i calls with weight 1/(i+1)^0.8, so the first few are persistent callers.
    let t = 0
    for (let i = 0; i < this.pool.length; i++) this.cum.push((t += (i + 1) ** -0.8))
  }
  draw(rng: Rng): string {
    if (!rng.chance(this.repeatShare)) return randomMobile(rng)
    const r = rng.next() * this.cum[this.cum.length - 1]
    const i = this.cum.findIndex((c) => c > r)
    return this.pool[i < 0 ? this.pool.length - 1 : i]
  }
}
