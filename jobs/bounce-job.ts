// Bounce job: per day and category, how many transfers crossed platforms and how many of them sent a
// matter back where it came from (来回转办), into bounce_daily (migration 006 explains the layout).
//
// A run finds the day windows whose inputs changed since the previous run, however old the day:
//  - a transfer event ingested (new, corrected, deleted) for that day, or that was counted there before;
//  - a record ingested whose transfers out fall on that day (its category may have changed);
//  - a transfer into a record (to_platform, counterpart_id) ingested, now or before the change: it
//    decides whether that record's transfers out, on any day, are bounces.
// "Since the previous run" is an ingested_at high-water mark (job_marks), so runs missed while the
// scheduler was down are caught up, and a day nobody touched is never recomputed.
// Each dirty window is recomputed whole and replaces the previous computation whole.
import type { Db } from '../analytics/clickhouse'
import { queryRows } from '../analytics/clickhouse'
import { TRANSFER_OUT, BOUNCED_BACK, BOUNCE_JOB, eventsInWindow } from '../analytics/metrics/definitions'
import { chTime } from '../ingest/rows'

export { BOUNCE_JOB }
const DAY = 86_400_000
const DT = `DateTime64(3, 'Asia/Shanghai')`
// Windows computed by one statement: a span short enough that the statement reads few partitions.
const CHUNK_SPAN_DAYS = 92

export interface WindowResult { day: string; rows: number; final: boolean }
export interface BounceJobOptions {
  /** Decides only `final` (the day had ended when computed); change detection uses the real clock. */
  now?: number
  /**
   * An insert that started before a run may land just after it began and be missed by it: rows
   * ingested this long before the previous run's start are looked at again.
   */
  settleMs?: number
}

// Run ids must grow per window even for two runs in one millisecond: the latest committed run wins.
let lastRunAt = 0
const nextRunAt = () => (lastRunAt = Math.max(Date.now(), lastRunAt + 1))

/** Days ('YYYY-MM-DD', Shanghai) whose inputs changed at or after `since` (all days with any input when null). */
async function dirtyDays(db: Db, since: number | null): Promise<string[]> {
  if (since === null) {
    const rows = await queryRows<{ d: string }>(db,
      `SELECT DISTINCT toString(d) AS d FROM (
         SELECT toDate(at) AS d FROM events WHERE ${TRANSFER_OUT}
         UNION ALL SELECT day FROM bounce_inputs
         UNION ALL SELECT toDate(window_start) FROM job_windows WHERE job = {job:String}) ORDER BY d`, { job: BOUNCE_JOB })
    return rows.map((r) => r.d)
  }
  // Changed keys are read without FINAL, so deletions (tombstones) and every version count.
  const changedEvents = `(SELECT platform, event_id FROM events WHERE ingested_at >= {since:${DT}})`
  // Changed transfers as they are now, and as the last computation counted them.
  const touched = `(
    SELECT toDate(at) AS d, to_platform AS tp, counterpart_id AS cp FROM events FINAL
      WHERE (platform, event_id) IN ${changedEvents} AND ${TRANSFER_OUT}
    UNION ALL
    SELECT day, to_platform, counterpart_id FROM bounce_inputs FINAL WHERE (platform, event_id) IN ${changedEvents})`
  // Records whose transfers out may have changed category or bounce status. Their days are read
  // without FINAL: an old version's day is at worst recomputed once more.
  const affected = `(
    SELECT tp, cp FROM ${touched} WHERE cp != ''
    UNION ALL
    SELECT platform, source_id FROM records WHERE ingested_at >= {since:${DT}})`
  const rows = await queryRows<{ d: string }>(db,
    `SELECT DISTINCT toString(d) AS d FROM (
       SELECT d FROM ${touched}
       UNION ALL
       SELECT toDate(at) FROM events WHERE ${TRANSFER_OUT} AND (platform, record_id) IN ${affected}) ORDER BY d`,
    { since: chTime(since) })
  return rows.map((r) => r.d)
}

/** Sorted days in groups spanning at most CHUNK_SPAN_DAYS. */
function chunks(days: string[]): string[][] {
  const out: string[][] = []
  for (const d of days) {
    const cur = out.at(-1)
    if (cur && Date.parse(d) - Date.parse(cur[0]) < CHUNK_SPAN_DAYS * DAY) cur.push(d)
    else out.push([d])
  }
  return out
}

/** Recomputes the given days as one run and commits them; returns rows per day. */
async function computeDays(db: Db, days: string[], now: number): Promise<Map<string, number>> {
  const runAt = chTime(nextRunAt())
  const from = Date.parse(`${days[0]}T00:00:00+08:00`)
  const to = Date.parse(`${days.at(-1)}T00:00:00+08:00`) + DAY
  const params = { from: chTime(from), to: chTime(to), days, run: runAt, job: BOUNCE_JOB }
  // Parts must not be pruned by `at` before FINAL, or a stale version whose correction moved
  // elsewhere in the same month would be counted: whole months prune safely (every version of an
  // event lives in the month of its `at`), the exact bounds go through identity(), which index
  // analysis does not use.
  const inDays = `toDate(identity(at)) IN {days:Array(Date)}`
  const inMonths = `toYYYYMM(at) BETWEEN toYYYYMM({from:${DT}}) AND toYYYYMM({to:${DT}} - toIntervalMillisecond(1))`
  await db.command({
    query: `INSERT INTO bounce_runs (day, category_code, transfers, bounces, computed_at)
      SELECT toDate(e.at) AS day, ifNull(r.category_code, '') AS category_code, count() AS transfers,
             countIf(e.bounced) AS bounces, {run:${DT}} AS computed_at
      FROM (SELECT platform, record_id, at, ${BOUNCED_BACK} AS bounced FROM ${eventsInWindow()} WHERE ${TRANSFER_OUT} AND ${inDays}) AS e
      LEFT JOIN (SELECT platform AS rp, source_id, category_code FROM records FINAL
                 WHERE (platform, source_id) IN (SELECT platform, record_id FROM events
                   WHERE at >= {from:${DT}} AND at < {to:${DT}} AND type = 'transfer')) AS r
        ON r.rp = e.platform AND r.source_id = e.record_id
      GROUP BY day, category_code`,
    query_params: params,
  })
  // What this run counted, so a later change to any of these events finds the windows it left.
  await db.command({
    query: `INSERT INTO bounce_inputs (platform, event_id, day, record_id, to_platform, counterpart_id, computed_at)
      SELECT platform, event_id, toDate(at), record_id, to_platform, counterpart_id, {run:${DT}}
      FROM events FINAL WHERE ${inMonths} AND ${inDays} AND ${TRANSFER_OUT}`,
    query_params: params,
  })
  const counts = new Map((await queryRows<{ d: string; n: number }>(db,
    `SELECT toString(day) AS d, count() AS n FROM bounce_runs WHERE day IN {days:Array(Date)} AND computed_at = {run:${DT}} GROUP BY day`,
    params)).map((r) => [r.d, Number(r.n)]))
  // The commit: from here on readers see this run's rows (none, for a day without transfers).
  await db.insert({
    table: 'job_windows',
    values: days.map((d) => {
      const start = Date.parse(`${d}T00:00:00+08:00`)
      return { job: BOUNCE_JOB, window_start: `${d} 00:00:00`, window_end: chTime(start + DAY).slice(0, 19), final: start + DAY <= now ? 1 : 0, rows: counts.get(d) ?? 0, completed_at: runAt }
    }),
    format: 'JSONEachRow',
  })
  await db.command({
    query: `DELETE FROM bounce_runs WHERE day IN {days:Array(Date)} AND computed_at < {run:${DT}}`,
    query_params: params,
  })
  return counts
}

export async function runBounceJob(db: Db, o: BounceJobOptions = {}): Promise<WindowResult[]> {
  const now = o.now ?? Date.now()
  const settleMs = o.settleMs ?? 60_000
  // Taken before looking for changes: whatever is ingested from here on is the next run's business.
  const startedAt = Date.now()
  const [mark] = await queryRows<{ m: number | null }>(db,
    `SELECT if(count() = 0, NULL, toUnixTimestamp64Milli(max(mark))) AS m FROM job_marks WHERE job = {job:String}`, { job: BOUNCE_JOB })
  const since = mark?.m == null ? null : Number(mark.m) - settleMs
  const results: WindowResult[] = []
  for (const days of chunks(await dirtyDays(db, since))) {
    const counts = await computeDays(db, days, now)
    for (const d of days)
      results.push({ day: d, rows: counts.get(d) ?? 0, final: Date.parse(`${d}T00:00:00+08:00`) + DAY <= now })
  }
  // Only a run that computed every dirty window moves the mark; a failed one is repeated whole.
  await db.insert({ table: 'job_marks', values: [{ job: BOUNCE_JOB, mark: chTime(startedAt) }], format: 'JSONEachRow' })
  return results
}
