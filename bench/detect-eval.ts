// Measured quality of the early-warning detectors and the hot-issue finder (issue 7):
// `npm run eval:detect [-- --seed N --scale 0.05 --days 22 --span-min 30 --tail-min 8 --runs 1]`.
//
// The simulator's background noise with planted scenarios (ingest/simulator/scenarios.ts; random seed
// unless --seed, printed) is stored in a fresh embedded ClickHouse through the ingest service (the
// same validation and rows as the HTTP path). History is backfilled up to the anchor; then the live
// part is streamed one simulated minute at a time, and after each minute the detect job runs with
// `now` set to that minute, as the scheduler would. Then the hot issues of the last 7 days.
//
// Figures, per detector (finding kind):
// - recall: planted scenarios expecting that kind that were raised; a finding raises a scenario when
//   its samples overlap the scenario's evidence records, or its fingerprint is one the scenario names;
// - precision: distinct findings (fingerprints) of that kind raised during the run that are right.
//   Strict: only findings matching a planted scenario (expecting or allowing that kind) are right.
//   Checked (the headline): a finding on background records is right too when its evidence shows the
//   pattern by an independent check on the stored data — the noise has such matters on purpose
//   (about 12% of transfers bounce, some 12345 emergencies are kept or handed over late, a pool of
//   frequent callers, an overdue tail): jurisdiction — a sample record was returned, passed between
//   units, transferred more than once or signed more than a day after dispatch; emergency — a 12345
//   sample marked emergency, of a police category or with the rule's wording, not transferred to 110
//   within the limit; repeat caller — its caller has 3 or more records within 7 days; overdue — a
//   sample open past its due time, re-dispatched 3 or more times or passed through 3 or more units; cross-platform place — the
//   place its title names (or its points) is in a 110 incident and two 12345 appeals of its samples, days apart at most (the
//   noise draws compounds from a small pool, so such meetings happen by chance too); new topic — the samples' category rose to at
//   least twice its daily average of the 14 days before (see risingCategory). Everything else is a false
//   positive, and a few of each are listed;
// - time to raise: simulated minutes from the instant a scenario's evidence was complete (see
//   scenarios.ts for each type's definition) to the first detect run whose findings raised it.
// Hot issues: each planted one is found in the ranked list when a hot issue holds at least half of its
// appeals; recall in the top 10. The last line printed is one JSON object of these figures.
import { randomInt } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { openDb, queryRows, type Db } from '../analytics/clickhouse'
import { CATEGORY_BY_CODE } from '../ingest/simulator/catalog'
import { migrate } from '../analytics/migrate'
import { queryHotIssues } from '../analytics/hotspots/query'
import { CITY_WIDE } from '../analytics/scope'
import { IngestService } from '../ingest/service'
import { runDetectJob } from '../jobs/detect-job'
import { DEFAULT_EMERGENCY, DETECTORS } from '../jobs/detectors'
import { FINDING_KINDS, type Finding, type FindingKind } from '../model/finding'
import { type Batch, Simulator } from '../ingest/simulator/simulator'
import type { PlantedScenario, ScenarioType } from '../ingest/simulator/scenarios'

const args = process.argv.slice(2)
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : def
}
const RUNS = arg('runs', 1)
const SEED0 = arg('seed', randomInt(1, 2 ** 31 - 1))
const SCALE = arg('scale', 0.05)
const DAYS = arg('days', 22)
const SPAN_MIN = arg('span-min', 30)
const TAIL_MIN = arg('tail-min', 8)
const HOT_DAYS = 7
const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const COUNTS: Partial<Record<ScenarioType, number>> = {
  disputed_category: arg('disputed', 2), pingpong: arg('pingpong', 2), gathering: arg('gathering', 1), repeat_caller: arg('repeat', 2),
  emergency: arg('emergency', 3), surge: arg('surge', 2), hot_issue: arg('hot', 6), dispute_place: arg('place', 2),
}

const silentLog = { info() {}, warn() {}, error() {} }
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d
const fmtMin = (ms: number) => round(ms / MIN, 1)
const sh = (t: number) => new Date(t + 8 * HOUR).toISOString().slice(5, 16).replace('T', ' ')

async function store(ingest: IngestService, b: Batch, counts: { records: number; events: number; rejected: number }) {
  const send = async (kind: 'records' | 'events', items: object[]) => {
    for (let i = 0; i < items.length; i += 20_000) {
      const body = items.slice(i, i + 20_000).map((x) => JSON.stringify(x)).join('\n')
      const res = await ingest.ingest(kind, body)
      counts[kind] += res.accepted
      counts.rejected += res.rejected
      if (res.rejected) {
        const bad = res.results.find((r) => r.status === 'rejected')
        console.warn(`  ${res.rejected} ${kind} rejected, e.g. ${JSON.stringify(bad).slice(0, 300)}`)
      }
    }
  }
  if (b.records.length) await send('records', b.records)
  if (b.events.length) await send('events', b.events)
}

interface Raised { finding: Finding; firstAt: number; sampleKeys: Set<string> }
const refKey = (r: { platform: string; source_id: string }) => `${r.platform}|${r.source_id}`

/** Unmatched findings whose evidence independently shows the pattern (see the header), by fingerprint. */
async function organic(db: Db, findings: Raised[], end: number): Promise<Set<string>> {
  const out = new Set<string>()
  const checkable = findings.filter((f) => ['jurisdiction_conflict', 'emergency_unreferred', 'repeat_caller', 'overdue'].includes(f.finding.kind))
  const keys = [...new Set(checkable.flatMap((f) => [...f.sampleKeys]))]
  if (!keys.length) {
    for (const f of [...await samePlace(db, findings), ...await risingCategory(db, findings)]) out.add(f)
    return out
  }
  const rows = await queryRows<{ k: string; disputed: number; emergency: number; repeat: number; overdue: number }>(db,
    `WITH s AS (SELECT platform, source_id, caller_key, received_at, urgency, category_code, concat(title, ' ', content) AS text, dispatched_at, signed_at, due_at, closed_at, replied_at
                FROM records FINAL WHERE concat(platform, '|', source_id) IN {keys:Array(String)}),
          ev AS (SELECT platform, record_id, countIf(type IN ('returned', 'unit_transfer')) AS moves, countIf(type = 'transfer') AS transfers,
                   countIf(type = 'redispatched') AS redispatches,
                   uniqExactIf(to_unit, type IN ('dispatched', 'redispatched', 'unit_transfer') AND to_unit != '') AS units,
                   minIf(at, type = 'transfer' AND to_platform = '110') AS to110
                 FROM events FINAL WHERE (platform, record_id) IN (SELECT platform, source_id FROM s)
                    OR counterpart_id IN (SELECT source_id FROM s) GROUP BY platform, record_id),
          calls AS (SELECT caller_key, groupArray(received_at) AS ts FROM records FINAL
                    WHERE caller_key IN (SELECT caller_key FROM s WHERE caller_key != '') GROUP BY caller_key)
     SELECT concat(s.platform, '|', s.source_id) AS k,
       (ifNull(ev.moves, 0) > 0 OR ifNull(ev.transfers, 0) > 1 OR s.signed_at IS NULL AND s.dispatched_at IS NOT NULL AND s.dispatched_at < {end:DateTime64(3, 'Asia/Shanghai')} - toIntervalDay(1)
         OR s.signed_at > s.dispatched_at + toIntervalDay(1)
         OR s.source_id IN (SELECT counterpart_id FROM events FINAL WHERE type = 'transfer' AND counterpart_id IN (SELECT source_id FROM s) GROUP BY counterpart_id HAVING count() > 1)) AS disputed,
       (s.platform = '12345' AND (s.urgency = 'emergency' OR has({police:Array(String)}, toString(s.category_code)) OR multiSearchAny(s.text, {words:Array(String)}))
         AND (ev.to110 IS NULL OR ev.to110 = toDateTime64(0, 3, 'Asia/Shanghai') OR ev.to110 > s.received_at + toIntervalMinute({lim:UInt32}))) AS emergency,
       (arrayCount(t -> t >= s.received_at - toIntervalDay(7) AND t <= s.received_at + toIntervalDay(7), ifNull(calls.ts, [])) >= 3) AS repeat,
       (s.due_at < {end:DateTime64(3, 'Asia/Shanghai')} AND (coalesce(s.replied_at, s.closed_at) IS NULL OR coalesce(s.replied_at, s.closed_at) > s.due_at) OR ifNull(ev.redispatches, 0) >= 3 OR ifNull(ev.units, 0) >= 3) AS overdue
     FROM s LEFT JOIN ev ON ev.platform = s.platform AND ev.record_id = s.source_id
     LEFT JOIN calls ON calls.caller_key = s.caller_key`,
    { keys, end: new Date(end + 8 * HOUR).toISOString().replace('T', ' ').slice(0, 23), lim: DEFAULT_EMERGENCY.limitMin,
      police: [...CATEGORY_BY_CODE.values()].filter((c) => c.owner === '110').map((c) => c.code),
      words: Object.values(DEFAULT_EMERGENCY.keywords).flat() })
  const by = new Map(rows.map((r) => [r.k, r]))
  for (const f of await samePlace(db, findings)) out.add(f)
  for (const f of await risingCategory(db, findings)) out.add(f)
  const col = { jurisdiction_conflict: 'disputed', emergency_unreferred: 'emergency', repeat_caller: 'repeat', overdue: 'overdue' } as const
  for (const f of checkable) {
    const c = col[f.finding.kind as keyof typeof col]
    if ([...f.sampleKeys].some((k) => Number(by.get(k)?.[c] ?? 0) === 1)) out.add(f.finding.fingerprint)
  }
  return out
}

/**
 * Cross-platform places checked on the stored records, without the detector's segmentation: the place
 * the title names (or, for a place found by coordinates, the points) is in at least one 110 incident
 * and two 12345 appeals among the samples, a 110 and a 12345 one at most three days apart (and, by
 * coordinates, within 300 m).
 */
async function samePlace(db: Db, findings: Raised[]): Promise<string[]> {
  const xp = findings.filter((f) => f.finding.kind === 'cross_platform_place')
  const keys = [...new Set(xp.flatMap((f) => [...f.sampleKeys]))]
  if (!keys.length) return []
  const recs = await queryRows<{ k: string; platform: string; t: number; text: string; lat: number | null; lon: number | null }>(db,
    `SELECT concat(platform, '|', source_id) AS k, platform, toUnixTimestamp64Milli(received_at) AS t, concat(title, ' ', content) AS text, lat, lon
     FROM records FINAL WHERE concat(platform, '|', source_id) IN {keys:Array(String)}`, { keys })
  const byKey = new Map(recs.map((r) => [r.k, { ...r, t: Number(r.t) }]))
  const metres = (a: { lat: number | null; lon: number | null }, b: { lat: number | null; lon: number | null }) => {
    if (a.lat === null || a.lon === null || b.lat === null || b.lon === null) return Infinity
    const y = (Number(a.lat) - Number(b.lat)) * 111_195, x = (Number(a.lon) - Number(b.lon)) * 111_195 * Math.cos((Number(a.lat) * Math.PI) / 180)
    return Math.hypot(x, y)
  }
  const out: string[] = []
  for (const f of xp) {
    const rs = [...f.sampleKeys].map((k) => byKey.get(k)).filter((r) => r !== undefined)
    const byName = Number(f.finding.counts.by_entity) === 1
    const name = byName ? (f.finding.title.split('：')[0].split(' ').at(-1) ?? '') : ''
    const at = byName ? rs.filter((r) => name.length >= 2 && r.text.includes(name)) : rs
    const a110 = at.filter((r) => r.platform === '110'), a12345 = at.filter((r) => r.platform === '12345')
    const linked = a110.some((i) => a12345.some((c) => Math.abs(i.t - c.t) <= 3 * DAY && (byName || metres(i, c) <= 300)))
    if (a110.length >= 1 && a12345.length >= 2 && linked) out.push(f.finding.fingerprint)
  }
  return out
}

/**
 * New topics checked on the stored records by category, without the detector's text topics: the
 * samples' commonest category (in their county, when they share one) had at least twice its daily
 * average of the 14 days before in the 24 hours up to the finding's last record, and at least 8.
 * (The noise has seasons — heating and gas matters rise in late autumn — so real rises happen in it.)
 */
async function risingCategory(db: Db, findings: Raised[]): Promise<string[]> {
  const out: string[] = []
  for (const f of findings.filter((x) => x.finding.kind === 'new_topic')) {
    const keys = [...f.sampleKeys]
    if (!keys.length) continue
    const [s] = await queryRows<{ cat: string; county: string; counties: number }>(db,
      `SELECT topK(1)(toString(category_code))[1] AS cat, any(toString(county_code)) AS county, uniqExact(county_code) AS counties
       FROM records FINAL WHERE concat(platform, '|', source_id) IN {keys:Array(String)}`, { keys })
    if (!s?.cat) continue
    const end = f.finding.last_seen
    const [c] = await queryRows<{ win: number; base: number }>(db,
      `SELECT countIf(received_at >= fromUnixTimestamp64Milli({w:Int64}, 'Asia/Shanghai')) AS win,
              countIf(received_at < fromUnixTimestamp64Milli({w:Int64}, 'Asia/Shanghai')) AS base
       FROM records FINAL
       WHERE received_at >= fromUnixTimestamp64Milli({b:Int64}, 'Asia/Shanghai') AND received_at <= fromUnixTimestamp64Milli({e:Int64}, 'Asia/Shanghai')
         AND category_code = {cat:String} AND ({one:UInt8} = 0 OR county_code = {county:String})`,
      { w: end - DAY, b: end - 15 * DAY, e: end, cat: s.cat, county: s.county, one: Number(s.counties) === 1 ? 1 : 0 })
    const win = Number(c?.win ?? 0), avg = Number(c?.base ?? 0) / 14
    if (win >= 8 && win >= 2 * avg) out.push(f.finding.fingerprint)
  }
  return out
}

async function runOnce(seed: number) {
  // The anchor: 10:00 Shanghai yesterday, so the whole live span lies in the past (ingest refuses the future).
  const todayStart = Math.floor((Date.now() + 8 * HOUR) / DAY) * DAY - 8 * HOUR
  const anchor = todayStart - DAY + 10 * HOUR
  const spanMs = SPAN_MIN * MIN
  const end = anchor + spanMs + TAIL_MIN * MIN
  const dir = mkdtempSync(path.join(tmpdir(), 'linkage-eval-'))
  const db: Db = openDb({ dataDir: dir })
  await migrate(db, silentLog)
  const ingest = new IngestService(db, { secret: 'eval-secret-0123456789abcdef0123456789', maxRows: 50_000, flushMs: 20, maxLines: 60_000 })
  const sim = new Simulator({ seed, scale: SCALE, now: anchor, scenarios: { spanMs, counts: COUNTS, emergencyLimitMin: DEFAULT_EMERGENCY.limitMin } })
  const scenarios = sim.scenarios
  console.log(`seed ${seed}: ${DAYS} days of noise at scale ${SCALE} up to ${sh(anchor)} (Shanghai), then ${SPAN_MIN}+${TAIL_MIN} live minutes; ${scenarios.length} planted scenarios`)
  for (const s of scenarios) console.log(`  ${s.id.padEnd(20)} ${s.label}  [evidence ${s.evidence.length}, complete ${sh(s.complete)}]`)

  const counts = { records: 0, events: 0, rejected: 0 }
  let t0 = Date.now()
  let pending: Batch = { records: [], events: [] }
  for (const b of sim.backfill(DAYS)) {
    pending.records.push(...b.records)
    pending.events.push(...b.events)
    if (pending.records.length + pending.events.length >= 50_000) { await store(ingest, pending, counts); pending = { records: [], events: [] } }
  }
  await store(ingest, pending, counts)
  const backfillMs = Date.now() - t0
  console.log(`backfill: ${counts.records} records, ${counts.events} events stored in ${backfillMs} ms (${counts.rejected} rejected)`)

  // Findings as the item store would see them: by fingerprint, with the first run that raised each.
  const raised = new Map<string, Raised>()
  let now = anchor
  const sink = async (fs: Finding[]) => {
    for (const f of fs) {
      const r = raised.get(f.fingerprint)
      if (r) { r.finding = f; for (const s of f.samples) r.sampleKeys.add(refKey(s)) } else raised.set(f.fingerprint, { finding: f, firstAt: now, sampleKeys: new Set(f.samples.map(refKey)) })
    }
  }
  // When each scenario was first raised, per kind: checked after every run.
  const evidenceKeys = new Map(scenarios.map((s) => [s.id, new Set(s.evidence.map(refKey))]))
  const firstRaise = new Map<string, number>() // `${scenario}|${kind}` → now
  const matches = (s: PlantedScenario, r: Raised) => s.fingerprints.includes(r.finding.fingerprint) || [...r.sampleKeys].some((k) => evidenceKeys.get(s.id)!.has(k))
  const check = () => {
    for (const r of raised.values()) for (const s of scenarios) {
      const k = `${s.id}|${r.finding.kind}`
      if (!firstRaise.has(k) && matches(s, r)) firstRaise.set(k, now)
    }
  }

  t0 = Date.now()
  const first = await runDetectJob(db, { now, sink, log: silentLog })
  const catchUpMs = Date.now() - t0
  check()
  console.log(`first detect run (catch-up of history): ${catchUpMs} ms, ${first.findings} findings, ${first.errors.length} errors`)
  const errors = [...first.errors]
  const runMs: number[] = []
  const perDetectorMs: Record<string, number> = {}
  const perDetectorCalls: Record<string, number> = {}
  for (now = anchor + MIN; now <= end; now += MIN) {
    await store(ingest, sim.tick(now), counts)
    const t = Date.now()
    const s = await runDetectJob(db, { now, sink, log: silentLog })
    runMs.push(Date.now() - t)
    for (const w of s.windows) {
      perDetectorMs[w.detector] = (perDetectorMs[w.detector] ?? 0) + w.ms
      perDetectorCalls[w.detector] = (perDetectorCalls[w.detector] ?? 0) + 1
    }
    if (process.env.EVAL_WINDOWS) for (const w of s.windows) console.log(`  ${sh(now)} ${w.detector} ${w.reason} ${sh(w.from)}…${sh(w.to)} ${w.ms} ms`)
    errors.push(...s.errors)
    check()
  }
  const avgPer = Object.fromEntries(Object.entries(perDetectorMs).map(([k, v]) => [k, Math.round(v / Math.max(1, runMs.length))]))
  console.log(`live detect run, mean ms per detector: ${JSON.stringify(avgPer)}`)
  console.log(`live detect run, mean calls per detector: ${JSON.stringify(Object.fromEntries(Object.entries(perDetectorCalls).map(([k, v]) => [k, round(v / Math.max(1, runMs.length), 1)])))}`)
  await ingest.close()
  runMs.sort((a, b) => a - b)
  console.log(`live: ${runMs.length} detect runs, median ${runMs[runMs.length >> 1]} ms, max ${runMs.at(-1)} ms; ${errors.length} detector errors${errors.length ? ': ' + [...new Set(errors.map((e) => `${e.detector}: ${e.error.slice(0, 160)}`))].join(' | ') : ''}`)

  // Hot issues of the last 7 days, the wall's default.
  t0 = Date.now()
  const hot = await queryHotIssues(db, { from: end - HOT_DAYS * DAY, to: end }, CITY_WIDE, {})
  const hotMs = Date.now() - t0
  const unmatched = [...raised.values()].filter((f) => !scenarios.some((s) => (s.expect.includes(f.finding.kind) || s.alsoOk.includes(f.finding.kind)) && matches(s, f)))
  const organicSet = await organic(db, unmatched, end).catch((e: Error) => { console.warn(`organic check failed: ${e.message.slice(0, 300)}`); return new Set<string>() })
  await db.close()
  rmSync(dir, { recursive: true, force: true })
  return { seed, anchor, scenarios, raised, firstRaise, hot, counts, organicSet, timings: { backfillMs, catchUpMs, liveRunMedianMs: runMs[runMs.length >> 1], liveRunMaxMs: runMs.at(-1) ?? 0, hotMs, ...Object.fromEntries(Object.entries(avgPer).map(([k, v]) => [`live_${k}_ms`, v])) }, errors }
}

const implemented = new Set<FindingKind>(DETECTORS.map((d) => d.kind))
type Agg = { planted: number; raised: number; findings: number; tp: number; organic: number; latencies: number[]; missed: string[]; falsePositives: string[] }
const agg = new Map<FindingKind, Agg>()
const get = (k: FindingKind) => agg.get(k) ?? (agg.set(k, { planted: 0, raised: 0, findings: 0, tp: 0, organic: 0, latencies: [], missed: [], falsePositives: [] }), agg.get(k)!)
const hotAgg = { planted: 0, top10: 0, found: 0, ranks: [] as (number | null)[], misses: [] as string[] }
const seeds: number[] = []
const timings: Record<string, number>[] = []
let totalRecords = 0
let totalEvents = 0
let rejected = 0

for (let run = 0; run < RUNS; run++) {
  const seed = run === 0 ? SEED0 : randomInt(1, 2 ** 31 - 1)
  seeds.push(seed)
  const r = await runOnce(seed)
  timings.push(r.timings)
  totalRecords += r.counts.records
  totalEvents += r.counts.events
  rejected += r.counts.rejected
  console.log('')
  // Recall and time to raise, per scenario and expected kind.
  for (const s of r.scenarios) {
    if (s.type === 'hot_issue') continue
    for (const kind of s.expect) {
      const a = get(kind)
      a.planted++
      const at = r.firstRaise.get(`${s.id}|${kind}`)
      if (at === undefined) {
        a.missed.push(`${s.id} (${s.label})${implemented.has(kind) ? '' : ' — no detector of this kind'}`)
        console.log(`  MISSED  ${kind.padEnd(22)} ${s.id}: ${s.label}`)
      } else {
        a.raised++
        a.latencies.push(fmtMin(at - s.complete))
        console.log(`  raised  ${kind.padEnd(22)} ${s.id}: ${fmtMin(at - s.complete)} min after its evidence was complete (${fmtMin(at - s.start)} min after it began)`)
      }
    }
  }
  // Precision: every distinct finding raised during the run.
  for (const f of r.raised.values()) {
    const a = get(f.finding.kind)
    a.findings++
    const ok = r.scenarios.some((s) => (s.expect.includes(f.finding.kind) || s.alsoOk.includes(f.finding.kind))
      && (s.fingerprints.includes(f.finding.fingerprint) || [...f.sampleKeys].some((k) => s.evidence.some((e) => refKey(e) === k))))
    if (ok) a.tp++
    else if (r.organicSet.has(f.finding.fingerprint)) a.organic++
    else if (a.falsePositives.length < 6) a.falsePositives.push(`${f.finding.title} [${JSON.stringify(f.finding.counts).slice(0, 120)}]`)
  }
  // Hot issues.
  for (const s of r.scenarios.filter((x) => x.type === 'hot_issue')) {
    hotAgg.planted++
    const appeals = new Set(s.evidence.filter((e) => e.platform === '12345').map(refKey))
    let best: { rank: number; share: number; title: string } | null = null
    r.hot.forEach((h, i) => {
      const n = h.evidence.filter((e) => appeals.has(refKey(e))).length
      const share = n / appeals.size
      if (!best || share > best.share) best = { rank: i + 1, share, title: h.title }
    })
    const b = best as { rank: number; share: number; title: string } | null
    const found = b !== null && b.share >= 0.5
    if (found) hotAgg.found++
    if (found && b.rank <= 10) hotAgg.top10++
    hotAgg.ranks.push(found ? b.rank : null)
    const what = b ? `best match #${b.rank} "${b.title}" holding ${Math.round(b.share * 100)}% of its appeals` : 'no hot issue at all'
    if (!(found && b.rank <= 10)) hotAgg.misses.push(`${s.id} ${s.hot?.entity} ${s.hot?.problem}: ${what}`)
    console.log(`  ${found && b!.rank <= 10 ? 'top 10' : 'MISSED'}  hot_issue ${s.id}: ${s.label} → ${what}`)
  }
  console.log('  top 10 hot issues:')
  r.hot.slice(0, 10).forEach((h, i) => console.log(`    ${i + 1}. ${h.title} (heat ${h.heat}, ${h.counts.records} appeals, ${h.counts.callers} callers, ${h.counts.platform_110} linked 110, entity type ${h.entity_type})`))
}

console.log('')
const perDetector: Record<string, object> = {}
const targets: Record<string, boolean> = {}
for (const kind of FINDING_KINDS) {
  const a = agg.get(kind)
  if (!a || kind === 'hot_issue') continue
  const recall = a.planted ? round(a.raised / a.planted) : null
  const strict = a.findings ? round(a.tp / a.findings) : null
  const precision = a.findings ? round((a.tp + a.organic) / a.findings) : null
  const lat = [...a.latencies].sort((x, y) => x - y)
  perDetector[kind] = {
    implemented: implemented.has(kind), planted: a.planted, raised: a.raised, recall, findings: a.findings, planted_matches: a.tp, organic_checked: a.organic,
    false_positives: a.findings - a.tp - a.organic, precision, precision_strict: strict,
    latency_min: lat.length ? { median: lat[lat.length >> 1], max: lat.at(-1) } : null,
  }
  console.log(`${kind.padEnd(22)} recall ${recall ?? '—'} (${a.raised}/${a.planted})  precision ${precision ?? '—'} (${a.tp} planted + ${a.organic} checked background of ${a.findings}; strict ${strict ?? '—'})  time to raise ${lat.length ? `median ${lat[lat.length >> 1]} min, max ${lat.at(-1)} min` : '—'}${implemented.has(kind) ? '' : '  [no detector]'}`)
  for (const m of a.missed) console.log(`    missed: ${m}`)
  for (const f of a.falsePositives) console.log(`    false positive: ${f}`)
  if (a.planted) targets[`${kind}_recall`] = (recall ?? 0) >= 0.9
  if (a.planted || a.findings) targets[`${kind}_precision`] = (precision ?? 0) >= 0.8
}
const hotRecall = hotAgg.planted ? round(hotAgg.top10 / hotAgg.planted) : null
console.log(`hot issues: ${hotAgg.top10}/${hotAgg.planted} planted in the top 10 (recall ${hotRecall}); found at all ${hotAgg.found}; ranks ${JSON.stringify(hotAgg.ranks)}`)
for (const m of hotAgg.misses) console.log(`    missed: ${m}`)
targets.hot_issues_all_top10 = hotAgg.top10 === hotAgg.planted
const latOf = (k: FindingKind) => (agg.get(k)?.latencies ?? [])
targets.emergency_within_5min = latOf('emergency_unreferred').length === (agg.get('emergency_unreferred')?.planted ?? 0) && latOf('emergency_unreferred').every((x) => x <= 5)
targets.surge_within_5min = latOf('surge').length === (agg.get('surge')?.planted ?? 0) && latOf('surge').every((x) => x <= 5)
console.log(`targets: ${Object.entries(targets).map(([k, v]) => `${k} ${v ? 'met' : 'MISSED'}`).join(', ')}`)
console.log(JSON.stringify({
  seeds, runs: RUNS, scale: SCALE, history_days: DAYS, live_minutes: SPAN_MIN + TAIL_MIN, records: totalRecords, events: totalEvents, rejected,
  detectors: perDetector,
  hot_issues: { planted: hotAgg.planted, in_top10: hotAgg.top10, recall_top10: hotRecall, found: hotAgg.found, ranks: hotAgg.ranks },
  targets, timings,
}))
