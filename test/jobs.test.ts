// The bounce job on real Redis (BullMQ scheduler + worker) and embedded ClickHouse.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestApp, post, getJson, ndjson, type TestApp } from './helpers/app'
import { knownDay, KNOWN, shanghaiDate } from './helpers/fixtures'
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

  it('recomputes only windows that are not final, so missed days are caught up once', async () => {
    await app.jobs!.close() // the scheduled worker must not run between the steps below
    const now = Date.parse(`${shanghaiDate(0)}T10:00:00+08:00`)
    await app.db.command({ query: `TRUNCATE TABLE job_windows` })
    const first = await runBounceJob(app.db, now)
    expect(first.map((w) => w.day)).toEqual([-6, -5, -4, -3, -2, -1, 0].map((o) => shanghaiDate(o, now)))
    expect(first.filter((w) => w.final).map((w) => w.day)).toEqual([-6, -5, -4, -3, -2].map((o) => shanghaiDate(o, now)))
    const second = await runBounceJob(app.db, now)
    expect(second.map((w) => w.day)).toEqual([-1, 0].map((o) => shanghaiDate(o, now)))
    // Recomputing replaces a day's rows instead of adding to them.
    const [{ t }] = await queryRows<{ t: number }>(app.db, `SELECT sum(transfers) AS t FROM bounce_daily FINAL WHERE day = {d:Date}`, { d: KNOWN.day })
    expect(Number(t)).toBe(3)
  })
})
