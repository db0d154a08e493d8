// The heat index of a hot issue: a documented, explainable score a consultation meeting can recompute
// from the counts shown beside it. Logarithms make each doubling add the same amount, so one very large
// cluster does not hide everything else, and people (distinct callers) weigh more than repeated calls.

export interface HeatParts {
  /** V: appeals, with copies of one text by one caller counted once. */
  volume: number
  /** C: distinct callers (hashed caller keys; an appeal without a key counts as one caller). */
  callers: number
  /** n1, n2: appeals in the first and in the second half of the window. */
  firstHalf: number
  secondHalf: number
  /** S: concentration, 1 − (last − first appeal) / window length, in [0, 1]. */
  concentration: number
  /**
   * L: 110 incidents in the window naming the same entity in the same county (when known), about the
   * same problem (or, when the incident names none, within a day of the appeals; on a road, both), at
   * most V: incidents never outweigh the appeals that make the issue.
   */
  linked110: number
}

export const HEAT_WEIGHTS = { volume: 10, callers: 15, growth: 8, concentration: 5, linked110: 12 } as const

/** The formula in words, published with the answer. */
export const HEAT_FORMULA =
  'heat = 10·ln(1+V) + 15·ln(1+C) + 8·clamp(ln((n2+1)/(n1+1)), −1, 2) + 5·S + 12·ln(1+L); ' +
  'V = appeals (copies of one text by one caller count once), C = distinct callers, n1/n2 = appeals in the first/second half of the window, ' +
  'S = 1 − span/window (concentration in time), L = 110 incidents naming the same entity in the same county and about the same problem (or within a day of the appeals), at most V; rounded to one decimal'

/**
 * heat = 10·ln(1+V) + 15·ln(1+C) + 8·clamp(ln((n2+1)/(n1+1)), −1, 2) + 5·S + 12·ln(1+L)
 *
 * - volume and callers: how many appeals and how many different people; people weigh 1.5× so one
 *   caller's repeated calls do not make a hot issue;
 * - growth: rising issues (more appeals in the second half of the window) rank above fading ones;
 *   clamped so a first appearance does not outweigh the counts;
 * - concentration: the same count within a few days is hotter than spread over the whole window;
 * - linked 110 incidents: the same place also reached the police desk about the same matter, a sign of
 *   escalation; capped at V so a busy place's unrelated incidents cannot make a hot issue of a few appeals.
 *
 * Examples: 3 appeals by 3 callers spread over the whole window, 1 then 2 → 10·ln4 + 15·ln4 + 8·ln1.5 + 0 = 37.9
 * (2 then 1: 31.4); 10 appeals by 8 callers within 3 days of 14, all in the second half, 2 linked 110
 * incidents → 10·ln11 + 15·ln9 + 8·2 + 5·0.79 + 12·ln3 = 90.0.
 */
export function heatIndex(p: HeatParts): number {
  const w = HEAT_WEIGHTS
  const growth = Math.max(-1, Math.min(2, Math.log((p.secondHalf + 1) / (p.firstHalf + 1))))
  const s = Math.max(0, Math.min(1, p.concentration))
  const h = w.volume * Math.log1p(p.volume) + w.callers * Math.log1p(p.callers) + w.growth * growth + w.concentration * s + w.linked110 * Math.log1p(p.linked110)
  return Math.round(h * 10) / 10
}

/** Severity of the consultation item a hot issue becomes, from its heat. */
export function heatSeverity(heat: number): 'low' | 'medium' | 'high' | 'critical' {
  return heat >= 100 ? 'critical' : heat >= 75 ? 'high' : heat >= 50 ? 'medium' : 'low'
}
