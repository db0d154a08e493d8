// 话务量激增 (issue 7, 4): records per platform × category × county per hour, against a seasonal baseline:
// the same hour of the week in each of the previous `baselineWeeks` weeks. Robust statistics: the
// baseline's median and its MAD (median absolute deviation, × 1.4826 so it estimates a standard
// deviation, at least `minScale`). An hour surges when its count ≥ `minCount` and > median + k · scale.
//
// Every hour overlapping the window is judged; the hour holding the window's end counts what has
// arrived so far, so a run over a short window ending "now" raises a surge while it builds. Weeks
// before the platform's first stored record are left out of the baseline (a new system has no past),
// and an hour with fewer than `minBaselineWeeks` weeks of past is not judged. One finding per group:
// its hour with the largest excess.
import type { Finding } from '../../model/finding'
import {
  type Db, type Window, DAY, DT, HOUR, alignStart, categoryName, chTime, clip, inline, monthsOf, num, rangeFinal,
  routing, rows, samplesOf, timeParams, wherePrefix,
} from './common'

export interface SurgeConfig {
  /** Weeks of the same hour of the week that make the baseline. */
  baselineWeeks: number
  /** Fewer weeks with data than this: the hour is not judged. */
  minBaselineWeeks: number
  /** Threshold: median + k · scale. */
  k: number
  /** Smallest scale (records per hour), so a flat baseline does not raise on one extra record. */
  minScale: number
  /** Smallest count in the hour that can be a surge. */
  minCount: number
  /** Days of daily counts in a finding's series. */
  seriesDays: number
}

export const DEFAULT_SURGE: SurgeConfig = {
  baselineWeeks: 4,
  minBaselineWeeks: 2,
  k: 3,
  minScale: 1,
  minCount: 8,
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

interface Row { platform: string; category_code: string; county_code: string; h: number; n: number }

export async function detectSurges(db: Db, w: Window, cfg: SurgeConfig = DEFAULT_SURGE): Promise<Finding[]> {
  const weeks = Math.max(1, Math.round(cfg.baselineWeeks))
  const hours: number[] = []
  for (let h = alignStart(w.from, HOUR); h < w.to; h += HOUR) hours.push(h)
  if (!hours.length) return []
  const all = new Set<number>()
  for (const h of hours) for (let i = 0; i <= weeks; i++) all.add(h - i * WEEK)
  const baseFrom = hours[0] - weeks * WEEK
  const params = { ...timeParams({ from: baseFrom, to: w.to, cfrom: hours[0] }), hours: [...all] }
  // Groups with records in the window's hours, then their counts in those hours and the baseline hours.
  const counts = await rows<Row>(db,
    `SELECT platform, toString(category_code) AS category_code, toString(county_code) AS county_code,
       toInt64(toUnixTimestamp(toStartOfHour(received_at))) * 1000 AS h, count() AS n
     FROM records FINAL
     WHERE ${rangeFinal('received_at', 'from', 'to')}
       AND toInt64(toUnixTimestamp(toStartOfHour(received_at))) * 1000 IN {hours:Array(Int64)}
       AND (platform, category_code, county_code) IN (
         SELECT platform, category_code, county_code FROM records FINAL WHERE ${rangeFinal('received_at', 'cfrom', 'to')})
     GROUP BY platform, category_code, county_code, h`, params)
  const starts = new Map((await rows<{ platform: string; first: number }>(db,
    `SELECT platform, toUnixTimestamp64Milli(min(received_at)) AS first FROM records
     WHERE ${monthsOf('received_at', 'from', 'to')} AND received_at >= {from:${DT}} GROUP BY platform`, params))
    .map((r) => [r.platform, num(r.first)]))

  const byGroup = new Map<string, Map<number, number>>()
  for (const r of counts) {
    const k = `${r.platform}|${r.category_code}|${r.county_code}`
    if (!byGroup.has(k)) byGroup.set(k, new Map())
    byGroup.get(k)!.set(num(r.h), num(r.n))
  }
  const raised: { key: string; h: number; n: number; median: number; scale: number; threshold: number; excess: number; weeks: number }[] = []
  for (const [key, m] of byGroup) {
    const platform = key.split('|')[0]
    const first = starts.get(platform) ?? Infinity
    let best: (typeof raised)[number] | null = null
    for (const h of hours) {
      const n = m.get(h) ?? 0
      if (n < cfg.minCount) continue
      // A baseline week counts only if the platform had data by that hour.
      const base: number[] = []
      for (let i = 1; i <= weeks; i++) if (h - i * WEEK >= alignStart(first, HOUR)) base.push(m.get(h - i * WEEK) ?? 0)
      if (base.length < cfg.minBaselineWeeks) continue
      const { median: med, mad } = robust(base)
      const scale = Math.max(mad, cfg.minScale)
      const threshold = med + cfg.k * scale
      if (n <= threshold) continue
      const excess = (n - med) / scale
      if (!best || excess > best.excess) best = { key, h, n, median: med, scale, threshold, excess, weeks: base.length }
    }
    if (best) raised.push(best)
  }
  if (!raised.length) return []

  const out: Finding[] = []
  for (const r of raised) {
    const [platform, cat, county] = r.key.split('|')
    const hourEnd = Math.min(r.h + HOUR, w.to)
    const evParams = { ...timeParams({ from: r.h, to: hourEnd }), platform, cat, county }
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
    const hh = chTime(r.h).slice(5, 13) + ' 时'
    const usual = Math.round(r.median * 10) / 10
    const high = r.n >= r.median + 2 * cfg.k * r.scale
    out.push({
      kind: 'surge',
      fingerprint: `surge|${platform}|${cat}|${county}`,
      title: clip(`${wherePrefix(county)}${categoryName(cat)} ${platform} 话务量激增：${hh} ${r.n} 件（同时段往常 ${usual} 件）`),
      severity: high ? 'high' : 'medium',
      county_code: county,
      category_code: cat,
      units,
      first_seen: ev.length ? Date.parse(ev[0].received_at.replace(' ', 'T') + '+08:00') : r.h,
      last_seen: ev.length ? Date.parse(ev.at(-1)!.received_at.replace(' ', 'T') + '+08:00') : hourEnd,
      counts: { records: r.n, baseline_median: usual, baseline_scale: Math.round(r.scale * 100) / 100, threshold: Math.round(r.threshold * 10) / 10, baseline_weeks: r.weeks, hour_start: r.h },
      series: series.map((s) => ({ day: s.day, n: num(s.n) })),
      samples: samplesOf(ev.slice(-20)),
      query: inline(evidenceSql, evParams),
      ...routing(cat, units),
    })
  }
  return out
}
