// Metric query latency at a large city's volume, with rollups: `npm run bench:query [-- --records 10000000 --days 365 --runs 20 --data DIR]`.
//
// 1. Generates a year of a large city (10 M records of both platforms and their ~50 M events, the
//    generator bench:detect uses) in a fresh embedded ClickHouse, or reuses DIR (`--data`).
// 2. Runs the rollup job until every day is computed (timed: a first start on existing data).
// 3. Times p50 and p95 over `runs` runs of: the wall's overview (the last 14 days to now, by day), a
//    12-month by-district table (by-region over the last 365 whole days), a unit ranking (breakdown by
//    unit over the last 30 days) and an as-of query (a month six months back, judged a week after it).
// 4. Computes each answer again from raw rows only and checks it is the same (every field).
// 5. Freshness: records sent through the ingest service one by one; from each acknowledgement to the
//    overview (the wall's query) counting it, polled every 10 ms.
// The last line is one JSON object of the figures. Targets: p95 ≤ 200 ms each, rollup = raw, freshness p95 ≤ 2 s.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { openDb, queryRows } from '../analytics/clickhouse'
import { migrate } from '../analytics/migrate'
import { MetricsQueries } from '../analytics/metrics/queries'
import { CANONICAL_PARAMS } from '../analytics/metrics/versions'
import { shanghaiDayStart } from '../analytics/metrics/window'
import { runRollupJob } from '../jobs/rollup-job'
import { IngestService } from '../ingest/service'
import { syntheticCity } from './synthetic-city'
import { arg, strArg } from './args'

const HOUR = 3_600_000, DAY = 24 * HOUR
const keep = strArg('data')
const metaFile = keep && path.join(keep, 'bench-query-meta.json')
const meta = metaFile && existsSync(metaFile) ? JSON.parse(readFileSync(metaFile, 'utf8')) as { end: number; records: number; days: number } : undefined
const RECORDS = meta?.records ?? arg('records', 10_000_000)
const DAYS = meta?.days ?? arg('days', 365)
const RUNS = Math.max(2, arg('runs', 20))
const FRESH = Math.max(1, arg('fresh', 20))
const silent = { info() {}, warn() {}, error() {} }

if (keep) mkdirSync(keep, { recursive: true })
const dir = keep ?? mkdtempSync(path.join(tmpdir(), 'linkage-bench-query-'))
const db = openDb({ dataDir: dir })
await migrate(db, silent)
// The data ends at the start of the current hour: the wall's "now" is the run's own clock.
const end = meta ? meta.end : Math.floor(Date.now() / HOUR) * HOUR
const now = Date.now()

let t = Date.now()
if (!meta) {
  const city = syntheticCity(db, { records: RECORDS, days: DAYS, end })
  const n = Math.floor((end - city.start) / city.step)
  // (in slices, so one statement's partitions stay few)
  for (let off = 0; off < n; off += 2_000_000) {
    await city.insertRecords(off, Math.min(n, off + 2_000_000), 'past')
    await city.insertEvents(off, Math.min(n, off + 2_000_000), 'past')
    process.stdout.write(`\rgenerating: ${Math.min(n, off + 2_000_000).toLocaleString('en-US')} records`)
  }
  process.stdout.write('\n')
  await db.command({ query: 'OPTIMIZE TABLE records FINAL' }).catch(() => {})
  await db.command({ query: 'OPTIMIZE TABLE events FINAL' }).catch(() => {})
  if (metaFile) writeFileSync(metaFile, JSON.stringify({ end, records: RECORDS, days: DAYS }))
}
const genMs = Date.now() - t
const [{ nr, ne }] = await queryRows<{ nr: number; ne: number }>(db, 'SELECT (SELECT count() FROM records) AS nr, (SELECT count() FROM events) AS ne')
console.log(`${Number(nr).toLocaleString('en-US')} records and ${Number(ne).toLocaleString('en-US')} events over ${DAYS} days${meta ? ' (reused)' : ` generated in ${genMs} ms`}`)

const p = { ...CANONICAL_PARAMS, extended: false }
const q = new MetricsQueries(db, p)
const raw = new MetricsQueries(db, p, { rollups: false })

// Rollups: every changed day, latest first, in runs of at most 62 days as the scheduled job does.
t = Date.now()
let computed = 0
for (;;) {
  const r = await runRollupJob(q.rollups, { now, budgetMs: Infinity })
  computed += r.days.length
  if (r.left === 0 && r.days.length === 0) break
  process.stdout.write(`\rrollups: ${computed} days computed, ${r.left} left`)
}
const rollupMs = Date.now() - t
console.log(`\nrollups: ${computed} days computed in ${rollupMs} ms`)

const today = shanghaiDayStart(end)
const windows = {
  wall_overview_14d: () => (m: MetricsQueries) => m.overview({ from: today - 13 * DAY, to: end }, 'day', undefined, now),
  by_district_12m: () => (m: MetricsQueries) => m.byRegion({ from: today - 365 * DAY, to: today }, undefined, now),
  unit_ranking_30d: () => (m: MetricsQueries) => m.breakdown('unit', { from: today - 30 * DAY, to: today }, {}, undefined, now),
  as_of_month: () => {
    const from = shanghaiDayStart(end - 183 * DAY), to = from + 30 * DAY
    return (m: MetricsQueries) => m.overview({ from, to }, 'day', undefined, to + 7 * DAY)
  },
}
const strip = (x: unknown) => JSON.stringify(x, (k, v) => (k === 'generated_at' ? undefined : v))
const pct = (xs: number[], f: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(f * xs.length) - 1)]
const figures: Record<string, { p50_ms: number; p95_ms: number; raw_ms: number; equal: boolean }> = {}
for (const [name, make] of Object.entries(windows)) {
  const f = make()
  await f(q) // (warm: the first query of a kind plans and loads marks)
  const ms: number[] = []
  let last: unknown
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now()
    last = await f(q)
    ms.push(performance.now() - t0)
  }
  const t0 = performance.now()
  const fromRaw = await f(raw)
  const rawMs = performance.now() - t0
  figures[name] = { p50_ms: Math.round(pct(ms, 0.5)), p95_ms: Math.round(pct(ms, 0.95)), raw_ms: Math.round(rawMs), equal: strip(last) === strip(fromRaw) }
  console.log(`${name.padEnd(20)} p50 ${String(figures[name].p50_ms).padStart(5)} ms  p95 ${String(figures[name].p95_ms).padStart(5)} ms  raw ${figures[name].raw_ms} ms  rollup = raw: ${figures[name].equal}`)
}

// Freshness: the wall's overview after each acknowledged record (the rollup job does not run here:
// today, changed, is read raw — as between the job's runs in production).
const ingest = new IngestService(db, { secret: 'bench-query-secret-0123456789abcdef0123', maxRows: 5000, flushMs: 20, log: silent })
const wall = windows.wall_overview_14d()
const volume = async () => (await wall(q)).metrics.volume_12345.value ?? 0
const fresh: number[] = []
let v = await volume()
for (let i = 0; i < FRESH; i++) {
  const at = new Date(end - 30 * 60_000 + i * 1000 + 8 * HOUR).toISOString().replace('Z', '+08:00')
  const line = JSON.stringify({ platform: '12345', source_id: `BQ-FRESH-${now}-${i}`, received_at: at, updated_at: at, channel: 'phone', county_code: '410102',
    kind: 'complaint', status: 'received', title: '测试', content: '新鲜度测试' })
  const res = await ingest.ingest('records', line)
  if (res.rejected) throw new Error(`freshness record rejected: ${JSON.stringify(res)}`)
  const acked = performance.now()
  for (;;) {
    const now2 = await volume()
    if (now2 > v) { v = now2; break }
    if (performance.now() - acked > 30_000) throw new Error('freshness: a record did not appear within 30 s')
    await new Promise((r) => setTimeout(r, 10))
  }
  fresh.push(performance.now() - acked)
}
await ingest.close()
const freshness = { p50_ms: Math.round(pct(fresh, 0.5)), p95_ms: Math.round(pct(fresh, 0.95)) }
console.log(`freshness            p50 ${String(freshness.p50_ms).padStart(5)} ms  p95 ${String(freshness.p95_ms).padStart(5)} ms (${FRESH} records, acknowledgement → overview)`)

const met = {
  p95_200ms: Object.values(figures).every((x) => x.p95_ms <= 200),
  rollup_equals_raw: Object.values(figures).every((x) => x.equal),
  freshness_p95_2s: freshness.p95_ms <= 2000,
}
console.log(`targets: p95 ≤ 200 ms ${met.p95_200ms ? 'met' : 'MISSED'}; rollup = raw ${met.rollup_equals_raw ? 'met' : 'MISSED'}; freshness p95 ≤ 2 s ${met.freshness_p95_2s ? 'met' : 'MISSED'}`)
await db.close()
if (!keep) rmSync(dir, { recursive: true, force: true })
console.log(JSON.stringify({ records: Number(nr), events: Number(ne), days: DAYS, runs: RUNS, generate_ms: meta ? null : genMs, rollup_build_ms: rollupMs, rollup_days: computed,
  ...figures, freshness, targets: met }))
