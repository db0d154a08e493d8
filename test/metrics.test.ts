// Metrics over a hand-made day whose values were worked out by hand; an evaluator's recomputation.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestApp, post, getJson, ndjson, type TestApp } from './helpers/app'
import { knownDay, KNOWN } from './helpers/fixtures'

const { prev: D0, day: D1, next: D2 } = KNOWN
import { Overview, ByRegion, Definitions, Trace, Bounces } from '../model/api'

let app: TestApp
beforeAll(async () => {
  app = await startTestApp()
  const { records, events } = knownDay()
  expect((await post(app, 'records', ndjson(records))).body.rejected).toBe(0)
  expect((await post(app, 'events', ndjson(events))).body.rejected).toBe(0)
})
afterAll(async () => { await app?.stop() })

describe('GET /api/metrics/overview', () => {
  it('computes volumes, transfers, bounces and the three rates with their numerators and formulas', async () => {
    const { status, body } = await getJson(app, `/api/metrics/overview?from=${D1}&to=${D1}`)
    expect(status).toBe(200)
    const o = Overview.parse(body)
    const m = o.metrics
    expect(m.volume_12345.value).toBe(6) // A B C D H I
    expect(m.volume_110.value).toBe(2) // E F
    expect(m.transfers_to_110.value).toBe(1) // EV-1
    expect(m.transfers_to_12345.value).toBe(2) // EV-2 EV-3
    expect(m.bounce_count.value).toBe(1) // EV-2
    // response: in time A, E, H (clock from dispatch); judged A B C E F H (D handed over, I answered directly)
    expect([m.response_rate.numerator, m.response_rate.denominator]).toEqual([3, 6])
    expect(m.response_rate.value).toBeCloseTo(0.5)
    expect([m.resolution_rate.numerator, m.resolution_rate.denominator]).toEqual([2, 3])
    expect([m.satisfaction_rate.numerator, m.satisfaction_rate.denominator]).toEqual([2, 3])
    expect([m.satisfaction_first_rate.numerator, m.satisfaction_first_rate.denominator]).toEqual([1, 3])
    expect(m.response_rate.formula).toContain('1440')
    expect(m.response_rate.label).toBe('响应率')
    expect(o.window).toEqual({ from: `${D1}T00:00:00.000+08:00`, to: `${D2}T00:00:00.000+08:00`, tz: 'Asia/Shanghai' })
    expect(o.trend).toEqual([{ bucket: `${D1}`, volume_12345: 6, volume_110: 2, transfers_to_110: 1, transfers_to_12345: 2 }])
  })

  it('fills every bucket of the trend and filters by platform', async () => {
    const o = Overview.parse((await getJson(app, `/api/metrics/overview?from=${D0}&to=${D2}&platform=110`)).body)
    expect(o.trend.map((p) => p.bucket)).toEqual([`${D0}`, `${D1}`, `${D2}`])
    expect(o.trend.map((p) => p.volume_110)).toEqual([0, 2, 0])
    expect(o.trend.map((p) => p.volume_12345)).toEqual([0, 0, 0])
    expect(o.trend[0].transfers_to_110).toBe(1) // EV-5 on the 19th
    expect([o.metrics.response_rate.numerator, o.metrics.response_rate.denominator]).toEqual([1, 2])
    const hourly = Overview.parse((await getJson(app, `/api/metrics/overview?from=${D1}T08:00:00%2B08:00&to=${D1}T12:00:00%2B08:00&bucket=hour`)).body)
    expect(hourly.trend.map((p) => [p.bucket, p.volume_12345, p.volume_110])).toEqual([
      [`${D1} 08:00`, 0, 0], [`${D1} 09:00`, 4, 0], [`${D1} 10:00`, 2, 0], [`${D1} 11:00`, 0, 1],
    ])
  })

  it('answers a bad window with 400 and a reason', async () => {
    const r = await getJson(app, '/api/metrics/overview?from=yesterday')
    expect(r.status).toBe(400)
    expect(r.body.error).toMatch(/from: not a date/)
    expect((await getJson(app, `/api/metrics/overview?from=${D2}&to=${D1}`)).status).toBe(400)
    expect((await getJson(app, '/api/metrics/overview?bucket=week')).status).toBe(400)
  })
})

describe('GET /api/metrics/by-region', () => {
  it('lists every district of Zhengzhou with its volumes, transfers and rates', async () => {
    const r = ByRegion.parse((await getJson(app, `/api/metrics/by-region?from=${D1}&to=${D1}`)).body)
    const by = Object.fromEntries(r.regions.map((x) => [x.county_code, x]))
    expect(by['410105']).toMatchObject({ name: '金水区', volume_12345: 2, volume_110: 0 })
    expect([by['410105'].response_rate.numerator, by['410105'].response_rate.denominator]).toEqual([1, 2])
    expect(by['410102']).toMatchObject({ volume_12345: 2, transfers_to_110: 1 })
    expect(by['410103']).toMatchObject({ volume_110: 1, transfers_to_12345: 1 })
    expect(by['410104']).toMatchObject({ volume_110: 1, transfers_to_12345: 1 })
    expect(by['410185']).toMatchObject({ volume_12345: 1 })
    expect(by['410185'].response_rate.value).toBe(1)
    expect(by['410106']).toMatchObject({ volume_12345: 1 })
    expect(by['410106'].response_rate.denominator).toBe(0)
    expect(by['410122'].volume_12345).toBe(0)
    expect(by['410122'].response_rate.value).toBeNull()
    expect(r.regions.length).toBeGreaterThanOrEqual(12)
  })
})

describe('evaluator and analyst endpoints', () => {
  it('exports the records behind the metrics, from which an evaluator recomputes them', async () => {
    const res = await fetch(`${app.url}/api/export/records?from=${D1}&to=${D1}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/ndjson/)
    const rows = (await res.text()).trim().split('\n').map((l) => JSON.parse(l))
    const o = Overview.parse((await getJson(app, `/api/metrics/overview?from=${D1}&to=${D1}`)).body)
    expect(rows.filter((r) => r.platform === '12345').length).toBe(o.metrics.volume_12345.value)
    expect(rows.filter((r) => r.platform === '110').length).toBe(o.metrics.volume_110.value)
    // The response rate by hand from the exported rows, following its published formula.
    const ms = (s: string | null) => (s ? Date.parse(s.replace(' ', 'T') + '+08:00') : null)
    const judged = rows.filter((r) => r.status !== 'transferred_out' && (r.platform === '110' || r.dispatched_at))
    let num = 0, den = 0
    for (const r of judged) {
      const resp = r.platform === '110' ? ms(r.first_response_at) ?? ms(r.arrived_at) : ms(r.first_response_at)
      const deadline = (r.platform === '110' ? ms(r.received_at)! + 30 * 60_000 : ms(r.dispatched_at)! + 1440 * 60_000)
      if (resp !== null && resp <= deadline) num++
      if (resp !== null || deadline <= Date.now()) den++
    }
    expect([num, den]).toEqual([o.metrics.response_rate.numerator, o.metrics.response_rate.denominator])
    expect(Object.keys(rows[0])).not.toContain('caller_key')
    expect(Object.keys(rows[0])).not.toContain('content')
    expect((await fetch(`${app.url}/api/export/records?from=2026-01-01&to=2026-03-01`)).status).toBe(400)
  })

  it('publishes every metric definition with its SQL', async () => {
    const d = Definitions.parse((await getJson(app, '/api/metrics/definitions')).body)
    const o = Overview.parse((await getJson(app, '/api/metrics/overview')).body)
    expect(d.metrics.map((m) => m.id).sort()).toEqual(Object.keys(o.metrics).sort())
    const resp = d.metrics.find((m) => m.id === 'response_rate')!
    expect(resp.denominator_sql).toContain('resp_deadline')
    expect(d.records_derived_sql).toContain('dispatched_at')
    expect(d.events_source_sql).toContain('bounced_back')
  })

  it('traces a matter across both platforms through its transfers', async () => {
    const t = Trace.parse((await getJson(app, '/api/trace/12345/G-D')).body)
    expect(t.records.map((r) => `${r.platform}:${r.source_id}`).sort()).toEqual(['110:J-F', '12345:G-D'])
    expect(t.events.map((e) => e.event_id)).toEqual(['EV-1', 'EV-4', 'EV-2'])
    // from the other end, the same matter
    const back = Trace.parse((await getJson(app, '/api/trace/110/J-F')).body)
    expect(back.records.length).toBe(2)
    expect(JSON.stringify(t)).not.toMatch(/1381234/)
    expect((await getJson(app, '/api/trace/12345/NOPE')).status).toBe(404)
    expect((await getJson(app, '/api/trace/119/G-D')).status).toBe(400)
  })

  it('says the bounce job has not run yet rather than that there are no bounces', async () => {
    const b = Bounces.parse((await getJson(app, '/api/metrics/bounces')).body)
    expect(b).toEqual({ computed_at: null, rows: [] })
  })
})
