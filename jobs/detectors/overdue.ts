// 超期督办 (issue 7, 5): matters still open at the window's end (as_of = w.to) past their due time,
// grouped by handling unit × category; problem orders — re-dispatched `problemRedispatches` or more
// times, or passed through `problemUnits` or more units with no lead unit (nobody signed) — are
// escalated (severity high), overdue or not.
//
// Open as of as_of: received before it, not handed to the other platform, and neither answered nor
// closed by then (a record closed later was still open then; one marked closed or replied without a
// time counts as done). Records received more than `lookbackDays` before as_of are not looked at.
import type { Finding } from '../../model/finding'
import {
  type Db, type Window, DAY, DT, DEFAULT_HUB_UNITS, categoryName, clip, departments, eventKeys, keysIn, monthsOf, num, rangeFinal, recordsQuery,
  routing, rows, samplesOf, seriesOf, timeParams, unitType,
} from './common'

export interface OverdueConfig {
  lookbackDays: number
  /** Overdue records a unit × category needs for a finding (problem orders always raise one). */
  minRecords: number
  /** Re-dispatches (重办/改派) that make a problem order. */
  problemRedispatches: number
  /** Units that, with nobody signed, make a problem order. */
  problemUnits: number
  hubUnits: string[]
}

export const DEFAULT_OVERDUE: OverdueConfig = {
  lookbackDays: 90,
  minRecords: 3,
  problemRedispatches: 3,
  problemUnits: 3,
  hubUnits: DEFAULT_HUB_UNITS,
}

interface Row {
  platform: string; source_id: string; category_code: string; county_code: string; unit_code: string
  received: number; due: number | null; signed: number | null; redispatches: number; units: string[]
}

export async function detectOverdue(db: Db, w: Window, cfg: OverdueConfig = DEFAULT_OVERDUE): Promise<Finding[]> {
  const asOf = w.to
  const params = {
    ...timeParams({ from: asOf - cfg.lookbackDays * DAY, to: asOf }),
    hubs: cfg.hubUnits, red: Math.round(cfg.problemRedispatches), nu: Math.round(cfg.problemUnits),
  }
  const open = `status != 'transferred_out'
        AND NOT ifNull(coalesce(replied_at, closed_at) <= {to:${DT}}, 0)
        AND NOT (status IN ('closed', 'replied') AND coalesce(replied_at, closed_at) IS NULL)`
  const sql = `SELECT r.platform AS platform, r.source_id AS source_id, toString(r.category_code) AS category_code,
       toString(r.county_code) AS county_code, toString(r.unit_code) AS unit_code,
       toUnixTimestamp64Milli(r.received_at) AS received, toUnixTimestamp64Milli(r.due_at) AS due,
       toUnixTimestamp64Milli(r.signed_at) AS signed, ifNull(e.redispatches, 0) AS redispatches, e.units AS units
     FROM (SELECT * FROM records FINAL WHERE ${rangeFinal('received_at', 'from', 'to')} AND ${open} AND ${keysIn('from', 'to', open)}) AS r
     LEFT JOIN (SELECT platform, record_id, countIf(type = 'redispatched') AS redispatches,
                  groupUniqArrayArray(arrayFilter(u -> u != '' AND NOT has({hubs:Array(String)}, u),
                    multiIf(type IN ('dispatched', 'redispatched'), [toString(to_unit)],
                            type = 'unit_transfer', [toString(from_unit), toString(to_unit)],
                            type = 'returned', [toString(from_unit)], []))) AS units
                FROM events FINAL
                WHERE ${rangeFinal('at', 'from', 'to')} AND type IN ('dispatched', 'redispatched', 'unit_transfer', 'returned')
                  -- only open matters' events, by primary key (keys from every version, no FINAL: a
                  -- superset, cheap; FINAL then merges their granules only): the whole lookback's events
                  -- grouped per record took most of a run
                  AND ${eventKeys('from', 'to', `type IN ('dispatched', 'redispatched', 'unit_transfer', 'returned')
                      AND record_id IN (SELECT source_id FROM records
                        WHERE ${monthsOf('received_at', 'from', 'to')} AND received_at >= {from:${DT}} AND received_at < {to:${DT}} AND ${open})`)}
                GROUP BY platform, record_id) AS e
       ON e.platform = r.platform AND e.record_id = r.source_id
     WHERE ifNull(r.due_at < {to:${DT}}, 0)
        OR ifNull(e.redispatches, 0) >= {red:UInt32}
        OR (length(e.units) >= {nu:UInt32} AND ifNull(r.signed_at > {to:${DT}}, 1))
     ORDER BY received`
  const found = await rows<Row>(db, sql, params)
  const problem = (r: Row) =>
    num(r.redispatches) >= cfg.problemRedispatches || ((r.units ?? []).length >= cfg.problemUnits && (r.signed == null || num(r.signed) > asOf))
  const overdue = (r: Row) => r.due != null && num(r.due) < asOf

  const groups = new Map<string, Row[]>()
  for (const r of found) {
    const k = `${r.unit_code}|${r.category_code}`
    if (!groups.has(k)) groups.set(k, [])
    groups.get(k)!.push(r)
  }
  const out: Finding[] = []
  const depts = departments()
  for (const [k, list] of groups) {
    const problems = list.filter(problem)
    const late = list.filter(overdue)
    if (!problems.length && late.length < cfg.minRecords) continue
    const [unit, cat] = [k.slice(0, k.indexOf('|')), k.slice(k.indexOf('|') + 1)]
    const type = unitType(unit)
    const unitLabel = unit ? `${unit}${type && depts[type] ? `（${depts[type]}）` : ''}` : '未派单'
    const counties = new Set(list.map((r) => r.county_code))
    const units = [...new Set([unit, ...list.flatMap((r) => r.units ?? [])].filter(Boolean))].sort()
    const refs = [...problems, ...list.filter((r) => !problems.includes(r))]
    const maxDaysLate = Math.max(0, ...late.map((r) => (asOf - num(r.due)) / DAY))
    out.push({
      kind: 'overdue',
      fingerprint: `overdue|${unit}|${cat}`,
      title: clip(`${unitLabel} ${categoryName(cat)} 超期未办结 ${late.length} 件${problems.length ? `，问题工单 ${problems.length} 件（升级督办）` : ''}`),
      severity: problems.length ? 'high' : late.length >= 3 * cfg.minRecords ? 'medium' : 'low',
      county_code: counties.size === 1 ? list[0].county_code : '',
      category_code: cat,
      units,
      first_seen: Math.min(...list.map((r) => num(r.received))),
      last_seen: Math.max(...list.map((r) => num(r.received))),
      counts: {
        records: list.length, overdue: late.length, problem_orders: problems.length,
        max_days_overdue: Math.round(maxDaysLate * 10) / 10,
        redispatched_3plus: list.filter((r) => num(r.redispatches) >= cfg.problemRedispatches).length,
      },
      series: seriesOf(list.map((r) => num(r.received))),
      samples: samplesOf(refs),
      query: recordsQuery(refs),
      ...routing(cat, units),
    })
  }
  return out
}
