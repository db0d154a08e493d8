// The bounce job on real Redis (BullMQ scheduler + worker) and embedded ClickHouse: every day window
// whose inputs changed is found, however old, and recomputed whole. Days lie within 90 days of
// testNow() (the old job's lookback) unless the test is about older ones, so each test fails for its own reason.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestApp, post, ndjson, type TestApp } from './helpers/app'
import { knownDay, KNOWN, at, record, transfer, testNow } from './helpers/fixtures'
import { runBounceJob, BOUNCE_JOB } from '../jobs/bounce-job'
import { DETECT_JOB } from '../jobs/detect-job'
import { HOT_ISSUES_JOB } from '../jobs/queues'
import { ROLLUP_JOB } from '../jobs/rollup-job'
import { queryRows } from '../analytics/clickhouse'
import { MetricsQueries } from '../analytics/metrics/queries'
import { chTime } from '../ingest/rows'

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

const metrics = () => new MetricsQueries(app.db, { responseLimit12345Min: 1440, responseLimit110Min: 30 })
/** One manual run; settleMs 0: only what was ingested after the previous run counts as changed. */
const run = async (settleMs = 0) => (await runBounceJob(app.db, { settleMs, now: testNow() })).map((w) => w.day)
/** A day as every reader sees it (bounce_daily, no FINAL): [category, transfers, bounces] rows. */
const dayRows = async (d: string) =>
  (await queryRows<{ c: string; t: number; b: number }>(app.db,
    `SELECT category_code AS c, transfers AS t, bounces AS b FROM bounce_daily WHERE day = {d:Date} ORDER BY c`, { d }))
    .map((r) => [r.c, Number(r.t), Number(r.b)])
const ok = async (kind: 'records' | 'events', items: unknown[]) => {
  const res = await post(app, kind, ndjson(items))
  expect(res.body.rejected, JSON.stringify(res.body.results)).toBe(0)
}

describe('bounce job', () => {
  it('is registered once under a stable scheduler id and runs on its own', async () => {
    const schedulers = await app.jobs!.queue.getJobSchedulers()
    // One schedule per job, under its stable id (jobs/queues.ts): bounces, detectors, hot issues.
    expect(schedulers.map((s) => s.key).sort()).toEqual([BOUNCE_JOB, DETECT_JOB, HOT_ISSUES_JOB, ROLLUP_JOB].sort())
    const rows = await waitFor(async () => {
      const r = await metrics().bounces(14, testNow())
      return r.rows.some((x) => x.day === KNOWN.day) && r
    })
    const day20 = rows.rows.filter((r) => r.day === KNOWN.day)
    // EV-1 (G-D, category ''), EV-2 bounce back from J-F, EV-3 from J-E
    expect(day20.reduce((s, r) => s + r.transfers, 0)).toBe(3)
    expect(day20.reduce((s, r) => s + r.bounces, 0)).toBe(1)
    expect(rows.computed_at).toMatch(/\+08:00$/)
    await app.jobs!.close() // from here on only the manual runs below compute
  })

  it('recomputes only days whose inputs changed: late data for one day recomputes that day', async () => {
    await run() // whatever the scheduled runs left over
    expect(await run()).toEqual([])
    // A late transfer for the known day: J-E's matter comes back from 12345 and is sent to 110 again.
    await ok('events', [transfer('EV-LATE', '12345', 'G-X', '110', 'J-E', at(`${KNOWN.day}T23:00`))])
    expect(await run()).toEqual([KNOWN.day])
    const rows = await dayRows(KNOWN.day)
    expect([rows.reduce((s, r) => s + Number(r[1]), 0), rows.reduce((s, r) => s + Number(r[2]), 0)]).toEqual([4, 2])
  })

  it('replaces the whole day after a category changed: 2 transfers stay 2 rows, not 3', async () => {
    const d = '2026-10-10'
    await ok('records', [
      record({ source_id: 'G-CAT1', received_at: at(`${d}T09:00`), category_code: 'PUB_STREETLIGHT' }),
      record({ source_id: 'G-CAT2', received_at: at(`${d}T09:30`), category_code: 'ENV_GARBAGE' }),
    ])
    await ok('events', [
      transfer('T-CAT1', '12345', 'G-CAT1', '110', 'J-CAT1', at(`${d}T10:00`)),
      transfer('T-CAT2', '12345', 'G-CAT2', '110', 'J-CAT2', at(`${d}T11:00`)),
    ])
    expect(await run()).toContain(d)
    expect(await dayRows(d)).toEqual([['ENV_GARBAGE', 1, 0], ['PUB_STREETLIGHT', 1, 0]])
    // The source re-classifies G-CAT1 and corrects the time of its transfer.
    await ok('records', [record({ source_id: 'G-CAT1', received_at: at(`${d}T09:00`), updated_at: at(`${d}T12:00`), category_code: 'PUB_MANHOLE' })])
    await ok('events', [transfer('T-CAT1', '12345', 'G-CAT1', '110', 'J-CAT1', at(`${d}T10:05`))])
    expect(await run()).toContain(d)
    expect(await dayRows(d)).toEqual([['ENV_GARBAGE', 1, 0], ['PUB_MANHOLE', 1, 0]])
    // The API reads the same: one computation per day.
    const api = (await metrics().bounces(366, testNow())).rows.filter((r) => r.day === d)
    expect(api.map((r) => [r.category_code, r.transfers])).toEqual([['ENV_GARBAGE', 1], ['PUB_MANHOLE', 1]])
  })

  it('recomputes a day when only a record changed (no new event)', async () => {
    const d = '2026-10-20'
    await ok('records', [record({ source_id: 'G-REC', received_at: at(`${d}T09:00`), category_code: 'ENV_GARBAGE' })])
    await ok('events', [transfer('T-REC', '12345', 'G-REC', '110', 'J-REC', at(`${d}T10:00`))])
    await run()
    expect(await dayRows(d)).toEqual([['ENV_GARBAGE', 1, 0]])
    await ok('records', [record({ source_id: 'G-REC', received_at: at(`${d}T09:00`), updated_at: at(`${d}T15:00`), category_code: 'PUB_MANHOLE' })])
    expect(await run()).toEqual([d])
    expect(await dayRows(d)).toEqual([['PUB_MANHOLE', 1, 0]])
  })

  it('a late transfer INTO a record recomputes the later day on which that record sent it back', async () => {
    const [d1, d2] = ['2026-11-04', '2026-11-05']
    await ok('records', [record({ source_id: 'J-Q', platform: '110', kind: 'non_police', received_at: at(`${d2}T11:00`), category_code: 'ENV_GARBAGE' })])
    await ok('events', [transfer('T-Q-OUT', '110', 'J-Q', '12345', 'G-Q', at(`${d2}T12:00`))])
    await run()
    expect(await dayRows(d2)).toEqual([['ENV_GARBAGE', 1, 0]])
    // 12345 reports, late, that it had handed this matter to 110 as J-Q the day before: J-Q's transfer out is a bounce.
    await ok('events', [transfer('T-Q-IN', '12345', 'G-Q0', '110', 'J-Q', at(`${d1}T10:00`))])
    expect(await run()).toEqual([d1, d2])
    expect(await dayRows(d2)).toEqual([['ENV_GARBAGE', 1, 1]])
  })

  it('a day whose only transfer moved away (across a month) ends with no rows', async () => {
    const [d1, d2] = ['2026-09-30', '2026-10-01']
    await ok('events', [transfer('T-MOVE', '12345', 'G-MOVE', '110', 'J-MOVE', at(`${d1}T23:50`))])
    await run()
    expect(await dayRows(d1)).toEqual([['', 1, 0]])
    await ok('events', [transfer('T-MOVE', '12345', 'G-MOVE', '110', 'J-MOVE', at(`${d2}T00:10`))])
    expect(await run()).toEqual([d1, d2])
    expect(await dayRows(d1)).toEqual([])
    expect(await dayRows(d2)).toEqual([['', 1, 0]])
  })

  it('catches up a transfer dated years ago (imported 2018 history)', async () => {
    const d = '2018-03-15'
    await ok('records', [record({ source_id: 'G-2018', received_at: at(`${d}T09:00`), category_code: 'ENV_GARBAGE' })])
    await ok('events', [transfer('T-2018', '12345', 'G-2018', '110', 'J-2018', at(`${d}T10:00`))])
    expect(await run()).toEqual([d])
    expect(await dayRows(d)).toEqual([['ENV_GARBAGE', 1, 0]])
  })

  it('a run that died before committing its day stays out of view, and the next run of that day clears it', async () => {
    const d = '2018-03-15'
    const before = await dayRows(d)
    // Rows written, job_windows never told: what a crash between the two leaves behind.
    await app.db.insert({ table: 'bounce_runs', values: [{ day: d, category_code: 'PUB_MANHOLE', transfers: 99, bounces: 99, computed_at: chTime(Date.now()) }], format: 'JSONEachRow' })
    expect(await dayRows(d)).toEqual(before)
    await ok('events', [transfer('T-2018-B', '12345', 'G-2018', '110', 'J-2018', at(`${d}T11:00`))])
    expect(await run()).toEqual([d])
    expect(await dayRows(d)).toEqual([['ENV_GARBAGE', 2, 0]])
    const left = await queryRows<{ n: number }>(app.db, `SELECT count() AS n FROM bounce_runs WHERE day = {d:Date} AND category_code = 'PUB_MANHOLE'`, { d })
    expect(Number(left[0].n)).toBe(0)
  })

  it('re-runs are idempotent, and every day agrees with a direct count of its transfers', async () => {
    const snapshot = async () => queryRows(app.db,
      `SELECT toString(day) AS d, category_code AS c, transfers AS t, bounces AS b FROM bounce_daily ORDER BY d, c`)
    expect(await run()).toEqual([])
    const before = await snapshot()
    // As after a long downtime: everything ingested in the last 30 years counts as changed.
    const all = await run(30 * 365 * 86_400_000)
    expect(all).toContain('2018-03-15')
    expect(await snapshot()).toEqual(before)
    expect(await run()).toEqual([])
    // One computation per day, equal to the transfers counted straight from the events.
    const byDay = await queryRows<{ d: string; t: number }>(app.db,
      `SELECT toString(day) AS d, sum(transfers) AS t FROM bounce_daily GROUP BY day ORDER BY d`)
    const direct = await queryRows<{ d: string; t: number }>(app.db,
      `SELECT toString(toDate(at)) AS d, count() AS t FROM events FINAL WHERE type = 'transfer' AND platform = from_platform GROUP BY d ORDER BY d`)
    expect(byDay.map((r) => [r.d, Number(r.t)])).toEqual(direct.map((r) => [r.d, Number(r.t)]))
  })
})
