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
import { CATEGORY_BY_CODE } from '../ingest/simulator/catalog'
import { REGIONS } from '../ingest/simulator/geo'

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : def
}
const strArg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1] : undefined
}
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

const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
const arr = (xs: string[]) => `[${xs.map(q).join(', ')}]`
const cats = [...CATEGORY_BY_CODE.values()]
const cats12345 = cats.filter((c) => c.owner === '12345').map((c) => c.code)
const cats110 = cats.filter((c) => c.owner === '110').map((c) => c.code)
const counties = REGIONS.counties.map((c) => c.code)
const texts = [
  '小区门口道路破损，希望尽快修复', '楼下饭店油烟扰民，晚上很吵', '工地夜间施工噪音大，影响休息', '小区停水一天了，什么时候恢复', '物业不作为，电梯经常坏',
  '公司拖欠工资三个月', '路灯不亮，晚上出行不便', '垃圾清运不及时，气味很大', '邻居家狗天天叫', '健身房预付卡无法退费', '孩子入学划片问题咨询',
  '房产证一直办不下来', '违章搭建影响采光', '占道经营堵塞交通', '暖气不热，室温很低', '下水道堵塞污水外溢', '出租车绕路多收费', '社保转移接续咨询',
  '反映多次没人管，再不解决就找媒体曝光', '家门口有人打架', '电动车被盗', '车辆被剐蹭对方逃逸',
]
const rare = ['邻居站在楼顶说不想活了', '扬言要报复社会', '几十人在门口拉横幅', '闻到煤气泄漏的味道']

/** Records [from, to) of the numbering: received in order of number (with jitter), ingested as given. */
async function insertRecords(from: number, to: number, ingested: 'past' | 'now') {
  const rec = `toDateTime64(${start / 1000}, 3, 'Asia/Shanghai') + toIntervalMillisecond(toUInt64(number * ${step}) + cityHash64(number, 7) % ${Math.max(1, Math.round(step))})`
  for (let off = from; off < to; off += 500_000) {
    const n = Math.min(500_000, to - off)
    await db.command({ query: `INSERT INTO records (platform, source_id, version, ingested_at, channel, received_at, county_code, town_code, lat, lon,
        source_category, category_code, kind, urgency, title, content, caller_key, unit_code, due_at, status,
        accepted_at, dispatched_at, signed_at, first_response_at, arrived_at, replied_at, closed_at)
      SELECT p, sid, least(r + toIntervalHour(30), toDateTime64(${end / 1000}, 3, 'Asia/Shanghai')) AS version,
        ${ingested === 'now' ? 'now64(3)' : 'r + toIntervalMinute(2)'}, if(p = '110', 'phone', 'phone'), r, county, '', if(p = '110', 34.7 + (h % 1000) / 5000, NULL), if(p = '110', 113.6 + (h % 997) / 5000, NULL),
        cat, cat, if(p = '110', 'public_safety', 'complaint'), if(h % 100 = 0, 'emergency', 'normal'),
        txt, concat('来电人反映：', txt, '。'), caller, concat('ZZ-', county, if(p = '110', '-PCS01', '-JD001')), r + toIntervalDay(5),
        if(r + toIntervalHour(26) < toDateTime64(${end / 1000}, 3, 'Asia/Shanghai'), 'closed', 'handling'),
        r + toIntervalSecond(60), r + toIntervalSecond(1200), if(h % 50 = 0, NULL, r + toIntervalSecond(3600)), r + toIntervalSecond(7200),
        if(p = '110', r + toIntervalSecond(900), NULL),
        if(r + toIntervalHour(24) < toDateTime64(${end / 1000}, 3, 'Asia/Shanghai'), r + toIntervalHour(24), NULL),
        if(r + toIntervalHour(26) < toDateTime64(${end / 1000}, 3, 'Asia/Shanghai'), r + toIntervalHour(26), NULL)
      FROM (SELECT number, cityHash64(number) AS h, if(number % 3 = 2, '110', '12345') AS p,
              concat(if(p = '110', 'J', 'G'), '410100-', toString(number)) AS sid, ${rec} AS r,
              arrayElement(${arr(counties)}, 1 + cityHash64(number, 1) % ${counties.length}) AS county,
              if(p = '110', arrayElement(${arr(cats110)}, 1 + cityHash64(number, 2) % ${cats110.length}),
                            arrayElement(${arr(cats12345)}, 1 + cityHash64(number, 2) % ${cats12345.length})) AS cat,
              if(h % 500 = 0, arrayElement(${arr(rare)}, 1 + h % ${rare.length}), arrayElement(${arr(texts)}, 1 + cityHash64(number, 3) % ${texts.length})) AS txt,
              hex(cityHash64(cityHash64(number, 4) % ${Math.max(1, Math.round(RECORDS * 0.6))})) AS caller
            FROM numbers(${off}, ${n}))
      SETTINGS max_partitions_per_insert_block = 0` })
  }
}

/** Events of the records [from, to): accept, dispatch, sign, reply, close; returns and transfers for some. */
async function insertEvents(from: number, to: number, ingested: 'past' | 'now') {
  for (let off = from; off < to; off += 250_000) {
    const n = Math.min(250_000, to - off)
    await db.command({ query: `INSERT INTO events (platform, event_id, record_id, type, at, from_platform, to_platform, from_unit, to_unit, counterpart_id, note, ingested_at)
      SELECT platform, concat(source_id, ':', e.1, ':', toString(e.3)), source_id, e.1, received_at + toIntervalSecond(e.2),
        if(e.1 = 'transfer', platform, ''), if(e.1 = 'transfer', if(platform = '12345', '110', '12345'), ''),
        if(e.1 IN ('returned', 'unit_transfer'), if(e.3 = 2, concat(unit_code, 'B'), unit_code), ''), if(e.1 IN ('dispatched', 'redispatched', 'signed'), if(e.3 = 2, concat(unit_code, 'B'), unit_code), ''),
        if(e.1 = 'transfer', concat(if(platform = '12345', 'J', 'G'), substring(source_id, 2), 'Z'), ''), '',
        ${ingested === 'now' ? 'now64(3)' : 'received_at + toIntervalSecond(e.2) + toIntervalMinute(1)'}
      FROM (SELECT platform, source_id, received_at, unit_code, cityHash64(source_id) AS h FROM records
            WHERE source_id IN (SELECT concat(if(number % 3 = 2, 'J', 'G'), '410100-', toString(number)) FROM numbers(${off}, ${n})))
      ARRAY JOIN arrayFilter(x -> x.2 >= 0 AND received_at + toIntervalSecond(x.2) < toDateTime64(${end / 1000}, 3, 'Asia/Shanghai'), [
        ('accepted', 60, 1), ('dispatched', 1200, 1),
        ('returned', if(h % 12 = 0, 2400, -1), 1), ('redispatched', if(h % 12 = 0, 3000, -1), 2),
        ('returned', if(h % 48 = 0, 3300, -1), 2), ('redispatched', if(h % 48 = 0, 3500, -1), 3),
        ('transfer', if(h % 25 = 1, 300, -1), 1),
        ('signed', if(h % 50 = 0, -1, 3600), 1), ('replied', 86400, 1), ('closed', 93600, 1)]) AS e
      SETTINGS max_partitions_per_insert_block = 0` })
  }
}

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
