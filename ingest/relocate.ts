// Keeps one live row per source key although rows are partitioned by month of a timestamp the source
// may correct (see analytics/migrations/005_corrections_stay_single.sql for why).
//
// Before a batch is inserted, the keys it carries are looked up in the table. For a key stored in
// another month than the incoming row's:
//   - a stored version newer than the incoming one means the incoming snapshot is stale: it is dropped;
//   - otherwise, once the incoming row is stored, a tombstone (is_deleted = 1, same key, the incoming
//     version) goes into each other month, and FINAL no longer shows the old row.
// Within one batch only the newest snapshot of a key is kept (the last on equal versions).
// A crash between the row and its tombstone leaves the request unacknowledged; its re-send finds
// both months and writes the tombstone then.
import type { Db } from '../analytics/clickhouse'
import { queryRows } from '../analytics/clickhouse'
import type { Prepared } from './batch-writer'

export interface RelocateSpec<Row> {
  table: 'records' | 'events'
  idColumn: 'source_id' | 'event_id'
  timeColumn: 'received_at' | 'at'
  key: (row: Row) => [platform: string, id: string]
  /** 'YYYY-MM-DD hh:mm:ss.sss' in Asia/Shanghai, as the rows carry it. */
  time: (row: Row) => string
  version: (row: Row) => string
  /** The row that hides the stored one in the month whose timestamp is `time`. */
  tombstone: (row: Row, time: string) => Row
}

/** Partition id of toYYYYMM(t) for a 'YYYY-MM-DD …' timestamp. */
export const monthOf = (t: string) => t.slice(0, 4) + t.slice(5, 7)

interface Stored { p: string; id: string; part: string; v: string; t: string }

export function relocator<Row>(db: Db, s: RelocateSpec<Row>): (rows: Row[]) => Promise<Prepared<Row>> {
  return async (rows) => {
    const skip = new Set<number>()
    const newest = new Map<string, number>()
    rows.forEach((r, i) => {
      const k = s.key(r).join('\u0000')
      const j = newest.get(k)
      if (j === undefined) { newest.set(k, i); return }
      if (s.version(r) >= s.version(rows[j])) { skip.add(j); newest.set(k, i) } else skip.add(i)
    })
    const platforms = [...new Set(rows.map((r) => s.key(r)[0]))]
    const ids = [...new Set(rows.map((r) => s.key(r)[1]))]
    const stored = await queryRows<Stored>(db,
      `SELECT platform AS p, ${s.idColumn} AS id, _partition_id AS part, toString(max(version)) AS v, toString(min(${s.timeColumn})) AS t
       FROM ${s.table} WHERE platform IN {platforms:Array(String)} AND ${s.idColumn} IN {ids:Array(String)}
       GROUP BY p, id, part`, { platforms, ids })
    const byKey = new Map<string, Stored[]>()
    for (const x of stored) {
      const k = `${x.p}\u0000${x.id}`
      const list = byKey.get(k)
      if (list) list.push(x)
      else byKey.set(k, [x])
    }
    const tombstones = new Map<number, Row[]>()
    for (const [k, i] of newest) {
      const row = rows[i]
      const elsewhere = (byKey.get(k) ?? []).filter((x) => x.part !== monthOf(s.time(row)))
      if (elsewhere.length === 0) continue
      if (elsewhere.some((x) => x.v > s.version(row))) { skip.add(i); continue }
      tombstones.set(i, elsewhere.map((x) => s.tombstone(row, x.t)))
    }
    return {
      skip,
      after: (stored) => [...tombstones].filter(([i]) => stored[i]).flatMap(([, t]) => t),
    }
  }
}
