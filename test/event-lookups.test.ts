// The events' lookups by record (projection by_record, migration 017) and by transfer counterpart
// (transfer_keys, migration 018): reads that find keys there must give what a read of everything
// gives, corrections and deletions included, and ClickHouse must actually use them.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestApp, post, ndjson, type TestApp } from './helpers/app'
import { record, transfer, testNow } from './helpers/fixtures'
import type { RecordInput, EventInput } from '../model/record'
import { queryRows } from '../analytics/clickhouse'
import { traceMatter } from '../analytics/metrics/trace'
import { MetricsQueries } from '../analytics/metrics/queries'
import { CANONICAL_PARAMS } from '../analytics/metrics/versions'

const HOUR = 3_600_000, DAY = 86_400_000
const T = testNow()
const iso = (ms: number) => new Date(ms + 8 * HOUR).toISOString().replace('Z', '+08:00')
const base = Math.floor((T + 8 * HOUR) / DAY) * DAY - 8 * HOUR - 12 * DAY // a Shanghai midnight 12 days back

let app: TestApp
beforeAll(async () => { app = await startTestApp() })
afterAll(async () => { await app?.stop() })

async function store(records: RecordInput[], events: EventInput[] = []) {
  if (records.length) expect((await post(app, 'records', ndjson(records))).body.rejected).toBe(0)
  if (events.length) expect((await post(app, 'events', ndjson(events))).body.rejected).toBe(0)
}
const rec = (id: string, platform: '12345' | '110', t: number) =>
  record({ source_id: id, platform, kind: platform === '110' ? 'assistance' : 'complaint', received_at: iso(t), updated_at: iso(t), caller_phone: null })

describe('transfer_keys', () => {
  it('holds every version of a transfer by its counterpart; readers judge the latest version', async () => {
    await store([rec('LK-G1', '12345', base), rec('LK-J1', '110', base + HOUR), rec('LK-J2', '110', base + HOUR)],
      [transfer('LK-E1', '12345', 'LK-G1', '110', 'LK-J1', iso(base + 2 * HOUR))])
    // corrected: the transfer named the wrong incident
    await store([], [{ ...transfer('LK-E1', '12345', 'LK-G1', '110', 'LK-J2', iso(base + 2 * HOUR)), updated_at: iso(base + 3 * HOUR) } as EventInput])
    const keys = await queryRows<{ counterpart_id: string }>(app.db,
      `SELECT DISTINCT counterpart_id FROM transfer_keys WHERE platform = '12345' AND event_id = 'LK-E1' ORDER BY counterpart_id`)
    expect(keys.map((k) => k.counterpart_id)).toEqual(['LK-J1', 'LK-J2'])
    // The trace of each incident follows the transfer only where its latest version points.
    const t1 = await traceMatter(app.db, '110', 'LK-J1')
    expect(t1.records.map((r) => r.source_id)).toEqual(['LK-J1'])
    expect(t1.events.map((e) => e.event_id)).toEqual([])
    const t2 = await traceMatter(app.db, '110', 'LK-J2')
    expect(t2.records.map((r) => r.source_id).sort()).toEqual(['LK-G1', 'LK-J2'])
    expect(t2.events.map((e) => e.event_id)).toEqual(['LK-E1'])
  })

  it('a bounce is counted by the latest version of the transfer that brought the record in', async () => {
    // J3 arrives from G3 by transfer and is sent back: a bounce — until the transfer in is corrected
    // to name another incident, after which J3 never arrived by transfer.
    const t0 = base + DAY
    await store([rec('LK-G3', '12345', t0), rec('LK-J3', '110', t0 + HOUR), rec('LK-J4', '110', t0 + HOUR)],
      [transfer('LK-E3', '12345', 'LK-G3', '110', 'LK-J3', iso(t0 + 2 * HOUR)), transfer('LK-E4', '110', 'LK-J3', '12345', 'LK-G3', iso(t0 + 3 * HOUR))])
    // (the metrics themselves, not the API: its answers are cached for two seconds)
    const q = new MetricsQueries(app.db, CANONICAL_PARAMS)
    const bounces = async () => (await q.overview({ from: t0, to: t0 + DAY }, 'day', undefined, T)).metrics.bounce_transfers.value
    expect(await bounces()).toBe(1)
    await store([], [{ ...transfer('LK-E3', '12345', 'LK-G3', '110', 'LK-J4', iso(t0 + 2 * HOUR)), updated_at: iso(t0 + 4 * HOUR) } as EventInput])
    expect(await bounces()).toBe(0)
  })
})

describe('events by record', () => {
  it('a read of some records\' events uses the projection and gives what a read of everything gives', async () => {
    const sql = `SELECT platform, event_id FROM events WHERE record_id IN ('LK-G1', 'LK-J3') ORDER BY platform, event_id`
    const plan = await queryRows<{ explain: string }>(app.db, `EXPLAIN projections = 1 ${sql}`)
    expect(plan.map((p) => p.explain).join('\n')).toMatch(/by_record/)
    const withIt = await queryRows(app.db, sql)
    const without = await queryRows(app.db, `${sql} SETTINGS optimize_use_projections = 0`)
    expect(withIt.length).toBeGreaterThan(0)
    expect(withIt).toEqual(without)
  })
})
