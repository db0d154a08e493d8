// Ingest through the real HTTP endpoints into embedded ClickHouse: per-line outcomes, quarantine,
// idempotent re-sends, snapshot replacement and caller privacy.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestApp, post, getJson, ndjson, type TestApp } from './helpers/app'
import { record, at, transfer } from './helpers/fixtures'
import { queryRows } from '../analytics/clickhouse'
import { gzipSync } from 'node:zlib'

let app: TestApp
beforeAll(async () => { app = await startTestApp() })
afterAll(async () => { await app?.stop() })

const count = async (sql: string) => Number((await queryRows<{ n: number }>(app.db, sql))[0].n)

describe('POST /api/ingest/records', () => {
  it('accepts good lines and rejects each bad one with line, field and reason, keeping it in quarantine', async () => {
    const lines = [
      JSON.stringify(record({ source_id: 'G-OK-1' })),
      '{"platform": "12345", "source_id": "G-BROKEN"', // malformed JSON
      JSON.stringify({ ...record({ source_id: 'G-NOCHANNEL' }), channel: undefined }), // missing channel
      JSON.stringify(record({ source_id: 'G-PLAT', platform: '119' as never })), // unknown platform
      JSON.stringify(record({ source_id: 'G-CLOSE', closed_at: at('2026-11-20T08:00') })), // closed before received
      JSON.stringify(record({ source_id: 'G-REGION', county_code: '110101' })), // Beijing, not in Zhengzhou
      JSON.stringify(record({ source_id: 'G-TOWN', county_code: '410105', town_code: '410102001' })), // town of another county
      '',
      JSON.stringify(record({ source_id: 'G-OK-2', platform: '110', kind: 'crime' })),
    ]
    const { status, body } = await post(app, 'records', lines.join('\n'))
    expect(status).toBe(200)
    expect(body.accepted).toBe(2)
    expect(body.rejected).toBe(6)
    const byId = Object.fromEntries(body.results.map((r: any) => [r.id ?? `line${r.line}`, r]))
    expect(byId['G-OK-1'].status).toBe('accepted')
    expect(byId['G-OK-2']).toMatchObject({ status: 'accepted', line: 9 })
    expect(byId['line2']).toMatchObject({ status: 'rejected', line: 2 })
    expect(byId['line2'].errors[0].reason).toMatch(/malformed JSON/)
    expect(byId['G-NOCHANNEL'].errors).toContainEqual({ field: 'channel', reason: 'required field is missing' })
    expect(byId['G-PLAT'].errors[0].field).toBe('platform')
    expect(byId['G-CLOSE'].errors).toContainEqual({ field: 'closed_at', reason: 'closed_at is before received_at' })
    expect(byId['G-REGION'].errors[0]).toMatchObject({ field: 'county_code' })
    expect(byId['G-REGION'].errors[0].reason).toMatch(/unknown county code 110101/)
    expect(byId['G-TOWN'].errors[0].field).toBe('town_code')

    expect(await count(`SELECT count() AS n FROM records FINAL WHERE source_id IN ('G-OK-1','G-OK-2')`)).toBe(2)
    const q = await queryRows<{ line: number; source_key: string; errors: string; raw: string }>(app.db,
      `SELECT line, source_key, errors, raw FROM quarantine WHERE request_id != '' ORDER BY line`)
    expect(q.map((r) => r.line)).toEqual([2, 3, 4, 5, 6, 7])
    expect(q[4].source_key).toBe('G-REGION')
    expect(JSON.parse(q[3].errors)[0].field).toBe('closed_at')
    // Quarantined raw text never holds the caller number in clear.
    for (const r of q) expect(r.raw).not.toContain('13812345678')

    const qa = await getJson(app, '/api/ingest/quarantine?limit=10')
    expect(qa.body.rows.length).toBe(6)
  })

  it('takes a JSON array as well as NDJSON', async () => {
    const { body } = await post(app, 'records', JSON.stringify([record({ source_id: 'G-ARR-1' }), record({ source_id: 'G-ARR-2' })]), 'application/json')
    expect(body).toMatchObject({ accepted: 2, rejected: 0 })
    expect(body.results.map((r: any) => r.line)).toEqual([1, 2])
  })

  it('does not double a record or event sent again, and keeps the latest snapshot of a record', async () => {
    const first = record({ source_id: 'G-DUP', status: 'received' })
    await post(app, 'records', ndjson([first]))
    await post(app, 'records', ndjson([first])) // exact re-send
    const later = record({ source_id: 'G-DUP', status: 'closed', updated_at: at('2026-11-20T12:00'), first_response_at: at('2026-11-20T09:30'), closed_at: at('2026-11-20T12:00') })
    await post(app, 'records', ndjson([later, first])) // newer snapshot, and the old one again after it
    const rows = await queryRows<{ status: string; n: number }>(app.db, `SELECT status, count() OVER () AS n FROM records FINAL WHERE source_id = 'G-DUP'`)
    expect(rows).toEqual([{ status: 'closed', n: 1 }])

    const ev = transfer('E-DUP-1', '12345', 'G-DUP', '110', 'J-DUP', at('2026-11-20T09:10'))
    for (let i = 0; i < 3; i++) expect((await post(app, 'events', ndjson([ev]))).body.accepted).toBe(1)
    expect(await count(`SELECT count() AS n FROM events FINAL WHERE event_id = 'E-DUP-1'`)).toBe(1)
  })

  it('stores caller numbers only as a keyed hash and masks numbers in free text', async () => {
    const r = record({ source_id: 'G-PII', caller_phone: '+86 139-0000-1111', content: '我的电话13900001111，身份证410105199001011234，请联系。' })
    await post(app, 'records', ndjson([r, { ...r, source_id: 'G-PII-2', caller_phone: '13900001111' }]))
    const rows = await queryRows<Record<string, unknown>>(app.db, `SELECT * FROM records FINAL WHERE source_id LIKE 'G-PII%' ORDER BY source_id`)
    const dump = JSON.stringify(rows)
    expect(dump).not.toContain('13900001111')
    expect(dump).not.toContain('0000-1111')
    expect(dump).not.toContain('410105199001011234')
    expect(rows[0].caller_key).toMatch(/^[0-9a-f]{32}$/)
    // The same caller, however the number was written, has one key: repeat callers can be counted.
    expect(rows[0].caller_key).toBe(rows[1].caller_key)
    expect(String(rows[0].content)).toContain('139****1111')
  })

  it('rejects events with field reasons and accepts the good ones beside them', async () => {
    const good = transfer('E-GOOD', '110', 'J-1', '12345', 'G-1', at('2026-11-20T10:00'))
    const sameSide = { ...good, event_id: 'E-SAME', to_platform: '110' }
    const badType = { ...good, event_id: 'E-TYPE', type: 'teleport' }
    const { body } = await post(app, 'events', ndjson([good, sameSide, badType]))
    expect(body.accepted).toBe(1)
    expect(body.results[1].errors[0].field).toBe('to_platform')
    expect(body.results[2].errors[0].field).toBe('type')
  })

  it('takes gzip-compressed bodies and a leading byte-order mark', async () => {
    const body = '\ufeff' + ndjson([record({ source_id: 'G-GZ-1' }), record({ source_id: 'G-GZ-2' })])
    const res = await fetch(`${app.url}/api/ingest/records`, {
      method: 'POST', headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' }, body: gzipSync(body),
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ accepted: 2, rejected: 0 })
    const broken = await fetch(`${app.url}/api/ingest/records`, {
      method: 'POST', headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' }, body: 'not gzip',
    })
    expect(broken.status).toBe(400)
  })

  it('answers an empty body with 400 and a body of only bad lines with 422', async () => {
    expect((await post(app, 'records', '  ')).status).toBe(400)
    const { status, body } = await post(app, 'records', 'not json at all')
    expect(status).toBe(422)
    expect(body.rejected).toBe(1)
  })
})
