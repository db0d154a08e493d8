// Bounce job: per day and category, how many transfers crossed platforms and how many of them sent a
// matter back where it came from (来回转办). One run recomputes each day window not yet final,
// so missed runs are caught up; recomputing a window replaces its rows (ReplacingMergeTree by computed_at).
import type { Db } from '../analytics/clickhouse'
import { queryRows } from '../analytics/clickhouse'
import { TRANSFER_OUT, BOUNCED_BACK, eventsInWindow } from '../analytics/metrics/definitions'
import { chTime } from '../ingest/rows'
import { shanghaiDayStart } from '../analytics/metrics/window'

export const BOUNCE_JOB = 'bounce-daily'
const DAY = 86_400_000
// Late events still arrive for a day after it ends; a window becomes final one day after its end.
const FINAL_AFTER_MS = DAY
const MAX_CATCH_UP_DAYS = 90

export interface WindowResult { day: string; rows: number; final: boolean }

export async function runBounceJob(db: Db, now = Date.now()): Promise<WindowResult[]> {
  const today = shanghaiDayStart(now)
  const [first] = await queryRows<{ t: number | null }>(db,
    `SELECT toUnixTimestamp64Milli(min(at)) AS t FROM events WHERE type = 'transfer' AND at >= {since:DateTime64(3, 'Asia/Shanghai')}`,
    { since: chTime(today - MAX_CATCH_UP_DAYS * DAY) })
  if (!first || first.t === null || Number(first.t) === 0) return []
  const finals = new Set(
    (await queryRows<{ s: string }>(db, `SELECT toString(window_start) AS s FROM job_windows FINAL WHERE job = {job:String} AND final = 1`, { job: BOUNCE_JOB }))
      .map((r) => r.s))
  const results: WindowResult[] = []
  for (let start = shanghaiDayStart(Number(first.t)); start <= today; start += DAY) {
    const startStr = chTime(start).slice(0, 19)
    if (finals.has(startStr)) continue
    const end = start + DAY
    const params = { from: chTime(start), to: chTime(end) }
    await db.command({
      query: `INSERT INTO bounce_daily (day, category_code, transfers, bounces, computed_at)
        SELECT toDate(e.at) AS day, ifNull(r.category_code, '') AS category_code, count() AS transfers,
               countIf(e.bounced) AS bounces, now64(3) AS computed_at
        FROM (SELECT platform, record_id, at, ${BOUNCED_BACK} AS bounced FROM ${eventsInWindow()} WHERE ${TRANSFER_OUT}) AS e
        LEFT JOIN (SELECT platform AS rp, source_id, category_code FROM records FINAL) AS r ON r.rp = e.platform AND r.source_id = e.record_id
        GROUP BY day, category_code`,
      query_params: params,
    })
    const [{ n }] = await queryRows<{ n: number }>(db,
      `SELECT count() AS n FROM bounce_daily FINAL WHERE day = toDate({from:DateTime64(3, 'Asia/Shanghai')})`, params)
    const final = end + FINAL_AFTER_MS <= now
    await db.insert({
      table: 'job_windows',
      values: [{ job: BOUNCE_JOB, window_start: startStr, window_end: chTime(end).slice(0, 19), final: final ? 1 : 0, rows: Number(n), completed_at: chTime(Date.now()) }],
      format: 'JSONEachRow',
    })
    results.push({ day: startStr.slice(0, 10), rows: Number(n), final })
  }
  return results
}
