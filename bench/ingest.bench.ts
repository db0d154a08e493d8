// Ingest and query benchmark on embedded ClickHouse, with simulated Zhengzhou data.
// `npm run bench [-- --days 3 --scale 1]`: prints figures; the last line is one JSON object of them.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { loadConfig } from '../config'
import { startApp, makeLogger } from '../app'
import { queryRows } from '../analytics/clickhouse'
import { Simulator } from '../ingest/simulator/simulator'
import { splitBody } from '../ingest/parse'
import { checkRecord, checkEvent } from '../ingest/validate'
import { recordRow, eventRow } from '../ingest/rows'
import { Reference } from '../ingest/reference'

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : def
}
const DAYS = arg('days', 3)
const SCALE = arg('scale', 1)
const CHUNK = 5000
const CONCURRENCY = 4

function chunks(seed: number, now: number) {
  const rec: string[] = []
  const ev: string[] = []
  const sim = new Simulator({ seed, scale: SCALE, now })
  for (const b of sim.backfill(DAYS)) {
    for (const r of b.records) rec.push(JSON.stringify(r))
    for (const e of b.events) ev.push(JSON.stringify(e))
  }
  const split = (lines: string[]) => Array.from({ length: Math.ceil(lines.length / CHUNK) }, (_, i) => lines.slice(i * CHUNK, (i + 1) * CHUNK).join('\n'))
  return { records: split(rec), events: split(ev), nRecords: rec.length, nEvents: ev.length }
}

async function pool<T>(items: T[], n: number, f: (t: T) => Promise<void>) {
  let i = 0
  await Promise.all(Array.from({ length: n }, async () => { while (i < items.length) await f(items[i++]) }))
}

let peakRss = 0
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss) }, 50)
const mb = (b: number) => Math.round(b / 1048576)

const dir = mkdtempSync(path.join(tmpdir(), 'linkage-bench-'))
const app = await startApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, DEMO: 'false', LOG_LEVEL: 'silent', METRICS_CACHE_MS: '0' }), { jobs: false, logger: makeLogger('silent') })
const now = Date.now()

// 0: the JavaScript half alone (split, validate, hash, mask, convert, serialise), no ClickHouse
const dry = chunks(3, now - 30 * 86_400_000)
let t0 = Date.now()
const ref = Reference.load()
let dryLines = 0
for (const [kind, list] of [['records', dry.records], ['events', dry.events]] as const) {
  for (const c of list) {
    const rows = splitBody(c).map((item) => {
      const v = kind === 'records' ? checkRecord(item.value, ref) : checkEvent(item.value)
      if (!v.ok) throw new Error(`simulator line rejected: ${JSON.stringify(v.errors)}`)
      return kind === 'records' ? recordRow(v.value as never, 'bench-secret-0123456789') : eventRow(v.value as never)
    })
    dryLines += JSON.stringify(rows).length > 0 ? rows.length : 0
  }
}
const jsMs = Date.now() - t0
const jsRate = Math.round(dryLines / (jsMs / 1000))
console.log(`JavaScript side only: ${dryLines} lines in ${jsMs} ms = ${jsRate} lines/s (one core)`)

// A: in-process ingest service (validation, hashing, masking, batched inserts)
t0 = Date.now()
const a = chunks(1, now)
const genMs = Date.now() - t0
console.log(`generated ${a.nRecords} records and ${a.nEvents} events (${DAYS} days, scale ${SCALE}) in ${genMs} ms`)
t0 = Date.now()
await pool(a.records, CONCURRENCY, async (c) => { await app.ingest.ingest('records', c) })
await pool(a.events, CONCURRENCY, async (c) => { await app.ingest.ingest('events', c) })
const inprocMs = Date.now() - t0
const inprocRate = Math.round((a.nRecords + a.nEvents) / (inprocMs / 1000))
console.log(`in-process ingest: ${a.nRecords + a.nEvents} lines in ${inprocMs} ms = ${inprocRate} lines/s`)

// B: the same path over HTTP (what sources and the simulator use), an earlier stretch of time
const b = chunks(2, now - (DAYS + 1) * 86_400_000)
t0 = Date.now()
const postAll = (kind: string, list: string[]) => pool(list, CONCURRENCY, async (c) => {
  const res = await fetch(`${app.url}/api/ingest/${kind}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: c })
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`)
  await res.arrayBuffer()
})
await postAll('records', b.records)
await postAll('events', b.events)
const httpMs = Date.now() - t0
const httpRate = Math.round((b.nRecords + b.nEvents) / (httpMs / 1000))
console.log(`HTTP ingest: ${b.nRecords + b.nEvents} lines in ${httpMs} ms = ${httpRate} lines/s`)

// C: re-sending everything of A must not add a row
t0 = Date.now()
await pool(a.records, CONCURRENCY, async (c) => { await app.ingest.ingest('records', c) })
const resendMs = Date.now() - t0
const [{ n }] = await queryRows<{ n: number }>(app.db, 'SELECT count() AS n FROM records FINAL')
const uniqueRecords = new Set([...a.records, ...b.records].flatMap((c) => c.split('\n').map((l) => { const r = JSON.parse(l); return `${r.platform}|${r.source_id}` }))).size
console.log(`after re-sending A (${resendMs} ms): ${n} records stored, ${uniqueRecords} distinct sent`)

// D: query latency (median of 5), uncached: what one poll costs ClickHouse
async function median(f: () => Promise<unknown>) {
  const ts: number[] = []
  for (let i = 0; i < 5; i++) { const s = performance.now(); await f(); ts.push(performance.now() - s) }
  return Math.round(ts.sort((x, y) => x - y)[2])
}
const overviewMs = await median(async () => (await fetch(`${app.url}/api/metrics/overview`)).json())
const regionMs = await median(async () => (await fetch(`${app.url}/api/metrics/by-region`)).json())
console.log(`query latency (median of 5): overview ${overviewMs} ms, by-region ${regionMs} ms`)

await app.close()
clearInterval(sampler)
rmSync(dir, { recursive: true, force: true })
console.log(`peak RSS ${mb(peakRss)} MB`)
console.log(JSON.stringify({
  days: DAYS, scale: SCALE, records: a.nRecords + b.nRecords, events: a.nEvents + b.nEvents,
  js_only_lines_per_s: jsRate, inproc_lines_per_s: inprocRate, http_lines_per_s: httpRate, resend_ms: resendMs,
  stored_records: Number(n), distinct_records_sent: uniqueRecords,
  overview_ms: overviewMs, by_region_ms: regionMs, peak_rss_mb: mb(peakRss),
}))
process.exit(Number(n) === uniqueRecords ? 0 : 1)
