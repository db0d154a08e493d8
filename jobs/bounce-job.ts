// Bounce job: per day and category, how many transfers crossed platforms and how many of them sent a
// matter back where it came from (来回转办). A day window is (re)computed when transfer events for
// it were ingested since its last computation — live data, late data and bulk imports of old days
// alike — so a stopped scheduler catches up what it missed and nothing is recomputed needlessly.
// Recomputing a window replaces its rows (ReplacingMergeTree by computed_at).
import type { Db } from '../analytics/clickhouse'
import { queryRows } from '../analytics/clickhouse'
import { TRANSFER_OUT, BOUNCED_BACK, eventsInWindow } from '../analytics/metrics/definitions'
import { chTime } from '../ingest/rows'
import { shanghaiDayStart } from '../analytics/metrics/window'

export const BOUNCE_JOB = 'bounce-daily'
const DAY = 86_400_000
const MAX_CATCH_UP_DAYS = 90

export interface WindowResult { day: string; rows: number; final: boolean }
export interface BounceJobOptions {
  now?: number
  /**
   * An insert that started before a computation may land just after it began and be missed by it;
   * rows ingested this long before a computation's start still make the day count as changed.
   */
  settleMs?: number
}

export async function runBounceJob(db: Db, o: BounceJobOptions = {}): Promise<WindowResult[]> {
  const now = o.now ?? Date.now()
  const settleMs = o.settleMs ?? 60_000
  const since = chTime(shanghaiDayStart(now) - MAX_CATCH_UP_DAYS * DAY)
  const changed = await queryRows<{ d: string; last_in: number }>(db,
    `SELECT toString(toDate(at)) AS d, toUnixTimestamp64Milli(max(ingested_at)) AS last_in
     FROM events WHERE type = 'transfer' AND at >= {since:DateTime64(3, 'Asia/Shanghai')}
     GROUP BY d ORDER BY d`, { since })
  const computed = new Map(
    (await queryRows<{ d: string; at: number }>(db,
      `SELECT toString(toDate(window_start)) AS d, toUnixTimestamp64Milli(max(completed_at)) AS at
       FROM job_windows WHERE job = {job:String} GROUP BY d`, { job: BOUNCE_JOB }))
      .map((r) => [r.d, Number(r.at)]))
  const results: WindowResult[] = []
  for (const { d, last_in } of changed) {
    const prev = computed.get(d)
    if (prev !== undefined && Number(last_in) < prev - settleMs) continue
    const started = Date.now()
    const start = Date.parse(`${d}T00:00:00+08:00`)
    const params = { from: chTime(start), to: chTime(start + DAY) }
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
    // final: the day had ended when computed (informational; late data still triggers a recomputation).
    const final = start + DAY <= started
    await db.insert({
      table: 'job_windows',
      // completed_at holds the computation's start: rows ingested after it are what the next run looks for.
      values: [{ job: BOUNCE_JOB, window_start: `${d} 00:00:00`, window_end: chTime(start + DAY).slice(0, 19), final: final ? 1 : 0, rows: Number(n), completed_at: chTime(started) }],
      format: 'JSONEachRow',
    })
    results.push({ day: d, rows: Number(n), final })
  }
  return results
}
