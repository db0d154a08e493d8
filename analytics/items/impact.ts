// Did the pattern subside after a decision? Daily volume of the item's category × county (records
// received) and transfers between the platforms of those records, in two windows of the same length:
// before the decision's start date and from it on (up to as_of, at most MAX_DAYS each).
import type { Db } from '../clickhouse'
import { queryRows } from '../clickhouse'
import { scopeSql, type Scope } from '../scope'
import { windowFinal, TRANSFER_OUT } from '../metrics/definitions'
import { windowParams, isoShanghai, shanghaiDayStart } from '../metrics/window'
import type { Item } from './model'

const DAY = 86_400_000
export const MAX_DAYS = 90

export interface ImpactSide {
  from: string
  to: string
  series: { day: string; records: number; transfers: number }[]
  records: number
  transfers: number
  records_per_day: number
  transfers_per_day: number
}

export interface Impact {
  item_id: string
  category_code: string
  county_code: string
  start_date: string
  /** Length of each window in days (0 while the decision is not yet in force at as_of). */
  days: number
  as_of: string
  before: ImpactSide
  after: ImpactSide
  /** after / before per day, null when nothing before */
  change: { records: number | null; transfers: number | null }
  note: string
}

const dayOf = (t: number) => new Date(t + 8 * 3600_000).toISOString().slice(0, 10)

/** null when the item has no decision (nothing to compare). */
export async function itemImpact(db: Db, item: Item, asOf: number, scope: Scope): Promise<Impact | null> {
  if (!item.decision) return null
  const start = Date.parse(`${item.decision.start_date}T00:00:00+08:00`)
  const elapsed = Math.floor((shanghaiDayStart(asOf) + DAY - start) / DAY) // days from start to as_of's day, inclusive
  const days = Math.max(0, Math.min(MAX_DAYS, elapsed))
  const before = { from: start - days * DAY, to: start }
  const after = { from: start, to: start + days * DAY }
  const where = [
    item.category_code ? 'category_code = {category:String}' : '1',
    item.county_code ? 'county_code = {county:String}' : '1',
    scopeSql('county_code', scope),
  ].join(' AND ')
  const params = { ...windowParams({ from: before.from, to: after.to }), category: item.category_code, county: item.county_code }
  const counts = days === 0 ? [] : await queryRows<{ day: string; records: number; transfers: number }>(db, `
    SELECT day, sum(r) AS records, sum(t) AS transfers FROM (
      SELECT toString(toDate(received_at, 'Asia/Shanghai')) AS day, 1 AS r, 0 AS t
      FROM records FINAL WHERE ${windowFinal('received_at')} AND ${where}
      UNION ALL
      SELECT toString(toDate(at, 'Asia/Shanghai')) AS day, 0 AS r, 1 AS t
      FROM events FINAL WHERE ${windowFinal('at')} AND ${TRANSFER_OUT}
        AND (platform, record_id) IN (SELECT platform, source_id FROM records FINAL WHERE ${where})
    ) GROUP BY day ORDER BY day`, params)
  const byDay = new Map(counts.map((c) => [c.day, c]))
  const side = (w: { from: number; to: number }): ImpactSide => {
    const series = []
    for (let t = w.from; t < w.to; t += DAY) {
      const c = byDay.get(dayOf(t))
      series.push({ day: dayOf(t), records: Number(c?.records ?? 0), transfers: Number(c?.transfers ?? 0) })
    }
    const records = series.reduce((s, p) => s + p.records, 0)
    const transfers = series.reduce((s, p) => s + p.transfers, 0)
    const per = (n: number) => (days ? Math.round((n / days) * 100) / 100 : 0)
    return { from: isoShanghai(w.from), to: isoShanghai(w.to), series, records, transfers, records_per_day: per(records), transfers_per_day: per(transfers) }
  }
  const b = side(before)
  const a = side(after)
  const ratio = (x: number, y: number) => (y > 0 ? Math.round((x / y) * 1000) / 1000 : null)
  return {
    item_id: item.id, category_code: item.category_code, county_code: item.county_code, start_date: item.decision.start_date,
    days, as_of: isoShanghai(asOf), before: b, after: a,
    change: { records: ratio(a.records, b.records), transfers: ratio(a.transfers, b.transfers) },
    note: days === 0 ? 'the decision is not in force yet at as_of: nothing to compare'
      : `${days} day(s) from ${item.decision.start_date} against the ${days} day(s) before; the current day counts as far as it has gone`,
  }
}
