// 高频争议事项: per unified category × county, the hand-overs that show nobody wants the matter, and
// the time before anyone signs. Raised when disputes are frequent in the window AND recur: a one-day
// blip is not a pattern a consultation meeting should spend time on.
//
// A dispute is a return (退回), a transfer between units, a bounce between the platforms (a matter sent
// back to the platform it came from) or a cross-platform transfer against the routing list (to the
// platform that does not own the category; emergencies excepted). Transfers along the list and
// re-dispatches (which follow returns, or re-handling after a callback) are counted and shown, but are
// not disputes themselves.
//
// A window (of `windowDays` days, ending at w.to) is "disputed" for a category × county when it has at
// least `minDisputes` disputes, on at least `minDisputedRecords` records, and at least `minShare` of
// the group's active records (records with any event in the window) had one. Raised when the current
// window is disputed and at least `recurWindows` of the last `windows` windows were.
import type { Finding } from '../../model/finding'
import { eventsInWindow } from '../../analytics/metrics/definitions'
import {
  type Db, type Window, DAY, DT, DEFAULT_HUB_UNITS, categoryInfo, categoryName, categoryOwners, clip, inline, monthsOf, num,
  recordsQuery, routing, rows, samplesOf, shDay, timeParams, wherePrefix,
} from './common'

export interface DisputedCategoryConfig {
  /** Length of one window in days (1: day windows). */
  windowDays: number
  /** M: how many windows, ending at the detection window's end, are looked at. */
  windows: number
  /** K: in how many of them disputes must have been frequent. */
  recurWindows: number
  /** N: dispute events in one window for it to count as frequent. */
  minDisputes: number
  /** Distinct records with a dispute in one window (two records passed around a lot are not a pattern). */
  minDisputedRecords: number
  /** Share of the group's active records with a dispute, for a window to count (0 disables). */
  minShare: number
  /** Unit codes of the platforms' own desks, not counted as units involved. */
  hubUnits: string[]
}

export const DEFAULT_DISPUTED_CATEGORY: DisputedCategoryConfig = {
  windowDays: 1,
  windows: 7,
  recurWindows: 3,
  minDisputes: 5,
  minDisputedRecords: 3,
  minShare: 0.2,
  hubUnits: DEFAULT_HUB_UNITS,
}

/**
 * Events of [{from}, {to}) from their sending side, with the record's category and county and whether
 * each one is a dispute. Parameters: from, to, cats, owners. `where` (on events' own columns) narrows the
 * events read and the records joined to them, e.g. to the types a dispute can be (DISPUTE_TYPES).
 */
/** The event types a dispute can be of: the evidence reads only these. */
const DISPUTE_TYPES = `('unit_transfer', 'returned', 'transfer')`

function disputeEvents(where = '1'): string {
  return `(SELECT e.platform AS platform, e.record_id AS record_id, e.type AS type, e.at AS at,
      e.from_unit AS from_unit, e.to_unit AS to_unit, e.bounced_back AS bounced,
      ifNull(r.category_code, '') AS category_code, ifNull(r.county_code, '') AS county_code,
      (e.type = 'transfer' AND ifNull(r.category_code, '') != '' AND ifNull(r.urgency, '') != 'emergency'
        AND toString(e.to_platform) != transform(toString(ifNull(r.category_code, '')), {cats:Array(String)}, {owners:Array(String)}, toString(e.to_platform))) AS offlist,
      (e.type IN ('unit_transfer', 'returned') OR (e.type = 'transfer' AND (e.bounced_back = 1 OR offlist))) AS dispute
    FROM ${eventsInWindow(where)} AS e
    LEFT JOIN (SELECT platform AS rp, source_id, category_code, county_code, urgency FROM records FINAL
               WHERE (platform, source_id) IN (SELECT platform, record_id FROM events
                 WHERE ${monthsOf('at', 'from', 'to')} AND at >= {from:${DT}} AND at < {to:${DT}} AND (${where}))) AS r
      ON r.rp = e.platform AND r.source_id = e.record_id
    WHERE e.type IN ('transfer', 'unit_transfer', 'returned', 'redispatched', 'dispatched', 'accepted', 'signed')
      AND (e.type != 'transfer' OR e.platform = e.from_platform))`
}

interface BucketRow {
  category_code: string; county_code: string; b: number
  transfers: number; unit_transfers: number; returns: number; redispatches: number; bounces: number; offlist: number
  disputes: number; disputed_records: number; active_records: number
}

export async function detectDisputedCategories(db: Db, w: Window, cfg: DisputedCategoryConfig = DEFAULT_DISPUTED_CATEGORY): Promise<Finding[]> {
  const len = Math.max(1, Math.round(cfg.windowDays)) * DAY
  const M = Math.max(1, Math.round(cfg.windows))
  // The window ends judged: one per window of `len` when the call spans several (a catch-up run), else
  // w.to alone (one window, or the unfinished one ending now). Every end is judged on its own M
  // windows, from one read of all their buckets: the same findings as one call per window, in order.
  const ends: number[] = []
  const span = w.to - w.from
  if (span > len && span % len === 0) for (let e = w.from + len; e <= w.to; e += len) ends.push(e)
  else ends.push(w.to)
  const from = ends[0] - M * len
  const nb = M + ends.length - 1
  const params = { ...timeParams({ from, to: w.to }), fromMs: from, len, ...categoryOwners() }
  const buckets = await rows<BucketRow>(db,
    `SELECT category_code, county_code, intDiv(toUnixTimestamp64Milli(at) - {fromMs:Int64}, {len:Int64}) AS b,
       countIf(type = 'transfer') AS transfers, countIf(type = 'unit_transfer') AS unit_transfers,
       countIf(type = 'returned') AS returns, countIf(type = 'redispatched') AS redispatches,
       countIf(type = 'transfer' AND bounced = 1) AS bounces, countIf(offlist) AS offlist,
       countIf(dispute) AS disputes, uniqExactIf((platform, record_id), dispute) AS disputed_records,
       uniqExact((platform, record_id)) AS active_records
     FROM ${disputeEvents()}
     GROUP BY category_code, county_code, b
     HAVING b >= 0 AND b < ${nb}`, params)

  const groups = new Map<string, Map<number, BucketRow>>()
  for (const r of buckets) {
    const k = `${r.category_code}|${r.county_code}`
    if (!groups.has(k)) groups.set(k, new Map())
    groups.get(k)!.set(num(r.b), r)
  }
  const disputed = (r: BucketRow | undefined) =>
    !!r && num(r.disputes) >= cfg.minDisputes && num(r.disputed_records) >= cfg.minDisputedRecords
    && num(r.disputed_records) >= cfg.minShare * num(r.active_records)
  const raised: { cat: string; county: string; j: number; cur: BucketRow; active: number; total: number }[] = []
  for (let j = 0; j < ends.length; j++) {
    for (const [k, bs] of groups) {
      const cur = bs.get(j + M - 1)
      if (!disputed(cur)) continue
      let active = 0
      let total = 0
      for (let b = j; b < j + M; b++) {
        const r = bs.get(b)
        if (disputed(r)) active++
        if (r) total += num(r.disputes)
      }
      if (active < cfg.recurWindows) continue
      const [cat, county] = k.split('|')
      raised.push({ cat, county, j, cur: cur!, active, total })
    }
  }
  if (!raised.length) return []
  // (in a stable order: the buckets come in any order)
  raised.sort((a, b) => a.j - b.j || (a.cat < b.cat ? -1 : a.cat > b.cat ? 1 : 0) || (a.county < b.county ? -1 : a.county > b.county ? 1 : 0))

  // Evidence of the raised groups over all the ends' windows, cut per window below: the records with
  // disputes (each dispute's instant and units), and the signing times of records per bucket received.
  const keys = [...new Set(raised.map((r) => `${r.cat}|${r.county}`))]
  const evParams = { ...params, keys }
  const evidence = await rows<{ category_code: string; county_code: string; platform: string; source_id: string; evs: [number, string, string][] }>(db,
    `SELECT category_code, county_code, platform, record_id AS source_id,
       arraySort(x -> x.1, groupArray((toUnixTimestamp64Milli(at), toString(from_unit), toString(to_unit)))) AS evs
     FROM ${disputeEvents(`type IN ${DISPUTE_TYPES}`)}
     WHERE dispute AND concat(category_code, '|', county_code) IN {keys:Array(String)}
     GROUP BY category_code, county_code, platform, record_id`, evParams)
  const signing = await rows<{ category_code: string; county_code: string; b: number; secs: number[]; unsigned: number }>(db,
    `SELECT category_code, county_code, intDiv(toUnixTimestamp64Milli(received_at) - {fromMs:Int64}, {len:Int64}) AS b,
       groupArrayIf(dateDiff('second', coalesce(dispatched_at, accepted_at, received_at), signed_at), signed_at IS NOT NULL) AS secs,
       countIf(signed_at IS NULL AND dispatched_at IS NOT NULL) AS unsigned
     FROM records FINAL
     WHERE ${monthsOf('received_at', 'from', 'to')} AND identity(received_at) >= {from:${DT}} AND identity(received_at) < {to:${DT}}
       AND concat(category_code, '|', county_code) IN {keys:Array(String)}
       AND (dispatched_at IS NOT NULL OR signed_at IS NOT NULL)
     GROUP BY category_code, county_code, b`, evParams)
  const evBy = new Map<string, typeof evidence>()
  for (const e of evidence) {
    const k = `${e.category_code}|${e.county_code}`
    if (!evBy.has(k)) evBy.set(k, [])
    evBy.get(k)!.push(e)
  }

  const hubs = new Set(cfg.hubUnits)
  const unit = M === 1 ? '' : len === DAY ? `近 ${M} 天中 ` : `近 ${M} 个周期中 `
  return raised.map(({ cat, county, j, cur, active, total }) => {
    const end = ends[j]
    const start = end - M * len
    // This window's dispute events per record, most disputes first (then the earliest).
    const ev = (evBy.get(`${cat}|${county}`) ?? []).map((e) => {
      const inWin = e.evs.map(([t, fu, tu]) => [num(t), fu, tu] as const).filter(([t]) => t >= start && t < end)
      return { platform: e.platform, source_id: e.source_id, n: inWin.length, first: inWin[0]?.[0] ?? 0, last: inWin.at(-1)?.[0] ?? 0,
        units: inWin.flatMap(([, fu, tu]) => [fu, tu]).filter((u) => u !== ''), days: inWin.map(([t]) => shDay(t)) }
    }).filter((e) => e.n > 0).sort((a, b) => b.n - a.n || a.first - b.first)
    const signRows = signing.filter((s) => s.category_code === cat && s.county_code === county && num(s.b) >= j && num(s.b) < j + M)
    const secs = signRows.flatMap((s) => s.secs.map(num)).sort((a, b) => a - b)
    const units = [...new Set(ev.flatMap((e) => e.units))].filter((u) => !hubs.has(u)).sort()
    const days = new Map<string, number>()
    for (const e of ev) for (const d of e.days) days.set(d, (days.get(d) ?? 0) + 1)
    const refs = ev.map((e) => ({ platform: e.platform, source_id: e.source_id }))
    const query = inline(
      `SELECT r.platform AS platform, r.source_id AS source_id, r.received_at AS received_at, r.county_code AS county_code,
         r.category_code AS category_code, r.unit_code AS unit_code, r.status AS status, r.signed_at AS signed_at, d.disputes AS disputes
  FROM (SELECT platform, record_id, count() AS disputes FROM ${disputeEvents()}
        WHERE dispute AND category_code = {cat:String} AND county_code = {county:String} GROUP BY platform, record_id) AS d
  JOIN (SELECT * FROM records FINAL) AS r ON r.platform = d.platform AND r.source_id = d.record_id
  ORDER BY d.disputes DESC, r.received_at`, { ...timeParams({ from: start, to: end }), cat, county, cats: [cat || '-'], owners: [categoryInfo(cat)?.owner ?? ''] })
    const counts: Record<string, number> = {
      disputes: num(cur.disputes), disputed_records: num(cur.disputed_records), active_records: num(cur.active_records),
      transfers: num(cur.transfers), unit_transfers: num(cur.unit_transfers), returns: num(cur.returns),
      redispatches: num(cur.redispatches), bounces: num(cur.bounces), offlist_transfers: num(cur.offlist),
      windows_disputed: active, windows: M, disputes_all_windows: total, records: ev.length,
    }
    // quantileExact(0.5) as ClickHouse takes it: the element at ⌊n/2⌋ of the sorted values.
    if (secs.length) counts.median_sign_min = Math.round((secs[Math.floor(secs.length / 2)] / 60) * 10) / 10
    if (signRows.length) counts.unsigned = signRows.reduce((n, s) => n + num(s.unsigned), 0)
    const high = active >= M || num(cur.disputes) >= 3 * cfg.minDisputes
    return {
      kind: 'disputed_category' as const,
      fingerprint: `disputed_category|${cat}|${county}`,
      title: clip(`${wherePrefix(county)}${categoryName(cat)} ${unit}${active} ${len === DAY ? '天' : '个周期'}转办退回频繁（本期争议 ${num(cur.disputes)} 次）`),
      severity: high ? 'high' as const : 'medium' as const,
      county_code: county,
      category_code: cat,
      units,
      first_seen: Math.min(...ev.map((e) => e.first)),
      last_seen: Math.max(...ev.map((e) => e.last)),
      counts,
      series: [...days].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([day, n]) => ({ day, n })),
      samples: samplesOf(refs),
      query: query || recordsQuery(refs),
      ...routing(cat, units),
    }
  })
}
