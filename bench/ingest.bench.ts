// Ingest and query benchmark on embedded ClickHouse, with simulated Zhengzhou data.
// `npm run bench [-- --days 3 --scale 1]` (default: 1 day at scale 1, about a minute): prints figures;
// the last line is one JSON object of them.
//
// Records and events are measured apart: events are most of the lines and much smaller, so one
// "lines/s" mixes two different loads. The limit is ClickHouse itself: the very rows the HTTP path
// stored, as NDJSON, inserted straight into scratch copies of the tables (JSONEachRow). The ratio
// HTTP / limit says how much of the engine's speed the product's path (HTTP, validation, hashing,
// masking, batching, deduplication, relocation) keeps.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { loadConfig } from '../config'
import { startApp, makeLogger } from '../app'
import { queryRows } from '../analytics/clickhouse'
import { Simulator } from '../ingest/simulator/simulator'
import { splitBody } from '../ingest/parse'
import { checkRecord, checkEvent } from '../ingest/validate'
import { recordRow, eventRow } from '../ingest/rows'
import { Reference } from '../ingest/reference'
import { resolveCallerSecret } from '../ingest/secret'
import { arg } from './args'

const DAYS = arg('days', 1)
const SCALE = arg('scale', 1)
const CHUNK = 5000 // lines per POST (the simulator's MAX_LINES)
const CONCURRENCY = 4
const DAY = 86_400_000

type Kind = 'records' | 'events'
interface Data { lines: Record<Kind, string[]>; chunks: Record<Kind, string[]>; bytes: Record<Kind, number> }

function generate(seed: number, now: number): Data {
  const lines: Record<Kind, string[]> = { records: [], events: [] }
  const sim = new Simulator({ seed, scale: SCALE, now })
  for (const b of sim.backfill(DAYS)) {
    for (const r of b.records) lines.records.push(JSON.stringify(r))
    for (const e of b.events) lines.events.push(JSON.stringify(e))
  }
  const split = (l: string[]) => Array.from({ length: Math.ceil(l.length / CHUNK) }, (_, i) => l.slice(i * CHUNK, (i + 1) * CHUNK).join('\n'))
  const bytes = (l: string[]) => l.reduce((s, x) => s + Buffer.byteLength(x) + 1, 0)
  return { lines, chunks: { records: split(lines.records), events: split(lines.events) }, bytes: { records: bytes(lines.records), events: bytes(lines.events) } }
}

async function pool<T>(items: T[], n: number, f: (t: T) => Promise<void>) {
  let i = 0
  await Promise.all(Array.from({ length: n }, async () => { while (i < items.length) await f(items[i++]) }))
}

let peakRss = 0
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss) }, 50)
const mb = (b: number) => Math.round(b / 1048576)
const rate = (n: number, ms: number) => Math.round(n / (Math.max(ms, 1) / 1000))
const fmt = (n: number) => n.toLocaleString('en-US')
const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000

const dir = mkdtempSync(path.join(tmpdir(), 'linkage-bench-'))
const cfg = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, DEMO: 'false', LOG_LEVEL: 'silent', METRICS_CACHE_MS: '0' })
const app = await startApp(cfg, { jobs: false, logger: makeLogger('silent') })
// Sent like a real source (and read like an evaluator would), with a bearer token.
const auth = { authorization: `Bearer ${(await app.tokens.create({ role: 'admin', name: 'bench' })).token}` }
const now = Date.now()
const BATCH = cfg.INGEST_BATCH_ROWS

let t0 = Date.now()
const a = generate(1, now) // in-process
const b = generate(2, now - (DAYS + 1) * DAY) // HTTP (an earlier stretch of time, so nothing is a re-send of A)
const n = { records: b.lines.records.length, events: b.lines.events.length }
const avg = { records: Math.round(b.bytes.records / n.records), events: Math.round(b.bytes.events / n.events) }
console.log(`generated ${DAYS} day(s) at scale ${SCALE} twice in ${Date.now() - t0} ms: for HTTP ${fmt(n.records)} records (~${avg.records} bytes each) ` +
  `and ${fmt(n.events)} events (~${avg.events} bytes each); in-process ${fmt(a.lines.records.length)} records and ${fmt(a.lines.events.length)} events`)

// 0: the JavaScript half alone on B's lines (split, validate, hash, mask, convert), no ClickHouse.
// Its output is exactly the rows the HTTP path stores; they are kept for the limit below.
const ref = Reference.load()
const { secret } = resolveCallerSecret(cfg) // the app's own (DATA_DIR/caller-hash.secret)
const rowsB: Record<Kind, string[]> = { records: [], events: [] }
const js = { records: 0, events: 0 }
for (const kind of ['records', 'events'] as const) {
  t0 = Date.now()
  for (const c of b.chunks[kind]) {
    for (const item of splitBody(c)) {
      const v = kind === 'records' ? checkRecord(item.value, ref) : checkEvent(item.value)
      if (!v.ok) throw new Error(`simulator line rejected: ${JSON.stringify(v.errors)}`)
      rowsB[kind].push(JSON.stringify(kind === 'records' ? recordRow(v.value as never, secret) : eventRow(v.value as never)))
    }
  }
  js[kind] = rate(n[kind], Date.now() - t0)
}
console.log(`JavaScript side only (one core): records ${fmt(js.records)}/s, events ${fmt(js.events)}/s`)

// A: the in-process ingest service (validation, hashing, masking, batched inserts), no HTTP.
const inproc = { records: 0, events: 0 }
for (const kind of ['records', 'events'] as const) {
  t0 = Date.now()
  await pool(a.chunks[kind], CONCURRENCY, async (c) => { await app.ingest.ingest(kind, c) })
  inproc[kind] = rate(a.lines[kind].length, Date.now() - t0)
}
console.log(`in-process ingest: records ${fmt(inproc.records)}/s, events ${fmt(inproc.events)}/s`)

// B: the same path over HTTP (what sources and the simulator use).
const http = { records: 0, events: 0 }
const httpMs = { records: 0, events: 0 }
for (const kind of ['records', 'events'] as const) {
  t0 = Date.now()
  await pool(b.chunks[kind], CONCURRENCY, async (c) => {
    const res = await fetch(`${app.url}/api/ingest/${kind}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...auth }, body: c })
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`)
    await res.arrayBuffer()
  })
  httpMs[kind] = Date.now() - t0
  http[kind] = rate(n[kind], httpMs[kind])
}
const httpLines = rate(n.records + n.events, httpMs.records + httpMs.events)
console.log(`HTTP ingest: records ${fmt(http.records)}/s (${fmt(rate(b.bytes.records, httpMs.records) >> 10)} KiB/s), ` +
  `events ${fmt(http.events)}/s (${fmt(rate(b.bytes.events, httpMs.events) >> 10)} KiB/s); all ${fmt(httpLines)} lines/s`)

// Limit: B's stored rows as NDJSON, straight into scratch copies of the tables (same engine, keys and
// partitioning), two ways: (1) the engine reading the NDJSON file itself, one
// `INSERT INTO t SELECT * FROM file(…, JSONEachRow)` per table (parallel parsing; the limit); (2)
// `INSERT INTO t FORMAT JSONEachRow` through the client in batches of the writer's size
// (INGEST_BATCH_ROWS), the writer's own kind of insert minus everything else the path does.
const limit = { records: 0, events: 0 }
const limitMs = { records: 0, events: 0 }
const batched = { records: 0, events: 0 }
const batchedMs = { records: 0, events: 0 }
for (const kind of ['records', 'events'] as const) {
  const file = path.join(dir, `limit-${kind}.ndjson`)
  writeFileSync(file, rowsB[kind].join('\n') + '\n')
  for (const how of ['file', 'batched'] as const) {
    const scratch = `bench_limit_${kind}_${how}`
    await app.db.command({ query: `CREATE TABLE ${scratch} AS ${kind}` })
    t0 = Date.now()
    if (how === 'file') {
      // The insertion table's structure is used for file(): columns match the JSON keys by name.
      await app.db.command({ query: `INSERT INTO ${scratch} SELECT * FROM file({f:String}, JSONEachRow)`, query_params: { f: file } })
    } else {
      for (let k = 0; k < rowsB[kind].length; k += BATCH) {
        const r = await app.db.exec({ query: `INSERT INTO ${scratch} FORMAT JSONEachRow`, values: Readable.from([rowsB[kind].slice(k, k + BATCH).join('\n') + '\n']) })
        r.stream.resume()
      }
    }
    const ms = Date.now() - t0
    const [{ c }] = await queryRows<{ c: number }>(app.db, `SELECT count() AS c FROM ${scratch}`)
    if (Number(c) !== n[kind]) throw new Error(`limit run (${how}) stored ${c} of ${n[kind]} ${kind}`)
    await app.db.command({ query: `DROP TABLE ${scratch} SYNC` })
    if (how === 'file') { limitMs[kind] = ms; limit[kind] = rate(n[kind], ms) } else { batchedMs[kind] = ms; batched[kind] = rate(n[kind], ms) }
  }
}
const limitLines = rate(n.records + n.events, limitMs.records + limitMs.events)
const batchedLines = rate(n.records + n.events, batchedMs.records + batchedMs.events)
const toLimit = { records: ratio(http.records, limit.records), events: ratio(http.events, limit.events), lines: ratio(httpLines, limitLines) }
console.log(`ClickHouse limit (the same rows as NDJSON, INSERT … SELECT FROM file(JSONEachRow) into scratch copies): ` +
  `records ${fmt(limit.records)}/s, events ${fmt(limit.events)}/s; all ${fmt(limitLines)} lines/s`)
console.log(`  through the client (INSERT … FORMAT JSONEachRow, ${fmt(BATCH)}-row batches): ` +
  `records ${fmt(batched.records)}/s, events ${fmt(batched.events)}/s; all ${fmt(batchedLines)} lines/s`)
console.log(`HTTP path / limit: records ${toLimit.records}, events ${toLimit.events}, all lines ${toLimit.lines}`)

// C: re-sending every record of A must not add a row.
t0 = Date.now()
await pool(a.chunks.records, CONCURRENCY, async (c) => { await app.ingest.ingest('records', c) })
const resendMs = Date.now() - t0
const [{ stored }] = await queryRows<{ stored: number }>(app.db, 'SELECT count() AS stored FROM records FINAL')
const uniqueRecords = new Set([...a.lines.records, ...b.lines.records].map((l) => { const r = JSON.parse(l); return `${r.platform}|${r.source_id}` })).size
console.log(`after re-sending A's records (${resendMs} ms): ${fmt(Number(stored))} records stored, ${fmt(uniqueRecords)} distinct sent`)

// D: query latency (median of 5), uncached: what one poll costs ClickHouse.
async function median(f: () => Promise<unknown>) {
  const ts: number[] = []
  for (let i = 0; i < 5; i++) { const s = performance.now(); await f(); ts.push(performance.now() - s) }
  return Math.round(ts.sort((x, y) => x - y)[2])
}
const overviewMs = await median(async () => (await fetch(`${app.url}/api/metrics/overview`, { headers: auth })).json())
const regionMs = await median(async () => (await fetch(`${app.url}/api/metrics/by-region`, { headers: auth })).json())
console.log(`query latency (median of 5): overview ${overviewMs} ms, by-region ${regionMs} ms`)

await app.close()
clearInterval(sampler)
rmSync(dir, { recursive: true, force: true })
console.log(`peak RSS ${mb(peakRss)} MB`)
console.log(JSON.stringify({
  days: DAYS, scale: SCALE, records: n.records, events: n.events, record_bytes: avg.records, event_bytes: avg.events,
  js_records_per_s: js.records, js_events_per_s: js.events,
  inproc_records_per_s: inproc.records, inproc_events_per_s: inproc.events,
  http_records_per_s: http.records, http_events_per_s: http.events, http_lines_per_s: httpLines,
  limit_records_per_s: limit.records, limit_events_per_s: limit.events, limit_lines_per_s: limitLines,
  batched_insert_records_per_s: batched.records, batched_insert_events_per_s: batched.events, batched_insert_lines_per_s: batchedLines, batch_rows: BATCH,
  http_to_limit_records: toLimit.records, http_to_limit_events: toLimit.events, http_to_limit_lines: toLimit.lines,
  resend_ms: resendMs, stored_records: Number(stored), distinct_records_sent: uniqueRecords,
  overview_ms: overviewMs, by_region_ms: regionMs, peak_rss_mb: mb(peakRss),
}))
process.exit(Number(stored) === uniqueRecords ? 0 : 1)
