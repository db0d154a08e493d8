// Reads a window's records from ClickHouse and finds its hot issues (the pure work is in hot-issues.ts).
import type { Db } from '../clickhouse'
import { queryRows } from '../clickhouse'
import { windowFinal } from '../metrics/definitions'
import { windowParams, type TimeWindow } from '../metrics/window'
import { scopeSql, type Scope } from '../scope'
import { findHotIssues, type HotIssue, type HotIssueOptions, type HotRecord } from './hot-issues'

/**
 * Records read per pass at most: segmentation costs ~0.1–1 ms per record, so an unbounded window of a
 * large city would hold the request for minutes. The latest records win (hot issues are about now).
 */
export const MAX_HOT_RECORDS = 200_000

/**
 * The window's records (latest version of each, FINAL, the same window rule as the metrics) in the
 * caller's counties (scopeSql; city-wide callers also get records with no county or the city's code).
 * Confidential records (保密件) are left out: their text reaches admins only, and hot-issue titles
 * are made from the text. Records without any text cannot name an entity and are not read.
 */
export async function readHotRecords(db: Db, w: TimeWindow, scope: Scope, max = MAX_HOT_RECORDS): Promise<HotRecord[]> {
  const rows = await queryRows<Omit<HotRecord, 'received_at'> & { received_ms: number | string }>(db,
    `SELECT platform, source_id, toUnixTimestamp64Milli(received_at) AS received_ms, title, substring(content, 1, 2000) AS content,
            county_code, caller_key, category_code
     FROM records FINAL
     WHERE ${windowFinal('received_at')} AND ${scopeSql('county_code', scope)} AND confidential = 0 AND (title != '' OR content != '')
     ORDER BY received_at DESC, platform, source_id
     LIMIT {max:UInt32}`, { ...windowParams(w), max })
  return rows.map(({ received_ms, ...r }) => ({ ...r, received_at: Number(received_ms) }))
}

/** Hot issues of a window within a scope, ranked by heat. */
export async function queryHotIssues(db: Db, w: TimeWindow, scope: Scope, opts: Omit<HotIssueOptions, 'window'> = {}): Promise<HotIssue[]> {
  return findHotIssues(await readHotRecords(db, w, scope), { ...opts, window: w })
}
