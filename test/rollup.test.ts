// Rollups equal raw (analytics/metrics/rollup.ts): for random streams of records and events — re-sends,
// corrections with later updated_at, stale versions arriving last, transfers from records never sent —
// part of each stream is sent, the rollup job runs, the rest is sent (so some days changed since), and
// every answer of the metric queries (overview, by-region, breakdowns, series; whole and partial days;
// as_of before, between and after the computations) equals the same query reading raw rows only. Then
// the job runs again and they are compared once more, and the rollups must have served the days.
//
// Each case owns three days (its slot crosses midnight, so it has two days of data) and an id prefix.
// Dates are fixed (two years before the test clock), never today's. RUNS: ROLLUP_RUNS (default 10).
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fc from 'fast-check'
import { startTestApp, post, ndjson, testNow, type TestApp } from './helpers/app'
import { caseArb, build } from './reference/metrics-streams'
import { record, transfer } from './helpers/fixtures'
import { MetricsQueries } from '../analytics/metrics/queries'
import { asOfInstants, metricDefs, AS_OF } from '../analytics/metrics/definitions'
import { Rollups, transfersOnly } from '../analytics/metrics/rollup'
import { runRollupJob } from '../jobs/rollup-job'
import { queryRows } from '../analytics/clickhouse'
import type { EventInput, RecordInput } from '../model/record'

const MIN = 60_000, HOUR = 60 * MIN, DAY = 24 * HOUR
const RUNS = Number(process.env.ROLLUP_RUNS) || 10
const SEED = Number(process.env.FC_SEED) || 20261207
const P = { responseLimit12345Min: 1440, responseLimit110Min: 30, extended: false }
const dayStart = (t: number) => Math.floor((t + 8 * HOUR) / DAY) * DAY - 8 * HOUR
const BASE = dayStart(testNow() - 730 * DAY)
const iso = (ms: number) => new Date(ms + 8 * HOUR).toISOString().replace('Z', '+08:00')

let app: TestApp
let rolled: MetricsQueries, raw: MetricsQueries
beforeAll(async () => {
  app = await startTestApp({ METRICS_CACHE_MS: '0' })
  rolled = new MetricsQueries(app.db, P)
  raw = new MetricsQueries(app.db, P, { rollups: false })
})
afterAll(async () => { await app?.stop() })

const strip = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v) => (k === 'generated_at' ? undefined : v)))

/** Every query kind over one window and as_of, rolled up and raw: the same answers. */
async function sameAnswers(w: { from: number; to: number }, asOf: number, platform: '12345' | '110' | undefined, what: string, all = true) {
  const both = async <T>(f: (q: MetricsQueries) => Promise<T>) => {
    const [a, b] = await Promise.all([f(rolled), f(raw)])
    return [strip(a), strip(b)]
  }
  const kinds = [
    ['overview', (q: MetricsQueries) => q.overview(w, 'day', platform, asOf)],
    ['by-region', (q: MetricsQueries) => q.byRegion(w, platform, asOf)],
    ['by unit', (q: MetricsQueries) => q.breakdown('unit', w, {}, platform, asOf)],
    ['by county, filtered', (q: MetricsQueries) => q.breakdown('county', w, { county: '410102' }, platform, asOf)],
    ['series by day', (q: MetricsQueries) => q.series('day', w, platform, asOf)],
    ['series by month', (q: MetricsQueries) => q.series('month', w, platform, asOf)],
  ] as const
  for (const [name, f] of all ? kinds : kinds.slice(0, 2)) {
    const [a, b] = await both(f as (q: MetricsQueries) => Promise<unknown>)
    expect(a, `${what}: ${name}`).toEqual(b)
  }
}

const send = async (kind: 'records' | 'events', items: unknown[]) => {
  if (!items.length) return
  const r = await post(app, kind, ndjson(items))
  expect(r.body.rejected, JSON.stringify(r.body.results?.find((x: { status: string }) => x.status === 'rejected'))).toBe(0)
}

describe('the rollups’ assumptions, checked', () => {
  it('record metrics compare as_of only with the instants settleSql covers; event metrics read transfers only', () => {
    for (const d of metricDefs({ ...P, extended: false }).filter((x) => x.source === 'records')) {
      let sql = [d.num, d.den, d.coverage?.not_recorded, d.coverage?.pending].filter(Boolean).join(' ')
      for (const x of asOfInstants(P)) sql = sql.split(`${x} <= ${AS_OF}`).join('').split(`${x} > ${AS_OF}`).join('')
      expect(sql.includes(AS_OF), `${d.id} compares as_of with something else`).toBe(false)
    }
    expect(transfersOnly(metricDefs({ ...P, extended: false }))).toBe(true)
  })
})

describe('rollups equal raw', () => {
  let slot = 0
  it(`for ${RUNS} random streams, before and after the job catches up`, async () => {
    const r = rolled.rollups
    let served = 0
    await fc.assert(fc.asyncProperty(caseArb, fc.integer({ min: 1, max: 3 }), async (c, cut) => {
      const day0 = BASE + slot * 3 * DAY
      const start = day0 + 18 * HOUR // the 12-hour slot crosses midnight
      const { recSends, evSends } = build(c, start, `R${slot++}`)
      const firstRec = recSends.filter((_, i) => i % 4 < cut), restRec = recSends.filter((_, i) => i % 4 >= cut)
      const firstEv = evSends.filter((_, i) => i % 4 < cut), restEv = evSends.filter((_, i) => i % 4 >= cut)
      await send('records', firstRec); await send('events', firstEv)
      const c1 = start + c.asOf * MIN
      await runRollupJob(r, { budgetMs: Infinity, now: c1 })
      await send('records', restRec); await send('events', restEv)
      // whole days, a partial window, the second day; as_of before the computation, after it, long after
      const combos = [[{ from: day0, to: day0 + 2 * DAY }, start + 60 * DAY], [{ from: day0, to: day0 + 2 * DAY }, c1 - 6 * HOUR],
        [{ from: start + 2 * HOUR, to: start + 10 * HOUR }, c1 + HOUR], [{ from: day0 + DAY, to: day0 + 2 * DAY }, c1 + HOUR]] as const
      for (const [i, [w, a]] of combos.entries()) await sameAnswers(w, a, c.platform, `changed since (cut ${cut}), window ${iso(w.from)}, as_of ${iso(a)}`, i === 0)
      await runRollupJob(r, { budgetMs: Infinity, now: c1 + DAY })
      for (const [i, [w, a]] of combos.entries()) await sameAnswers(w, a, c.platform, `caught up, window ${iso(w.from)}, as_of ${iso(a)}`, i === 0)
      // Caught up, the days with data are served from rollups for a late as_of.
      const u = await r.usableDays(day0, day0 + 2 * DAY, start + 60 * DAY)
      if (recSends.length + evSends.length) served += u.records.length >= 1 && u.events.length >= 1 ? 1 : 0
    }), { numRuns: RUNS, seed: SEED, endOnFailure: true })
    expect(served, 'cases whose days the rollups served').toBeGreaterThan(RUNS / 2)
  }, 600_000)
})

describe('a rolled-up day changed afterwards is read raw until recomputed', () => {
  const t0 = BASE - 30 * DAY
  const rec = (id: string, platform: '12345' | '110', t: number, over: Partial<RecordInput> = {}) =>
    record({ source_id: id, platform, kind: platform === '110' ? 'assistance' : 'complaint', county_code: '410102', received_at: iso(t), updated_at: iso(t), caller_phone: null, ...over })
  const w = { from: t0, to: t0 + 2 * DAY }

  it('a corrected county, a late transfer in that makes a bounce, and a sender arriving after its transfer', async () => {
    const r = rolled.rollups
    await send('records', [rec('RB-G1', '12345', t0 + 9 * HOUR), rec('RB-J1', '110', t0 + 10 * HOUR), rec('RB-G2', '12345', t0 + DAY + HOUR)])
    // J1 sends G1 a transfer on day 2; whether it is a bounce depends on a transfer into J1 not sent yet.
    await send('events', [transfer('RB-E2', '110', 'RB-J1', '12345', 'RB-G1', iso(t0 + DAY + 2 * HOUR)),
      transfer('RB-E3', '12345', 'RB-GX', '110', 'RB-J9', iso(t0 + DAY + 3 * HOUR))]) // sender RB-GX not stored yet
    await runRollupJob(r, { budgetMs: Infinity, now: t0 + 10 * DAY })
    const region = async (q: MetricsQueries) => (await q.byRegion(w, undefined, t0 + 20 * DAY)).regions
    const county = async (q: MetricsQueries, code: string) => (await region(q)).find((x) => x.county_code === code)!.metrics
    expect((await r.usableDays(w.from, w.to, t0 + 20 * DAY)).records.map((d) => d.day).length).toBe(2)
    expect((await county(rolled, '410102')).volume_12345.value).toBe(2)
    // G1's county is corrected: day 1 changed; the transfer E2 (J1's) stays in J1's county.
    await send('records', [rec('RB-G1', '12345', t0 + 9 * HOUR, { county_code: '410103', updated_at: iso(t0 + 11 * DAY) })])
    expect((await county(rolled, '410102')).volume_12345.value).toBe(1)
    expect((await county(rolled, '410103')).volume_12345.value).toBe(1)
    expect(strip(await region(rolled))).toEqual(strip(await region(raw)))
    // The transfer into J1 arrives late, on day 1: E2 becomes a bounce on day 2.
    const bounces = async (q: MetricsQueries) => (await q.overview(w, 'day', undefined, t0 + 20 * DAY)).metrics.bounce_transfers.value
    expect(await bounces(rolled)).toBe(0)
    await send('events', [transfer('RB-E1', '12345', 'RB-G1', '110', 'RB-J1', iso(t0 + 9 * HOUR + 30 * MIN))])
    expect(await bounces(raw)).toBe(1)
    expect(await bounces(rolled)).toBe(1)
    // E3's sender arrives (received on another day): E3 moves from 未知区域 to its county.
    const unknownTransfers = async (q: MetricsQueries) => (await region(q)).find((x) => x.county_code === 'unknown')!.metrics.transfers_to_110.value
    expect(await unknownTransfers(rolled)).toBe(1)
    await send('records', [rec('RB-GX', '12345', t0 - 5 * DAY)])
    expect(await unknownTransfers(rolled)).toBe(0)
    expect(strip(await region(rolled))).toEqual(strip(await region(raw)))
    // Caught up: served again, and still equal.
    const run = await runRollupJob(r, { budgetMs: Infinity, now: t0 + 12 * DAY })
    expect(run.days).toEqual(expect.arrayContaining([iso(t0).slice(0, 10), iso(t0 + DAY).slice(0, 10)]))
    const u = await r.usableDays(w.from, w.to, t0 + 20 * DAY)
    expect([u.records.length, u.events.length]).toEqual([2, 2])
    expect(strip(await region(rolled))).toEqual(strip(await region(raw)))
    expect(await bounces(rolled)).toBe(1)
    // Nothing changed: the next run computes nothing.
    expect((await runRollupJob(r, { budgetMs: Infinity, now: t0 + 13 * DAY })).days).toEqual([])
    // A computation that wrote its rows and died before committing them (kill -9): its rows are not
    // read — the answers stay those of the committed one, equal to raw.
    const before = strip(await region(rolled))
    for (const t of [r.recTable, r.recCoarse, r.evTable, r.evCoarse, r.pendingTable])
      await app.db.command({ query: `INSERT INTO ${t} SELECT * REPLACE (computed_at + toIntervalHour(1) AS computed_at) FROM ${t} WHERE day BETWEEN {a:Date} AND {b:Date}`,
        query_params: { a: iso(t0).slice(0, 10), b: iso(t0 + DAY).slice(0, 10) } })
    expect(strip(await region(rolled))).toEqual(before)
    expect(strip(await region(rolled))).toEqual(strip(await region(raw)))
  })

  it('an as_of before a day’s settled limits is answered raw; pruning keeps only the latest computation; new settings get their own tables', async () => {
    const t1 = t0 + 5 * DAY
    // an order dispatched, signing limit a day later: settled only from then
    await send('records', [rec('RB-G5', '12345', t1 + HOUR, { dispatched_at: iso(t1 + 2 * HOUR), status: 'dispatched' })])
    const r = rolled.rollups
    await runRollupJob(r, { budgetMs: Infinity, now: t1 + 3 * DAY, pruneEveryMs: 0 })
    const w1 = { from: t1, to: t1 + DAY }
    expect((await r.usableDays(w1.from, w1.to, t1 + 3 * HOUR)).records).toEqual([]) // the limit had not passed then
    expect((await r.usableDays(w1.from, w1.to, t1 + 4 * DAY)).records.length).toBe(1)
    for (const a of [t1 + 3 * HOUR, t1 + 4 * DAY]) await sameAnswers(w1, a, undefined, `as_of ${iso(a)}`)
    // No rows older than their day's latest commit are left (newer ones of a computation that never
    // committed stay until a later commit makes them old).
    const [{ n, all }] = await queryRows<{ n: number; all: number }>(app.db,
      `SELECT countIf(t.computed_at < d.latest) AS n, count() AS all FROM ${r.recTable} AS t
       INNER JOIN (SELECT day, max(computed_at) AS latest FROM rollup_days WHERE fp = {fp:String} AND source = 'records' GROUP BY day) AS d ON d.day = t.day`, { fp: r.fp })
    expect(Number(all)).toBeGreaterThan(0)
    expect(Number(n)).toBe(0)
    // Other limits: another fingerprint, computed from scratch, and the old tables dropped.
    const other = new Rollups(app.db, { ...P, responseLimit110Min: 15 })
    expect(other.fp).not.toBe(r.fp)
    await runRollupJob(other, { budgetMs: Infinity, now: t1 + 3 * DAY, maxDays: 10_000, pruneEveryMs: 0 })
    const tables = (await queryRows<{ name: string }>(app.db, `SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'rollup\\_%\\_%'`)).map((x) => x.name)
    expect(tables.some((x) => x.endsWith(other.fp))).toBe(true)
    expect(tables.some((x) => x.endsWith(r.fp))).toBe(false)
    const q15 = new MetricsQueries(app.db, { ...P, responseLimit110Min: 15 }), q15raw = new MetricsQueries(app.db, { ...P, responseLimit110Min: 15 }, { rollups: false })
    expect(strip(await q15.byRegion(w, undefined, t0 + 20 * DAY))).toEqual(strip(await q15raw.byRegion(w, undefined, t0 + 20 * DAY)))
  })
})
