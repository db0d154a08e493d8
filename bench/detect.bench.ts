// Detection speed on a large city: `npm run bench:detect [-- --records 2500000 --days 90]`.
//
// Builds 90 days of records of both platforms (2/3 12345 work orders, 1/3 110 incidents, default
// 2.5 million) and their lifecycle events (about 5 a record: accept, dispatch, sign, reply, close;
// some returns and re-dispatches, transfers to the other platform) in a fresh embedded ClickHouse with
// INSERT … SELECT from numbers() — generating JavaScript objects would take longer than the bench.
// Texts come from a small pool with the occasional emergency or escalation wording, so the detectors'
// text searches have work to do; caller keys repeat so repeat callers exist.
//
// One record in 48 goes back to its first unit after the second returns it (A→B→A, a ping-pong).
//
// Then, timed:
// - full pass: the detect job's first run at the end of the data with catch-up over the whole span
//   (every window of every detector over 90 days), as after a first start on an existing database;
// - incremental pass: one more hour of data arrives (ingested now), then the next run, an hour later.
// Prints both, per detector; the last line is one JSON object of the figures.
//
// For profiling: `--data DIR` keeps the generated database in DIR and reuses it on the next run (the
// detect job's state is cleared first); `--only surge,emergency` runs only those detectors.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { openDb, queryRows } from '../analytics/clickhouse'
import { migrate } from '../analytics/migrate'
import { type DetectSummary, runDetectJob } from '../jobs/detect-job'
import { DETECTORS } from '../jobs/detectors'
import { syntheticCity } from './synthetic-city'
import { arg, strArg } from './args'

const keep = strArg('data')
const metaFile = keep && path.join(keep, 'bench-meta.json')
const meta = metaFile && existsSync(metaFile) ? JSON.parse(readFileSync(metaFile, 'utf8')) as { end: number; records: number; days: number } : undefined
const RECORDS = meta?.records ?? arg('records', 2_500_000)
const DAYS = meta?.days ?? arg('days', 90)
const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const silent = { info() {}, warn() {}, error() {} }

const only = strArg('only')?.split(',')
const detectors = only ? DETECTORS.filter((d) => only.includes(d.name)) : undefined
if (keep) mkdirSync(keep, { recursive: true })
const dir = keep ?? mkdtempSync(path.join(tmpdir(), 'linkage-bench-detect-'))
const reuse = meta !== undefined
const db = openDb({ dataDir: dir })
await migrate(db, silent)

// The end of the data: the start of the current hour (Shanghai = UTC+8, whole hours agree), so all of it is in the past.
const end = meta ? meta.end : Math.floor(Date.now() / HOUR) * HOUR
const start = end - DAYS * DAY
const lastHour = end - HOUR
const step = (DAYS * DAY) / RECORDS // ms between records (uniform over the span; the hour of day is shaped below)

const { insertRecords, insertEvents } = syntheticCity(db, { records: RECORDS, days: DAYS, end })

const t0 = Date.now()
const before = Math.floor((lastHour - start) / step) // records received before the last hour
if (reuse) {
  for (const t of ['job_marks', 'job_windows', 'job_settled']) await db.command({ query: `TRUNCATE TABLE ${t}` })
  await db.command({ query: `DELETE FROM records WHERE received_at >= {t:DateTime64(3, 'Asia/Shanghai')}`, query_params: { t: lastHour / 1000 } })
  await db.command({ query: `DELETE FROM events WHERE at >= {t:DateTime64(3, 'Asia/Shanghai')}`, query_params: { t: lastHour / 1000 } })
} else {
  await insertRecords(0, before, 'past')
  await insertEvents(0, before, 'past')
  if (metaFile) writeFileSync(metaFile, JSON.stringify({ end, records: RECORDS, days: DAYS }))
}
const genMs = Date.now() - t0
const [{ nr, ne }] = await queryRows<{ nr: number; ne: number }>(db, `SELECT (SELECT count() FROM records) AS nr, (SELECT count() FROM events) AS ne`, {})
console.log(`generated ${Number(nr).toLocaleString('en-US')} records and ${Number(ne).toLocaleString('en-US')} events over ${DAYS} days in ${genMs} ms`)
await db.command({ query: 'OPTIMIZE TABLE records FINAL' }).catch(() => {})
await db.command({ query: 'OPTIMIZE TABLE events FINAL' }).catch(() => {})

function perDetector(s: DetectSummary): Record<string, { windows: number; ms: number; findings: number }> {
  const out: Record<string, { windows: number; ms: number; findings: number }> = {}
  for (const w of s.windows) {
    const d = (out[w.detector] ??= { windows: 0, ms: 0, findings: 0 })
    d.windows++
    d.ms += w.ms
    d.findings += w.findings
  }
  return out
}
const sink = async () => {}

// CPU time of this process (every thread: the embedded ClickHouse runs in it), beside wall time: on a
// machine shared with other work wall time varies by a third or more, CPU time much less.
const cpuMs = (since: NodeJS.CpuUsage) => { const u = process.cpuUsage(since); return Math.round((u.user + u.system) / 1000) }

// Full pass: the first run, catching up every window of the whole span.
let t = Date.now()
let cpu = process.cpuUsage()
const full = await runDetectJob(db, { now: lastHour, sink, detectors, cfg: { catchUpDays: DAYS, recomputeDays: DAYS + 1 }, log: silent })
const fullMs = Date.now() - t
const fullCpuMs = cpuMs(cpu)
const fullPer = perDetector(full)
console.log(`full pass over ${DAYS} days: ${fullMs} ms (CPU ${fullCpuMs} ms), ${full.windows.length} window calls, ${full.findings} findings, ${full.errors.length} errors`)
for (const [name, d] of Object.entries(fullPer)) console.log(`  ${name.padEnd(18)} ${String(d.ms).padStart(7)} ms  ${d.windows} calls  ${d.findings} findings`)
for (const e of full.errors) console.log(`  error ${e.detector}: ${e.error.slice(0, 200)}`)

// Incremental: the last hour arrives now; the next run an hour after the previous one.
const total = Math.floor((end - start) / step)
t = Date.now()
await insertRecords(before, total, 'now')
await insertEvents(before, total, 'now')
const hourRecords = total - before
console.log(`last hour: ${hourRecords} records (and their events) stored in ${Date.now() - t} ms`)
t = Date.now()
cpu = process.cpuUsage()
const inc = await runDetectJob(db, { now: end, sink, detectors, cfg: { catchUpDays: DAYS, recomputeDays: DAYS + 1 }, log: silent })
const incMs = Date.now() - t
const incCpuMs = cpuMs(cpu)
const incPer = perDetector(inc)
console.log(`incremental pass over the last hour: ${incMs} ms (CPU ${incCpuMs} ms), ${inc.windows.length} window calls, ${inc.findings} findings, ${inc.errors.length} errors`)
for (const [name, d] of Object.entries(incPer)) console.log(`  ${name.padEnd(18)} ${String(d.ms).padStart(7)} ms  ${d.windows} calls  ${d.findings} findings`)
for (const e of inc.errors) console.log(`  error ${e.detector}: ${e.error.slice(0, 200)}`)
// A run with nothing new (the scheduler's usual tick within the hour).
t = Date.now()
const idle = await runDetectJob(db, { now: end + MIN, sink, detectors, cfg: { catchUpDays: DAYS, recomputeDays: DAYS + 1 }, log: silent })
const idleMs = Date.now() - t
console.log(`next minute, nothing new: ${idleMs} ms, ${idle.windows.length} window calls`)
for (const w of idle.windows) console.log(`  ${w.detector.padEnd(18)} ${String(w.ms).padStart(7)} ms  ${w.reason} ${new Date(w.from).toISOString()} … ${new Date(w.to).toISOString()}`)
console.log(`targets: full pass ≤ 30000 ms ${fullMs <= 30_000 ? 'met' : 'MISSED'}; incremental ≤ 2000 ms ${incMs <= 2000 ? 'met' : 'MISSED'}`)

await db.close()
if (!keep) rmSync(dir, { recursive: true, force: true })
const ms = (o: Record<string, { ms: number }>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.ms]))
console.log(JSON.stringify({
  records: Number(nr) + hourRecords, events: Number(ne), days: DAYS, generate_ms: genMs,
  full_pass_ms: fullMs, full_pass_cpu_ms: fullCpuMs, full_pass_windows: full.windows.length, full_pass_findings: full.findings, full_pass_errors: full.errors.length, full_per_detector_ms: ms(fullPer),
  incremental_ms: incMs, incremental_cpu_ms: incCpuMs, incremental_windows: inc.windows.length, incremental_errors: inc.errors.length, incremental_per_detector_ms: ms(incPer), idle_run_ms: idleMs,
  targets: { full_pass_30s: fullMs <= 30_000, incremental_2s: incMs <= 2000 },
}))
