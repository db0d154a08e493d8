// Follows one matter across both platforms: the record, its events, and every record linked to it by
// a transfer (counterpart ids in either direction), so an analyst can see where it went and when.
import type { Db } from '../clickhouse'
import { queryRows } from '../clickhouse'
import type { Trace } from '../../model/api'
import { CITY_WIDE, scopeSql, type Scope } from '../scope'

const MAX_RECORDS = 20 // a matter bounced more often than this is shown in part

const recordCols = (title: string) => `platform, source_id, status, toString(received_at) AS received_at, county_code, category_code, kind, ${title}, unit_code,
  toString(dispatched_at) AS dispatched_at, toString(first_response_at) AS first_response_at, toString(arrived_at) AS arrived_at,
  toString(closed_at) AS closed_at, satisfaction_final, toString(version) AS version`
const EVENT_COLS = `platform, event_id, record_id, type, toString(at) AS at, from_platform, to_platform, from_unit, to_unit, counterpart_id`

/**
 * With a region scope, only records of its counties are shown or followed, and only events reported on
 * them: a matter that starts outside the scope is not found (404, as if it did not exist).
 */
export async function traceMatter(db: Db, platform: string, id: string, scope: Scope = CITY_WIDE, o: { confidentialText?: boolean } = {}): Promise<Trace> {
  // A confidential record's title reaches admins only (confidentialText); everyone else sees it empty.
  const RECORD_COLS = recordCols(o.confidentialText ? 'title' : `if(confidential = 1, '', title) AS title`)
  const seen = new Set<string>()
  const queue: [string, string][] = [[platform, id]]
  const records: Trace['records'] = []
  const events = new Map<string, Trace['events'][number]>()
  const missing: string[] = []
  while (queue.length && seen.size < MAX_RECORDS) {
    const [p, rid] = queue.shift()!
    const key = `${p}:${rid}`
    if (seen.has(key)) continue
    seen.add(key)
    const [rec] = await queryRows<Trace['records'][number]>(db,
      `SELECT ${RECORD_COLS} FROM records FINAL WHERE platform = {p:String} AND source_id = {id:String} AND ${scopeSql('county_code', scope)}`, { p, id: rid })
    if (rec) records.push(rec)
    else missing.push(key)
    if (!rec && scope.counties !== 'all') continue // out of scope (or absent): neither shown nor followed
    // Its own events, and transfers on the other platform that name it as their counterpart. Their
    // keys come from the events' by-record projection and transfer_keys (migrations 017, 018), so
    // FINAL merges only their granules: the condition alone made every hop read all of history.
    const evs = await queryRows<Trace['events'][number]>(db,
      `SELECT ${EVENT_COLS} FROM events FINAL
       WHERE ((platform = {p:String} AND record_id = {id:String})
          OR (type = 'transfer' AND to_platform = {p:String} AND counterpart_id = {id:String}))
         AND (platform, event_id) IN (SELECT platform, event_id FROM events WHERE platform = {p:String} AND record_id = {id:String}
           UNION ALL SELECT platform, event_id FROM transfer_keys WHERE to_platform = {p:String} AND counterpart_id = {id:String})
       ORDER BY at`, { p, id: rid })
    for (const e of evs) {
      events.set(`${e.platform}:${e.event_id}`, e)
      if (e.type === 'transfer' && e.counterpart_id) {
        const other = e.platform === p && e.record_id === rid ? [e.to_platform, e.counterpart_id] : [e.platform, e.record_id]
        queue.push(other as [string, string])
      }
    }
  }
  // Scoped: only events reported on records shown (not transfers sent from records outside the scope).
  const shown = new Set(records.map((r) => `${r.platform}:${r.source_id}`))
  if (scope.counties !== 'all') for (const [k, e] of events) if (!shown.has(`${e.platform}:${e.record_id}`)) events.delete(k)
  return {
    records: records.sort((a, b) => a.received_at.localeCompare(b.received_at)),
    events: [...events.values()].sort((a, b) => a.at.localeCompare(b.at)),
    missing,
  }
}
