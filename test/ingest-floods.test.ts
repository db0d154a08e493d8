// Faults and floods at the ingest edge (issue 5, B): a flood of lines is refused whole, a large body
// does not hold up health checks, one source's flood does not hide others' rejected lines, slow
// clients are cut off, input is never quietly changed, and storage failures leak no internals.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import net from 'node:net'
import { startTestApp, post, getJson, ndjson, type TestApp } from './helpers/app'
import { record } from './helpers/fixtures'
import { queryRows } from '../analytics/clickhouse'

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({ INGEST_MAX_LINES: '50000', HTTP_REQUEST_TIMEOUT_MS: '1500', HTTP_HEADERS_TIMEOUT_MS: '1000' })
})
afterAll(async () => { await app?.stop() })

const ts = (d: string) => `${d}+08:00`
const quarantined = async () => Number((await queryRows<{ n: number }>(app.db, 'SELECT count() AS n FROM quarantine'))[0].n)

describe('floods', () => {
  it('refuses more lines than a request may carry with a short 413, before doing any work', async () => {
    const before = await quarantined()
    const body = '{}\n'.repeat(1_000_000) // 3 MB of empty objects
    const t0 = performance.now()
    const res = await fetch(`${app.url}/api/ingest/records`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body })
    const text = await res.text()
    expect(res.status).toBe(413)
    expect(text.length).toBeLessThan(500)
    expect(JSON.parse(text).error).toMatch(/1000000 lines.*at most 50000/)
    expect(performance.now() - t0).toBeLessThan(5000)
    expect(await quarantined()).toBe(before)
  })

  it('answers a large body of bad lines in proportion, while health checks stay prompt', async () => {
    const body = '{"a":1,"b":2}\n'.repeat(50_000) // every line misses every required field
    let slowest = 0
    let done = false
    const probe = (async () => {
      while (!done) {
        const t = performance.now()
        await fetch(`${app.url}/healthz`)
        slowest = Math.max(slowest, performance.now() - t)
        await new Promise((r) => setTimeout(r, 20))
      }
    })()
    const res = await fetch(`${app.url}/api/ingest/records`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body })
    const text = await res.text()
    done = true
    await probe
    expect(res.status).toBe(422)
    const answer = JSON.parse(text)
    expect(answer.rejected).toBe(50_000)
    // Each line names at most a handful of problems.
    expect(Math.max(...answer.results.map((r: any) => r.errors.length))).toBeLessThanOrEqual(6)
    expect(answer.results[0].errors.at(-1).reason).toMatch(/more problems/)
    expect(text.length).toBeLessThan(body.length * 60)
    expect(slowest).toBeLessThan(1000)
  })

  it("keeps another source's rejected line in view after a flood", async () => {
    const flood = await post(app, 'records', '{"x":1}\n'.repeat(3000))
    const lone = await post(app, 'records', '{"source_id":"LONE-BAD"}')
    const q = await getJson(app, '/api/ingest/quarantine')
    expect(q.status).toBe(200)
    expect(q.body.rows.some((r: any) => r.source_key === 'LONE-BAD')).toBe(true)
    expect(q.body.rows.filter((r: any) => r.request_id === flood.body.request_id).length).toBeLessThanOrEqual(20)
    expect(q.body.requests).toContainEqual(expect.objectContaining({ request_id: flood.body.request_id, lines: 3000 }))
    expect(q.body.requests).toContainEqual(expect.objectContaining({ request_id: lone.body.request_id, lines: 1 }))
    const one = await getJson(app, `/api/ingest/quarantine?request_id=${lone.body.request_id}`)
    expect(one.body.rows.map((r: any) => r.source_key)).toEqual(['LONE-BAD'])
  })
})

describe('slow clients', () => {
  const drip = (head: string, everyMs: number) => new Promise<number>((resolve) => {
    const t0 = performance.now()
    const s = net.connect(Number(new URL(app.url).port), '127.0.0.1', () => {
      s.write(head)
      const timer = setInterval(() => s.writable && s.write('{'), everyMs)
      s.on('close', () => { clearInterval(timer); resolve(performance.now() - t0) })
    })
    s.on('error', () => {})
    s.resume()
  })

  it('are cut off when the body drips in too slowly, and when headers never end', async () => {
    const [body, headers] = await Promise.all([
      drip('POST /api/ingest/records HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\nContent-Length: 100000\r\n\r\n', 200),
      drip('POST /api/ingest/records HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', 200),
    ])
    expect(body).toBeLessThan(4000)
    expect(headers).toBeLessThan(4000)
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200)
  })
})

describe('input that would be quietly changed', () => {
  it('rejects a line that is not UTF-8 by its number and stores the good line beside it', async () => {
    const good = Buffer.from(JSON.stringify(record({ source_id: 'UTF-OK', received_at: ts('2025-03-05T10:00:00') })) + '\n')
    const bad = Buffer.concat([Buffer.from('{"source_id":"UTF-BAD","title":"'), Buffer.from([0xd6, 0xd0, 0xce]), Buffer.from('"}\n')]) // GBK bytes
    const res = await fetch(`${app.url}/api/ingest/records`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: Buffer.concat([good, bad]) })
    const body = await res.json()
    expect(res.status).toBe(200)
    expect(body.results[0]).toMatchObject({ line: 1, status: 'accepted' })
    expect(body.results[1]).toMatchObject({ line: 2, status: 'rejected' })
    expect(body.results[1].errors[0].reason).toMatch(/not valid UTF-8/)
    const stored = await queryRows<{ t: string }>(app.db, `SELECT title AS t FROM records FINAL WHERE source_id LIKE 'UTF-%'`)
    expect(stored.length).toBe(1)
    expect(stored[0].t).not.toContain('\ufffd')
  })

  it('rejects positions at 0,0 and outside the city, naming the field', async () => {
    const at = (source_id: string, lat: number, lon: number) => record({ source_id, lat, lon, received_at: ts('2025-03-05T10:00:00') })
    const res = await post(app, 'records', ndjson([at('POS-ZERO', 0, 0), at('POS-BEIJING', 39.9, 116.4), at('POS-SWAPPED', 113.65, 34.75), at('POS-OK', 34.75, 113.65)]))
    const by = Object.fromEntries(res.body.results.map((r: any) => [r.id, r]))
    expect(by['POS-ZERO'].errors[0]).toMatchObject({ field: 'lat', reason: expect.stringMatching(/0,0/) })
    expect(by['POS-BEIJING'].errors[0]).toMatchObject({ field: 'lat', reason: expect.stringMatching(/outside 郑州市/) })
    expect(by['POS-SWAPPED'].status).toBe('rejected')
    expect(by['POS-OK'].status).toBe('accepted')
  })
})

describe('storage failures', () => {
  it('are answered 503 with Retry-After and what to do, without ClickHouse internals', async () => {
    // Last test of the file: it breaks this app's storage (one data directory per process).
    const other = app
    {
      await other.db.command({ query: 'DROP TABLE records' })
      const res = await fetch(`${other.url}/api/ingest/records`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: JSON.stringify(record({ source_id: 'DOWN-1' })) })
      expect(res.status).toBe(503)
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
      const body = await res.json()
      expect(body.error).toMatch(/resend/)
      expect(body.request_id).toBe(res.headers.get('x-request-id'))
      expect(JSON.stringify(body)).not.toMatch(/default\.records|Exception|While executing|Code:|does not exist/i)
    }
  }, 30_000)
})
