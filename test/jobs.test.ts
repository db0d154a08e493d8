// The bounce job on real Redis (BullMQ scheduler + worker) and embedded ClickHouse.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestApp, post, getJson, ndjson, type TestApp } from './helpers/app'
import { knownDay, KNOWN, at, transfer } from './helpers/fixtures'
import { runBounceJob, BOUNCE_JOB } from '../jobs/bounce-job'
import { queryRows } from '../analytics/clickhouse'
import { Bounces } from '../model/api'

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({ JOB_BOUNCE_EVERY_MS: '1000' }, { jobs: true })
  const { records, events } = knownDay()
  await post(app, 'records', ndjson(records))
  await post(app, 'events', ndjson(events))
})
afterAll(async () => { await app?.stop() })

const waitFor = async <T>(f: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> => {
  const end = Date.now() + ms
  for (;;) {
    const v = await f()
    if (v) return v
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 200))
  }
}

describe('bounce job', () => {
  it('is registered once under a stable scheduler id and runs on its own', async () => {
    const schedulers = await app.jobs!.queue.getJobSchedulers()
    expect(schedulers.map((s) => s.key)).toEqual([BOUNCE_JOB])
    const rows = await waitFor(async () => {
      const r = Bounces.parse((await getJson(app, '/api/metrics/bounces?days=14')).body)
      return r.rows.some((x) => x.day === KNOWN.day) && r
    })
    const day20 = rows.rows.filter((r) => r.day === KNOWN.day)
    // EV-1 (G-D, category ''), EV-2 bounce back from J-F, EV-3 from J-E
    expect(day20.reduce((s, r) => s + r.transfers, 0)).toBe(3)
    expect(day20.reduce((s, r) => s + r.bounces, 0)).toBe(1)
    expect(rows.computed_at).toMatch(/\+08:00$/)
  })

  it('recomputes a day only when transfers for it arrived since, so missed and late data are caught up', async () => {
    await app.jobs!.close() // the scheduled worker must not run between the steps below
    await app.db.command({ query: `TRUNCATE TABLE job_windows` })
    const first = await runBounceJob(app.db, { settleMs: 0 })
    expect(first.map((w) => w.day)).toEqual([KNOWN.prev, KNOWN.day])
    expect(first.every((w) => w.final)).toBe(true)
    expect(await runBounceJob(app.db, { settleMs: 0 })).toEqual([])
    // A late transfer for the known day: J-E's matter comes back from 12345 and is sent to 110 again.
    await post(app, 'events', ndjson([transfer('EV-LATE', '12345', 'G-X', '110', 'J-E', at(`${KNOWN.day}T23:00`))]))
    const third = await runBounceJob(app.db, { settleMs: 0 })
    expect(third.map((w) => w.day)).toEqual([KNOWN.day])
    // Recomputing replaces the day's rows instead of adding to them.
    const [{ t, b }] = await queryRows<{ t: number; b: number }>(app.db,
      `SELECT sum(transfers) AS t, sum(bounces) AS b FROM bounce_daily FINAL WHERE day = {d:Date}`, { d: KNOWN.day })
    expect([Number(t), Number(b)]).toEqual([4, 2])
  })
})
