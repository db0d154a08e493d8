// Personal data never leaves ingest in clear: after a simulated day (callers' numbers sent in clear,
// some also written into the messages) and a batch of bad lines, no phone or ID number is found in
// the stored tables, the API's answers, or the log.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { Writable } from 'node:stream'
import { startTestApp, post, ndjson, type TestApp } from './helpers/app'
import { makeLogger } from '../app'
import { Simulator } from '../ingest/simulator/simulator'
import { queryRows } from '../analytics/clickhouse'

const MOBILE = /(?<!\d)1[3-9]\d{9}(?!\d)/
const ID_CARD = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/

let app: TestApp
let log = ''
const sentPhones = new Set<string>()
let someSource: { platform: string; source_id: string } | null = null

beforeAll(async () => {
  const sink = new Writable({ write(chunk, _enc, cb) { log += chunk.toString(); cb() } })
  app = await startTestApp({ LOG_LEVEL: 'debug' }, { logger: makeLogger('debug', sink) })
  const sim = new Simulator({ seed: 11, scale: 0.05, now: Date.now() })
  for (const b of sim.backfill(1)) {
    for (const r of b.records) if (r.caller_phone) sentPhones.add(r.caller_phone)
    someSource ??= b.records.find((r) => r.content?.includes('联系电话')) ?? null
    await post(app, 'records', ndjson(b.records))
    await post(app, 'events', ndjson(b.events))
  }
  // Bad lines carrying personal data go to quarantine and into the log of rejections.
  await post(app, 'records', ndjson([
    { platform: '12345', source_id: 'PII-BAD', caller_phone: '13955556666', content: '身份证410105199001011234 电话13955556666' },
  ]))
})
afterAll(async () => { await app?.stop() })

describe('personal data', () => {
  it('was sent in clear, including inside message texts', () => {
    expect(sentPhones.size).toBeGreaterThan(50)
    expect(someSource).not.toBeNull()
  })

  it('is not stored in clear in any table', async () => {
    for (const table of ['records', 'events', 'quarantine']) {
      const rows = await queryRows(app.db, `SELECT * FROM ${table}`)
      expect(rows.length, table).toBeGreaterThan(0)
      const text = JSON.stringify(rows)
      expect(text.match(MOBILE)?.[0] ?? null, table).toBeNull()
      expect(text.match(ID_CARD)?.[0] ?? null, table).toBeNull()
    }
  })

  it('is not in any API answer or in the log', async () => {
    const paths = ['/api/metrics/overview', '/api/metrics/by-region', '/api/metrics/bounces', '/api/ingest/quarantine', '/api/export/records',
      `/api/trace/${someSource!.platform}/${encodeURIComponent(someSource!.source_id)}`]
    for (const p of paths) {
      const res = await fetch(app.url + p)
      expect(res.status, p).toBe(200)
      const body = await res.text()
      expect(body.match(MOBILE)?.[0] ?? null, p).toBeNull()
    }
    const trace = await (await fetch(`${app.url}/api/trace/${someSource!.platform}/${encodeURIComponent(someSource!.source_id)}`)).json()
    expect(trace.records[0].source_id).toBe(someSource!.source_id)
    expect(log.length).toBeGreaterThan(0)
    expect(log.match(MOBILE)?.[0] ?? null).toBeNull()
    expect(log.match(ID_CARD)?.[0] ?? null).toBeNull()
  })
})
