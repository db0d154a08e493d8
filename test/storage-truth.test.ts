// Storage never lies (issue 5, A): a poisoned line harms no one else, quarantined lines survive a
// restart, corrections of events and month-crossing corrections replace instead of doubling, years
// of history fit in one request, and concurrent imports do not sink each other.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { loadConfig } from '../config'
import { startApp, makeLogger, type App } from '../app'
import { post, ndjson, authorize } from './helpers/app'
import { record, transfer } from './helpers/fixtures'
import { queryRows } from '../analytics/clickhouse'

const dir = mkdtempSync(path.join(tmpdir(), 'linkage-truth-'))
const start = (env: Record<string, string> = {}) => startApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'silent', DEMO: 'false', INGEST_FLUSH_MS: '20', EXPORT_PAGE_ROWS: '7', ...env }),
  { jobs: false, logger: makeLogger('silent') }).then(authorize)
let app: App
beforeAll(async () => { app = await start() })
afterAll(async () => { await app?.close(); rmSync(dir, { recursive: true, force: true }) })

const count = async (sql: string, params: Record<string, unknown> = {}) => Number((await queryRows<{ n: number }>(app.db, sql, params))[0].n)
// Fixed instants in the past (Asia/Shanghai), never today's date.
const ts = (d: string) => `${d}+08:00`

describe('a line ClickHouse cannot store', () => {
  it('is rejected at validation with its field, and concurrent senders are all stored', async () => {
    const poisoned = JSON.stringify(record({ source_id: 'POISON-1', received_at: ts('2025-03-03T10:00:00') })).replace('"title":"', '"title":"\\ud800')
    expect(poisoned).toContain('\\ud800')
    const good = (w: number) => ndjson(Array.from({ length: 200 }, (_, i) => record({ source_id: `GOOD-${w}-${i}`, received_at: ts('2025-03-03T10:00:00') })))
    const [bad, ...others] = await Promise.all([
      post(app, 'records', [JSON.stringify(record({ source_id: 'POISON-OK', received_at: ts('2025-03-03T10:00:00') })), poisoned].join('\n')),
      ...[1, 2, 3].map((w) => post(app, 'records', good(w))),
    ])
    expect(bad.status).toBe(200)
    expect(bad.body.results[1]).toMatchObject({ line: 2, id: 'POISON-1', status: 'rejected' })
    expect(bad.body.results[1].errors[0]).toMatchObject({ field: 'title', reason: expect.stringMatching(/surrogate/) })
    for (const o of others) expect(o).toMatchObject({ status: 200, body: { accepted: 200, rejected: 0 } })
    expect(await count(`SELECT count() AS n FROM records FINAL WHERE source_id LIKE 'GOOD-%' OR source_id = 'POISON-OK'`)).toBe(601)
    // Events too.
    const ev = JSON.stringify(transfer('E-POISON', '12345', 'POISON-OK', '110', 'J-1', ts('2025-03-03T10:05:00'))).replace('"counterpart_id":"', '"counterpart_id":"\\udfff')
    const r = await post(app, 'events', ev)
    expect(r.status).toBe(422)
    expect(r.body.results[0].errors[0].field).toBe('counterpart_id')
  })
})

describe('quarantine', () => {
  it('keeps rejected lines across a restart, under request ids that never repeat', async () => {
    const first = await fetch(`${app.url}/api/ingest/records`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: '{"source_id":"Q-BEFORE"}' })
    const id1 = first.headers.get('x-request-id')
    expect(id1).toMatch(/^[0-9a-f-]{36}$/)
    expect((await first.json()).request_id).toBe(id1)
    await app.close()
    app = await start()
    const second = await fetch(`${app.url}/api/ingest/records`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: '{"source_id":"Q-AFTER"}' })
    const id2 = second.headers.get('x-request-id')
    expect(id2).not.toBe(id1)
    const keys = (await queryRows<{ k: string; r: string }>(app.db, `SELECT source_key AS k, request_id AS r FROM quarantine WHERE source_key LIKE 'Q-%' ORDER BY k`))
    expect(keys).toEqual([{ k: 'Q-AFTER', r: id2 }, { k: 'Q-BEFORE', r: id1 }])
  })
})

describe('corrections', () => {
  it('replace a stored event: the latest version wins, an identical re-send is not doubled', async () => {
    const ev = transfer('E-CORR', '12345', 'G-CORR', '110', 'J-WRONG', ts('2025-03-04T09:00:00'))
    expect((await post(app, 'events', ndjson([ev]))).body.accepted).toBe(1)
    expect((await post(app, 'events', ndjson([{ ...ev, counterpart_id: 'J-RIGHT' }]))).body.accepted).toBe(1)
    expect((await post(app, 'events', ndjson([{ ...ev, counterpart_id: 'J-RIGHT' }]))).body.accepted).toBe(1)
    const rows = await queryRows<{ c: string }>(app.db, `SELECT counterpart_id AS c FROM events FINAL WHERE event_id = 'E-CORR'`)
    expect(rows).toEqual([{ c: 'J-RIGHT' }])
    // With versions from the source, an older correction arriving late does not win.
    const v2 = { ...ev, event_id: 'E-VER', counterpart_id: 'J-V2', updated_at: ts('2025-03-04T12:00:00') }
    const v1 = { ...ev, event_id: 'E-VER', counterpart_id: 'J-V1', updated_at: ts('2025-03-04T10:00:00') }
    await post(app, 'events', ndjson([v2]))
    await post(app, 'events', ndjson([v1]))
    expect(await queryRows(app.db, `SELECT counterpart_id AS c FROM events FINAL WHERE event_id = 'E-VER'`)).toEqual([{ c: 'J-V2' }])
  })

  it('of a timestamp across a month boundary leave one row, in the right month, also when the old snapshot comes again', async () => {
    const v1 = record({ source_id: 'G-MOVE', received_at: ts('2025-01-31T23:50:00'), updated_at: ts('2025-02-01T08:00:00') })
    const v2 = record({ source_id: 'G-MOVE', received_at: ts('2025-02-01T00:10:00'), updated_at: ts('2025-02-01T09:00:00'), status: 'dispatched', dispatched_at: ts('2025-02-01T00:20:00') })
    await post(app, 'records', ndjson([v1]))
    await post(app, 'records', ndjson([v2]))
    await post(app, 'records', ndjson([v1])) // the stale snapshot re-sent after the correction
    const rows = await queryRows<{ r: string; s: string }>(app.db, `SELECT toString(received_at) AS r, status AS s FROM records FINAL WHERE source_id = 'G-MOVE'`)
    expect(rows).toEqual([{ r: '2025-02-01 00:10:00.000', s: 'dispatched' }])
    // Per partition too (how reads by time stay fast): no month keeps a live copy of the old version.
    const perPartition = `SELECT count() AS n FROM records FINAL WHERE source_id = 'G-MOVE' SETTINGS do_not_merge_across_partitions_select_final = 1`
    expect(await count(perPartition)).toBe(1)
    // Reads by time see it in February only.
    const ids = async (day: string) => (await (await fetch(`${app.url}/api/export/records?from=${day}&to=${day}`)).text())
      .split('\n').filter(Boolean).map((l) => JSON.parse(l).source_id).filter((x: string) => x === 'G-MOVE')
    expect(await ids('2025-01-31')).toEqual([])
    expect(await ids('2025-02-01')).toEqual(['G-MOVE'])
    // Moved back again by a newer correction: still one row.
    const v3 = { ...v1, updated_at: ts('2025-02-01T10:00:00'), status: 'closed' as const, closed_at: ts('2025-02-01T10:00:00') }
    await post(app, 'records', ndjson([v3]))
    expect(await queryRows(app.db, `SELECT toString(received_at) AS r, status AS s FROM records FINAL WHERE source_id = 'G-MOVE'`))
      .toEqual([{ r: '2025-01-31 23:50:00.000', s: 'closed' }])
    // Both snapshots in one request: the newer wins whatever the order.
    const a = record({ source_id: 'G-MOVE2', received_at: ts('2025-04-30T23:00:00'), updated_at: ts('2025-05-02T08:00:00') })
    const b = record({ source_id: 'G-MOVE2', received_at: ts('2025-05-01T01:00:00'), updated_at: ts('2025-05-02T09:00:00') })
    await post(app, 'records', ndjson([b, a]))
    expect(await queryRows(app.db, `SELECT toString(received_at) AS r FROM records FINAL WHERE source_id = 'G-MOVE2'`)).toEqual([{ r: '2025-05-01 01:00:00.000' }])
    // An event moved across months.
    const e1 = transfer('E-MOVE', '12345', 'G-MOVE', '110', 'J-M', ts('2025-02-28T23:59:00'))
    await post(app, 'events', ndjson([e1]))
    await post(app, 'events', ndjson([{ ...e1, at: ts('2025-03-01T00:01:00') }]))
    expect(await queryRows(app.db, `SELECT toString(at) AS a FROM events FINAL WHERE event_id = 'E-MOVE'`)).toEqual([{ a: '2025-03-01 00:01:00.000' }])
  })
})

describe('history', () => {
  const months = (prefix: string, n: number, from = 2014) => Array.from({ length: n }, (_, i) => {
    const d = `${from + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}-10T10:00:00`
    return record({ source_id: `${prefix}-${i}`, received_at: ts(d) })
  })

  it('of 142 months is stored from one request', async () => {
    const r = await post(app, 'records', ndjson(months('H142', 142)))
    expect(r).toMatchObject({ status: 200, body: { accepted: 142, rejected: 0 } })
    expect(await count(`SELECT count() AS n FROM records FINAL WHERE source_id LIKE 'H142-%'`)).toBe(142)
  })

  it('of two imports posted at the same moment is stored for both', async () => {
    // A long flush interval makes the writer put both requests into one batch (180 months together).
    await app.close()
    app = await start({ INGEST_FLUSH_MS: '1000' })
    const [a, b] = await Promise.all([post(app, 'records', ndjson(months('HA', 90, 2010))), post(app, 'records', ndjson(months('HB', 90, 2017)))])
    expect(a).toMatchObject({ status: 200, body: { accepted: 90 } })
    expect(b).toMatchObject({ status: 200, body: { accepted: 90 } })
    expect(await count(`SELECT count() AS n FROM records FINAL WHERE source_id LIKE 'HA-%' OR source_id LIKE 'HB-%'`)).toBe(180)
  })
})

describe('export', () => {
  it('streams every record of the window once, page by page', async () => {
    const recs = Array.from({ length: 30 }, (_, i) => record({ source_id: `EXP-${String(i).padStart(2, '0')}`, platform: i % 3 ? '12345' : '110',
      kind: i % 3 ? 'complaint' : 'crime', received_at: ts(`2025-06-0${1 + (i % 2)}T10:00:00`) }))
    expect((await post(app, 'records', ndjson(recs))).body.accepted).toBe(30)
    const res = await fetch(`${app.url}/api/export/records?from=2025-06-01&to=2025-06-02`)
    expect(res.status).toBe(200)
    const ids = (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l).source_id)
    expect(ids.length).toBe(30) // 5 pages of 7
    expect(new Set(ids).size).toBe(30)
    const only110 = (await (await fetch(`${app.url}/api/export/records?from=2025-06-01&to=2025-06-02&platform=110`)).text()).split('\n').filter(Boolean)
    expect(only110.length).toBe(10)
  })

  it('streams a window of several months, month by month, every record once', async () => {
    const recs = ['2025-08-31T23:59:59', '2025-09-01T00:00:00', '2025-09-15T12:00:00', '2025-10-01T08:00:00', '2025-11-30T23:00:00']
      .flatMap((t, i) => Array.from({ length: 4 }, (_, k) => record({ source_id: `EXPM-${i}-${k}`, received_at: ts(t) })))
    expect((await post(app, 'records', ndjson(recs))).body.accepted).toBe(20)
    const ids = (await (await fetch(`${app.url}/api/export/records?from=2025-08-31&to=2025-11-30`)).text())
      .split('\n').filter(Boolean).map((l) => JSON.parse(l).source_id as string).filter((id) => id.startsWith('EXPM-'))
    expect(ids.length).toBe(20) // pages of 7 within each month
    expect(new Set(ids).size).toBe(20)
    // month by month: August's records first, November's last
    expect(ids.slice(0, 4).every((id) => id.startsWith('EXPM-0-'))).toBe(true)
    expect(ids.slice(-4).every((id) => id.startsWith('EXPM-4-'))).toBe(true)
  })

  it('does not list an old version whose correction moved it out of the window within the month', async () => {
    await post(app, 'records', ndjson([record({ source_id: 'EXP-MOVED', received_at: ts('2025-07-10T10:00:00'), updated_at: ts('2025-07-21T10:00:00') })]))
    await post(app, 'records', ndjson([record({ source_id: 'EXP-MOVED', received_at: ts('2025-07-20T10:00:00'), updated_at: ts('2025-07-22T10:00:00') })]))
    const day = async (d: string) => (await (await fetch(`${app.url}/api/export/records?from=${d}&to=${d}`)).text())
      .split('\n').filter((l) => l.includes('"EXP-MOVED"')).length
    expect(await day('2025-07-10')).toBe(0)
    expect(await day('2025-07-20')).toBe(1)
  })
})
