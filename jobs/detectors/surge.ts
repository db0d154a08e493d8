// 话务量激增 (issue 7, 4): records per platform × category × county in a sliding 60-minute window,
// against a seasonal baseline: the same sliding 60 minutes at the same time of the week in each of the
// previous `baselineWeeks` weeks.
//
// Windows judged: the 60 minutes ending at the window's end (for the live window, "now": a burst is
// seen while it builds, whatever the clock hour it started in), and those ending at every
// `stepMin`-minute mark inside the window (a catch-up call over a day judges the whole day).
//
// Test: a count n ≥ `minCount` is a surge when
//  - the baseline is low (mean < `largeBaseline`): Poisson upper tail P(X ≥ n | λ) < `pMax`, with λ the
//    baseline mean floored at `minLambda` — small counts against a usual 1 or 2 are not surges;
//  - the baseline is large: n > median + k · max(MAD × 1.4826, √median, `minScale`) (robust statistics;
//    √median is the Poisson spread, so a steady group is not raised on a few extra records).
// Weeks before the platform's first stored record are left out of the baseline (a new system has no
// past), and a window with fewer than `minBaselineWeeks` weeks of past is not judged. One finding per
// group: its most significant window. Fingerprint `surge|<platform>|<category>|<county>`.
import type { Finding } from '../../model/finding'
import {
  type Db, type Window, DAY, DT, HOUR, MIN, alignStart, categoryName, chTime, clip, inline, monthsOf, num, rangeFinal,
  inStrings, routing, rows, samplesOf, stringsParam, timeParams, wherePrefix,
} from './common'

export interface SurgeConfig {
  /** Weeks of the same time of the week that make the baseline. */
  baselineWeeks: number
  /** Fewer weeks with data than this: the window is not judged. */
  minBaselineWeeks: number
  /** Large baselines: threshold median + k · scale. */
  k: number
  /** Smallest scale (records per hour) for large baselines. */
  minScale: number
  /** Smallest count in the 60 minutes that can be a surge. */
  minCount: number
  /** Low baselines: Poisson upper-tail probability below which a count is a surge. */
  pMax: number
  /** Floor of λ (records per hour) in the Poisson test: a group never seen is not judged against 0. */
  minLambda: number
  /** Baseline mean (records per hour) from which median/MAD is used instead of the Poisson test. */
  largeBaseline: number
  /** Minutes between the ends of the sliding windows judged inside a window (its end is always judged). */
  stepMin: number
  /** Days of daily counts in a finding's series. */
  seriesDays: number
}

export const DEFAULT_SURGE: SurgeConfig = {
  baselineWeeks: 4,
  minBaselineWeeks: 2,
  k: 3,
  minScale: 1,
  minCount: 10,
  pMax: 1e-5,
  minLambda: 0.5,
  largeBaseline: 10,
  stepMin: 5,
  seriesDays: 14,
}

const WEEK = 7 * DAY

export function median(xs: number[]): number {
  if (!xs.length) return 0
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** Median and scaled MAD of a baseline. */
export function robust(xs: number[]): { median: number; mad: number } {
  const med = median(xs)
  return { median: med, mad: 1.4826 * median(xs.map((x) => Math.abs(x - med))) }
}

/** P(X ≥ n) for X ~ Poisson(λ), n ≥ 0 (summed over the lower terms in log space; exact enough for tests at 1e-4…1e-12). */
export function poissonUpper(n: number, lambda: number): number {
  if (n <= 0) return 1
  if (lambda <= 0) return 0
  // Upper tail summed directly: terms from n up, until negligible (stable for small tails).
  let logTerm = -lambda + n * Math.log(lambda) - logFactorial(n)
  let sum = 0
  for (let k = n; k < n + 1000; k++) {
    const t = Math.exp(logTerm)
    sum += t
    if (k > lambda && t < sum * 1e-15) break
    logTerm += Math.log(lambda) - Math.log(k + 1)
  }
  return Math.min(1, sum)
}

function logFactorial(n: number): number {
  let s = 0
  for (let i = 2; i <= n; i++) s += Math.log(i)
  return s
}

interface Judged {
  key: string; end: number; n: number; median: number; mean: number; scale: number; threshold: number
  p: number; score: number; weeks: number; poisson: boolean
}

/** Judges one count against its baseline counts; null when it is no surge. */
export function judgeSurge(n: number, base: number[], cfg: SurgeConfig): Omit<Judged, 'key' | 'end' | 'weeks'> | null {
  if (n < cfg.minCount || base.length < cfg.minBaselineWeeks) return null
  const mean = base.reduce((a, b) => a + b, 0) / base.length
  const { median: med, mad } = robust(base)
  if (mean < cfg.largeBaseline) {
    const lambda = Math.max(mean, cfg.minLambda)
    const p = poissonUpper(n, lambda)
    if (!(p < cfg.pMax)) return null
    // The count at which the tail first drops below pMax: the threshold shown.
    let t = Math.ceil(lambda)
    while (poissonUpper(t, lambda) >= cfg.pMax && t < 10_000) t++
    return { n, median: med, mean, scale: Math.sqrt(lambda), threshold: Math.max(t, cfg.minCount), p, score: -Math.log10(Math.max(p, 1e-300)), poisson: true }
  }
  const scale = Math.max(mad, Math.sqrt(med), cfg.minScale)
  const threshold = med + cfg.k * scale
  if (n <= threshold) return null
  return { n, median: med, mean, scale, threshold, p: 0, score: (n - med) / scale, poisson: false }
}

export async function detectSurges(db: Db, w: Window, cfg: SurgeConfig = DEFAULT_SURGE): Promise<Finding[]> {
  if (w.to <= w.from) return []
  const weeks = Math.max(1, Math.round(cfg.baselineWeeks))
  const step = Math.max(1, Math.round(cfg.stepMin)) * MIN
  // Ends of the sliding 60-minute windows judged: every step mark inside (from, to), and `to`.
  const ends: number[] = []
  for (let e = alignStart(w.from, step) + step; e < w.to; e += step) if (e > w.from) ends.push(e)
  ends.push(w.to)
  const lo = ends[0] - HOUR // the current part read: [lo, to)
  const len = w.to - lo
  const baseFrom = lo - weeks * WEEK
  const params = { ...timeParams({ from: baseFrom, to: w.to, cfrom: lo }), lo: baseFrom, len, week: WEEK, min: Math.max(1, cfg.minCount) }
  // Only sliding hours that can reach minCount are read minute by minute. A window [e − 60 min, e)
  // lies within the clock hours k and k + 1 (k = the hour of e − 60 min), so it holds at most the
  // records of that pair of hours: the pairs with at least minCount records in the current part are
  // found first (each record counts for the pair starting in its hour and the one before), then the
  // per-minute counts of only those pairs' two hours, now and in the same hours of the baseline weeks.
  // The other windows hold fewer than minCount records and are never judged: the same findings as
  // reading every minute of every group, for a fraction of the rows on a large city's catch-up.
  const pairs = await rows<{ g: string; k: number }>(db,
    `SELECT concat(platform, '|', toString(category_code), '|', toString(county_code)) AS g, k, count() AS n
     FROM records FINAL
     ARRAY JOIN [intDiv(toUnixTimestamp64Milli(received_at), 3600000), intDiv(toUnixTimestamp64Milli(received_at), 3600000) - 1] AS k
     WHERE ${rangeFinal('received_at', 'cfrom', 'to')}
     GROUP BY g, k HAVING n >= {min:UInt32}`, params)
  if (!pairs.length) return []
  const candidates = new Map<string, Set<number>>()
  for (const p of pairs) (candidates.get(p.g) ?? candidates.set(p.g, new Set()).get(p.g)!).add(num(p.k))
  // A record at hour h, shifted by i weeks (i = 0 … weeks), is in pair k's two hours when k = h + 168·i or h + 168·i − 1.
  const shifts = Array.from({ length: 2 * (weeks + 1) }, (_, x) => Math.floor(x / 2) * 168 - (x % 2))
  const counts = await rows<{ platform: string; category_code: string; county_code: string; m: number; n: number }>(db,
    `SELECT platform, category_code, county_code, m, count() AS n FROM (
       SELECT DISTINCT platform, source_id, category_code, county_code, m FROM (
         SELECT platform, source_id, toString(category_code) AS category_code, toString(county_code) AS county_code,
           intDiv(toUnixTimestamp64Milli(received_at), 60000) * 60000 AS m, intDiv(toUnixTimestamp64Milli(received_at), 3600000) AS h
         FROM records FINAL
         WHERE ${rangeFinal('received_at', 'from', 'to')}
           AND (toUnixTimestamp64Milli(received_at) - {lo:Int64}) % {week:Int64} < {len:Int64}
           AND concat(platform, '|', toString(category_code), '|', toString(county_code)) IN ${inStrings('groups')})
       ARRAY JOIN {shifts:Array(Int64)} AS d
       WHERE concat(platform, '|', category_code, '|', county_code, '|', toString(h + d)) IN ${inStrings('slots')})
     GROUP BY platform, category_code, county_code, m`,
    { ...params, groups: stringsParam(candidates.keys()), shifts, slots: stringsParam(pairs.map((p) => `${p.g}|${num(p.k)}`)) })
  if (!counts.length) return []
  const starts = new Map((await rows<{ platform: string; first: number }>(db,
    `SELECT platform, toUnixTimestamp64Milli(min(received_at)) AS first FROM records
     WHERE ${monthsOf('received_at', 'from', 'to')} AND received_at >= {from:${DT}} GROUP BY platform`, params))
    .map((r) => [r.platform, num(r.first)]))

  const byGroup = new Map<string, [number, number][]>()
  for (const r of counts) {
    const k = `${r.platform}|${r.category_code}|${r.county_code}`
    const a = byGroup.get(k) ?? byGroup.set(k, []).get(k)!
    a.push([num(r.m), num(r.n)])
  }
  const raised: Judged[] = []
  for (const [key, arr] of byGroup) {
    arr.sort((a, b) => a[0] - b[0])
    // Records in [a, b) from the per-minute counts (a minute counts by its start): prefix sums.
    const cum = [0]
    for (const [, n] of arr) cum.push(cum[cum.length - 1] + n)
    const below = (t: number) => { // minutes before t
      let lo = 0, hi = arr.length
      while (lo < hi) { const mid = (lo + hi) >> 1; if (arr[mid][0] < t) lo = mid + 1; else hi = mid }
      return lo
    }
    const sum = (a: number, b: number) => cum[below(b)] - cum[below(a)]
    const platform = key.split('|')[0]
    const first = alignStart(starts.get(platform) ?? Infinity, HOUR)
    let best: Judged | null = null
    const ks = candidates.get(key)
    for (const e of ends) {
      // Not a candidate pair: fewer than minCount records, and only candidates' minutes were read.
      if (!ks?.has(Math.floor((e - HOUR) / HOUR))) continue
      const n = sum(e - HOUR, e)
      if (n < cfg.minCount) continue
      // A baseline week counts only if the platform had data by the start of its window.
      const base: number[] = []
      for (let i = 1; i <= weeks; i++) if (e - i * WEEK - HOUR >= first) base.push(sum(e - i * WEEK - HOUR, e - i * WEEK))
      const j = judgeSurge(n, base, cfg)
      if (!j) continue
      const cand: Judged = { ...j, key, end: e, weeks: base.length }
      if (!best || cand.score > best.score || (cand.score === best.score && (cand.weeks > best.weeks || (cand.weeks === best.weeks && cand.end > best.end)))) best = cand
    }
    if (best) raised.push(best)
  }
  if (!raised.length) return []

  const out: Finding[] = []
  for (const r of raised) {
    const [platform, cat, county] = r.key.split('|')
    const evParams = { ...timeParams({ from: r.end - HOUR, to: r.end }), platform, cat, county }
    const evidenceSql = `SELECT platform, source_id, received_at, county_code, category_code, unit_code, status
  FROM records FINAL
  WHERE platform = {platform:String} AND category_code = {cat:String} AND county_code = {county:String}
    AND ${rangeFinal('received_at', 'from', 'to')}
  ORDER BY received_at`
    const ev = await rows<{ platform: string; source_id: string; unit_code: string; received_at: string }>(db, evidenceSql, evParams)
    const sFrom = alignStart(w.to, DAY) - (cfg.seriesDays - 1) * DAY
    const series = await rows<{ day: string; n: number }>(db,
      `SELECT toString(toDate(received_at)) AS day, count() AS n FROM records FINAL
       WHERE platform = {platform:String} AND category_code = {cat:String} AND county_code = {county:String}
         AND ${rangeFinal('received_at', 'from', 'to')}
       GROUP BY day ORDER BY day`, { ...timeParams({ from: sFrom, to: w.to }), platform, cat, county })
    const units = [...new Set(ev.map((e) => e.unit_code).filter(Boolean))].sort()
    const span = `${chTime(r.end - HOUR).slice(5, 16)}–${chTime(r.end).slice(11, 16)}`
    const usual = Math.round(r.mean * 10) / 10
    const high = r.poisson ? r.p < cfg.pMax * 1e-4 : r.n >= r.median + 2 * cfg.k * r.scale
    out.push({
      kind: 'surge',
      fingerprint: `surge|${platform}|${cat}|${county}`,
      title: clip(`${wherePrefix(county)}${categoryName(cat)} ${platform} 话务量激增：${span} 一小时 ${r.n} 件（同时段往常 ${usual} 件）`),
      severity: high ? 'high' : 'medium',
      county_code: county,
      category_code: cat,
      units,
      first_seen: ev.length ? Date.parse(ev[0].received_at.replace(' ', 'T') + '+08:00') : r.end - HOUR,
      last_seen: ev.length ? Date.parse(ev.at(-1)!.received_at.replace(' ', 'T') + '+08:00') : r.end,
      counts: {
        records: r.n, baseline_median: Math.round(r.median * 10) / 10, baseline_mean: usual, baseline_scale: Math.round(r.scale * 100) / 100,
        threshold: Math.round(r.threshold * 10) / 10, baseline_weeks: r.weeks, window_start: r.end - HOUR, window_end: r.end,
        ...(r.poisson ? { p_value: Number(r.p.toPrecision(3)) } : {}),
      },
      series: series.map((s) => ({ day: s.day, n: num(s.n) })),
      samples: samplesOf(ev.slice(-20)),
      query: inline(evidenceSql, evParams),
      ...routing(cat, units),
    })
  }
  return out
}
