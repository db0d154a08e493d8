// 新兴话题 (issue 7, 4b): topics rising fast. A topic's count in the last `windowHours` up to the
// window's end against its daily average over the `baselineDays` whole Shanghai days before the day
// holding the start of those hours:
//   raised when n ≥ minCount (8), n ≥ factor × max(average, unseenAverage), the count is significant —
//   Poisson upper tail P(X ≥ n | λ) < pMax (1e-4), λ = max(average, unseenAverage) × windowHours / 24 —
//   from ≥ minCallers callers (≥ minCallersUnseen, 4, for a topic absent from the baseline), with at
//   least one of its records received in the window (a topic is raised again only with new records).
// Small-count fluctuations ("5 件, usually 1.6 a day") are thus not new topics; a topic whose daily
// counts swing more than Poisson is tested on its dispersion (see raisable). Days before the first stored record are not
// baseline (a new system has no past); with fewer than `minBaselineDays` days of past nothing is judged.
//
// Topics, from the most specific:
//  - `e:<entity key>|<problem key>`: the subject entity and the lexicon problem of the text
//    (analytics/hotspots, the same keys as hot issues; problem '' when the lexicon finds none).
//    Counted in JavaScript over the last window's records that name a place named at least minCount
//    times in the window by a coarse SQL key (coarseNamesSql; at most `maxRecords`, latest first);
//    their baseline over the records whose text contains the entity's name (SQL prefilter), read the
//    same way.
//  - `p:<problem key>`: records whose title or body start matches the problem's patterns (the patterns
//    of analytics/hotspots/problems.ts, in SQL through Hyperscan: multiMatchAllIndices, UTF-8), window
//    and baseline alike; a record can be in several.
//  - `c:<category code>`: the unified category.
// A topic whose records are mostly (≥ 80 %) those of a topic raised before it in that order is not
// raised twice (an entity's new problem is not also a new category). Fingerprint `new_topic|<topic key>`.
//
// Cost: SQL reads bounded by [start of baseline, end) FINAL. Problem and category counts of a baseline
// day are cached per process and day, and counted again only when that day's data changed (its row
// count or latest ingested_at), so hourly runs count 14 days once. Text is segmented (memoised per
// text) only for the window's records naming a frequently named place (at most `maxRecords`) and for
// the baseline records naming a candidate entity (at most `maxBaselineRecords`).
import type { Finding } from '../../model/finding'
import { PROBLEMS, PROBLEM_BY_KEY } from '../../analytics/hotspots/problems'
import {
  type Db, type Window, DAY, DT, HOUR, alignStart, dayWindows, categoryName, clip, countyName, monthsOf, num, rangeFinal, recordsQuery,
  routing, rows, samplesOf, seriesOf, shDay, timeParams,
} from './common'
import { COARSE_PARAMS, coarseNamesSql, mostCommon, textPlace } from './risk-cluster'
import { poissonUpper } from './surge'

export interface NewTopicConfig {
  windowHours: number
  baselineDays: number
  minBaselineDays: number
  minCount: number
  factor: number
  unseenAverage: number
  minCallers: number
  /** Poisson upper-tail probability below which a count is significant. */
  pMax: number
  /** Distinct callers needed by a topic absent from the baseline. */
  minCallersUnseen: number
  /** Which kinds of topic are looked for. */
  entities: boolean
  problems: boolean
  categories: boolean
  /** Records read for text per call at most (latest first): the window's, and the baseline's naming a candidate entity. */
  maxRecords: number
  maxBaselineRecords: number
}

export const DEFAULT_NEW_TOPIC: NewTopicConfig = {
  windowHours: 24,
  baselineDays: 14,
  minBaselineDays: 7,
  minCount: 8,
  factor: 3,
  unseenAverage: 0.5,
  minCallers: 2,
  pMax: 1e-4,
  minCallersUnseen: 4,
  entities: true,
  problems: true,
  categories: true,
  maxRecords: 50_000,
  maxBaselineRecords: 20_000,
}

interface Rec { platform: string; source_id: string; t: number; county: string; cat: string; caller_key: string; unit: string; title: string; content: string }
interface Topic { key: string; label: string; recs: Rec[]; base: number; baseDays: Map<string, number> }

const COLS = `platform, source_id, toUnixTimestamp64Milli(received_at) AS t, toString(county_code) AS county,
  toString(category_code) AS cat, caller_key, toString(unit_code) AS unit,
  if(confidential, '', substring(title, 1, 200)) AS title, if(confidential, '', substring(content, 1, 300)) AS content`
const TXT = `concat(title, ' ', substring(content, 1, 600))`
const NEEDLES_PER_CALL = 200
const MAX_NEEDLES = 500
/** Where a name is looked for: the title and the body start, as textPlace reads them. */
const NAME_TXT = `concat(title, ' ', substring(content, 1, 150))`

const needleOf = (key: string) => (key.length > 3 && key.endsWith('公司') ? key.slice(0, -2) : key)
const callersOf = (rs: Rec[]) => new Set(rs.filter((r) => r.caller_key).map((r) => r.caller_key)).size + rs.filter((r) => !r.caller_key).length
/** A problem's patterns as one RE2 expression (the lexicon uses only syntax RE2 shares with JavaScript). */
const problemRe = (key: string) => (PROBLEM_BY_KEY.get(key)?.patterns ?? []).map((p) => `(?:${p.source})`).join('|')
const entityTopic = (key: string, problem: string | null) => `e:${key}|${problem ?? ''}`

/**
 * The problem and category topics of a record, in SQL: `p:<key>` for each problem whose patterns match
 * (Hyperscan, multiMatchAllIndices, UTF-8), `c:<code>` for its category. One row per topic (arrayJoin).
 */
const PROBLEM_PARAMS: Record<string, unknown> = { pres: PROBLEMS.map((pr) => problemRe(pr.key)), pkeys: PROBLEMS.map((pr) => `p:${pr.key}`) }
const TOPICS_ARR = `arrayConcat(
    arrayMap(i -> {pkeys:Array(String)}[i], multiMatchAllIndices(${TXT}, {pres:Array(String)})),
    if(category_code != '', [concat('c:', toString(category_code))], []))`
const TOPICS_SQL = `arrayJoin(${TOPICS_ARR})`

interface DayCounts { sig: string; counts: Map<string, number> }
/** Per database, per Shanghai day of the baseline: its topic counts and the data signature they were counted for. */
const dayCache = new WeakMap<Db, Map<string, DayCounts>>()
const DAY_CACHE_MAX = 400

interface DaySig { d: string; n: number; m: string }

/** Each Shanghai day's signature in [bf, bEnd) (days bf and bEnd are midnights): rows of any version, latest ingested_at. */
async function daySigs(db: Db, bf: number, bEnd: number): Promise<DaySig[]> {
  return rows<DaySig>(db,
    `SELECT toString(toDate(received_at)) AS d, count() AS n, toString(max(ingested_at)) AS m FROM records
     WHERE ${monthsOf('received_at', 'from', 'to')} AND received_at >= {from:${DT}} AND received_at < {to:${DT}}
     GROUP BY d`, timeParams({ from: bf, to: bEnd }))
}

/**
 * Topic counts per whole day of [bf, bEnd). A past day's counts change only when its data does: each
 * day's signature (rows of any version, latest ingested_at) is read without FINAL, and only days
 * whose signature changed are counted again. An hourly pass thus counts the 14 days once, not hourly.
 */
async function baselineDays(db: Db, bf: number, bEnd: number, known?: DaySig[]): Promise<Map<string, Map<string, number>>> {
  const cache = dayCache.get(db) ?? dayCache.set(db, new Map()).get(db)!
  const tp = timeParams({ from: bf, to: bEnd })
  const sigs = known ? known.filter((s) => s.d >= shDay(bf) && s.d < shDay(bEnd)) : await daySigs(db, bf, bEnd)
  const stale = sigs.filter((s) => cache.get(s.d)?.sig !== `${s.n}|${s.m}`)
  if (stale.length) {
    const counted = await rows<{ d: string; topic: string; n: number }>(db,
      `SELECT toString(toDate(received_at)) AS d, ${TOPICS_SQL} AS topic, count() AS n FROM records FINAL
       WHERE ${rangeFinal('received_at', 'from', 'to')} AND toString(toDate(received_at)) IN {days:Array(String)}
       GROUP BY d, topic`, { ...tp, ...PROBLEM_PARAMS, days: stale.map((s) => s.d) })
    for (const s of stale) cache.set(s.d, { sig: `${s.n}|${s.m}`, counts: new Map() })
    for (const c of counted) cache.get(c.d)?.counts.set(c.topic, num(c.n))
    while (cache.size > DAY_CACHE_MAX) cache.delete(cache.keys().next().value!)
  }
  return new Map(sigs.map((s) => [s.d, cache.get(s.d)!.counts]))
}

/** The `windowHours` up to a window's end, and the whole days of baseline before the day holding their start. */
function spans(w: Window, cfg: NewTopicConfig) {
  const ps = w.to - Math.max(1, cfg.windowHours) * HOUR
  const bEnd = alignStart(ps, DAY)
  return { ps, bEnd, bf: bEnd - Math.max(1, Math.round(cfg.baselineDays)) * DAY }
}

/**
 * A call longer than a day (a catch-up run) is judged day by day, each day [s.from, s.to) as a call
 * over it alone would judge it (the same findings, in order). The days' baselines are read once: one
 * signature query for all of them, and the days not yet counted in one query (instead of two queries
 * per day).
 */
export async function detectNewTopics(db: Db, w: Window, cfg: NewTopicConfig = DEFAULT_NEW_TOPIC): Promise<Finding[]> {
  const subs = dayWindows(w)
  if (subs.length === 1) return judgeWindow(db, w, cfg)
  const first = spans(subs[0], cfg), last = spans(subs[subs.length - 1], cfg)
  const sigs = await daySigs(db, first.bf, last.bEnd)
  await baselineDays(db, first.bf, last.bEnd, sigs)
  const pre = await readDays(db, subs, cfg)
  const out: Finding[] = []
  for (const [j, sub] of subs.entries()) out.push(...await judgeWindow(db, sub, cfg, sigs, pre?.[j]))
  return out
}

interface Counted { key: string; n: number; callers: number; inw: number }
/** What judgeWindow reads of its last `windowHours` (given when a catch-up call read it for every day at once). */
interface DayReads { counted: Counted[]; recs: Rec[] }

/**
 * The coarse names and topics counted in SQL over a window's last `windowHours` (`from` = their
 * start, `to` = the window's end, `wfrom` = where the window's own records begin). With `subs`, one
 * scan counts them for each of the windows: a record counts in every window whose hours hold it,
 * under its index j (1-based; arrays ps/pe/wf of their bounds, epoch ms).
 */
function countedSql(cfg: NewTopicConfig, perSub: boolean): string {
  const want = cfg.problems || cfg.categories
  const keys = `arrayConcat(
             ${cfg.entities ? `if(confidential, [], arrayMap(x -> concat('n:', x), ${coarseNamesSql(NAME_TXT)}))` : '[]'},
             ${want ? TOPICS_ARR : '[]'})`
  if (!perSub) return `SELECT key, count() AS n, uniqExactIf(caller_key, caller_key != '') + countIf(caller_key = '') AS callers,
            countIf(t >= {wfrom:${DT}}) AS inw
     FROM (SELECT received_at AS t, caller_key, arrayJoin(${keys}) AS key
           FROM records FINAL WHERE ${rangeFinal('received_at', 'from', 'to')})
     GROUP BY key HAVING n >= {min:UInt32}`
  return `SELECT j, key, count() AS n, uniqExactIf(caller_key, caller_key != '') + countIf(caller_key = '') AS callers,
            countIf(tm >= {wf:Array(Int64)}[j]) AS inw
     FROM (SELECT tm, caller_key, arrayJoin(arrayFilter(i -> tm >= {ps:Array(Int64)}[i] AND tm < {pe:Array(Int64)}[i], range(1, length({ps:Array(Int64)}) + 1))) AS j,
                  arrayJoin(ks) AS key
           FROM (SELECT toUnixTimestamp64Milli(received_at) AS tm, caller_key, ${keys} AS ks
                 FROM records FINAL WHERE ${rangeFinal('received_at', 'from', 'to')}))
     GROUP BY j, key HAVING n >= {min:UInt32}`
}

/** The names a window's records are read for: coarse names counted in it, most written first (at most MAX_NEEDLES). */
function namesOf(counted: Counted[]): string[] {
  return counted.filter((c) => c.key.startsWith('n:') && num(c.inw) > 0)
    .sort((a, b) => num(b.n) - num(a.n) || (a.key < b.key ? -1 : 1)).slice(0, MAX_NEEDLES).map((c) => c.key.slice(2))
}

/** `multiSearchAnyUTF8` over NAME_TXT for any number of needles (ORed calls of NEEDLES_PER_CALL), as params n0, n1, …. */
function nameConds(names: string[], params: Record<string, unknown>): string[] {
  const conds: string[] = []
  for (let c = 0; c * NEEDLES_PER_CALL < names.length; c++) {
    params[`n${c}`] = names.slice(c * NEEDLES_PER_CALL, (c + 1) * NEEDLES_PER_CALL)
    conds.push(`multiSearchAnyUTF8(${NAME_TXT}, {n${c}:Array(String)})`)
  }
  return conds
}

/**
 * A catch-up call's days read at once: what each day's judgeWindow would read — its topics counted
 * and the records naming its names — from one scan each instead of two queries a day (90 days of
 * them were most of a full pass). The records are read once for all the days' names, each with the
 * names it contains; a day takes, in the same order, those in its hours containing one of its own
 * names, at most maxRecords. Undefined (each day then reads its own) when more rows come back than
 * the days' limits together allow.
 */
async function readDays(db: Db, subs: Window[], cfg: NewTopicConfig): Promise<DayReads[] | undefined> {
  const M = Math.max(1, cfg.minCount)
  const max = Math.max(1, Math.round(cfg.maxRecords))
  const sp = subs.map((w) => spans(w, cfg))
  const bounds = { ps: sp.map((x) => x.ps), pe: subs.map((w) => w.to), wf: subs.map((w, j) => Math.max(w.from, sp[j].ps)) }
  const from = Math.min(...bounds.ps), to = Math.max(...bounds.pe)
  const counted: Counted[][] = subs.map(() => [])
  if (cfg.entities || cfg.problems || cfg.categories) {
    const all = await rows<Counted & { j: number }>(db, countedSql(cfg, true),
      { ...timeParams({ from, to }), ...bounds, ...PROBLEM_PARAMS, ...COARSE_PARAMS, min: M })
    for (const r of all) counted[num(r.j) - 1].push({ key: r.key, n: r.n, callers: r.callers, inw: r.inw })
    // (in one order whatever the scan's: each day's own query returned its rows in any order too, and
    // everything after sorts or keys them)
    for (const c of counted) c.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  }
  const names = counted.map((c) => (cfg.entities ? namesOf(c) : []))
  const needles = [...new Set(names.flat())].sort()
  const recs: Rec[][] = subs.map(() => [])
  if (needles.length) {
    const params: Record<string, unknown> = { ...timeParams({ from, to }), lim: max * subs.length + 1 }
    const conds = nameConds(needles, params)
    const hitParts = conds.map((_, c) => `arrayFilter(i -> i >= 0, arrayMap((p, i) -> if(p > 0, toInt32(i) + ${c * NEEDLES_PER_CALL - 1}, -1),
      multiSearchAllPositionsUTF8(${NAME_TXT}, {n${c}:Array(String)}), arrayEnumerate({n${c}:Array(String)})))`)
    const read = await rows<Rec & { hits: number[] }>(db,
      `SELECT ${COLS}, arrayConcat(${hitParts.join(', ')}) AS hits FROM records FINAL
       WHERE ${rangeFinal('received_at', 'from', 'to')} AND (${conds.join(' OR ')})
       ORDER BY received_at DESC, platform, source_id LIMIT {lim:UInt32}`, params)
    if (read.length > max * subs.length) return undefined
    const own = names.map((ns) => new Set(ns))
    for (const r of read) {
      const t = num(r.t)
      const rec: Rec = { platform: r.platform, source_id: r.source_id, t, county: r.county, cat: r.cat, caller_key: r.caller_key, unit: r.unit, title: r.title, content: r.content }
      for (let j = 0; j < subs.length; j++) {
        if (t < bounds.ps[j] || t >= bounds.pe[j] || recs[j].length >= max) continue
        if (r.hits.some((h) => own[j].has(needles[num(h)]))) recs[j].push(rec)
      }
    }
  }
  return subs.map((_, j) => ({ counted: counted[j], recs: recs[j] }))
}

async function judgeWindow(db: Db, w: Window, cfg: NewTopicConfig, sigs?: DaySig[], pre?: DayReads): Promise<Finding[]> {
  const end = w.to
  // Baseline: the whole Shanghai days before the day holding the window's start.
  const { ps, bEnd, bf } = spans(w, cfg)
  const max = Math.max(1, Math.round(cfg.maxRecords))
  const winFrom = Math.max(w.from, ps)
  const p = { ...timeParams({ from: ps, to: end, bfrom: bf, bto: bEnd, wfrom: winFrom }), max }

  // Baseline days' topic counts (cached per day), and days of past: from the first stored record's day
  // on (a day counts from its first record of any version: data existed).
  const days = await baselineDays(db, bf, bEnd, sigs)
  const firstDay = [...days.keys()].sort()[0]
  const first = firstDay ? Date.parse(`${firstDay}T00:00:00+08:00`) : end
  const baseDays = Math.max(0, (bEnd - Math.max(bf, alignStart(first, DAY))) / DAY)
  if (baseDays < cfg.minBaselineDays) return []
  const M = Math.max(1, cfg.minCount)
  // Day-to-day spread of a topic's baseline beyond Poisson (quasi-Poisson dispersion φ = variance /
  // mean of its daily counts, at least 1): a topic whose volume swings from day to day (weather, a
  // weekly market) is tested as counts of φ-sized lumps, so its ordinary busy day is no new topic.
  // Rare topics (under one a day) stay on Poisson: a few days with records say little about spread.
  const dispersion = (perDay: Map<string, number>, base: number) => {
    const mean = base / baseDays
    if (baseDays < 2 || mean < 1) return 1
    let ss = 0
    let seen = 0
    for (const v of perDay.values()) { ss += (v - mean) ** 2; seen++ }
    ss += Math.max(0, baseDays - seen) * mean ** 2 // days without any
    return Math.max(1, ss / (baseDays - 1) / mean)
  }
  const raisable = (n: number, callers: number, base: number, perDay: Map<string, number>) => {
    const avg = Math.max(base / baseDays, cfg.unseenAverage)
    const phi = dispersion(perDay, base)
    return n >= M && callers >= (base > 0 ? cfg.minCallers : Math.max(cfg.minCallers, cfg.minCallersUnseen))
      && n >= cfg.factor * avg && poissonUpper(Math.floor(n / phi), (avg * Math.max(1, cfg.windowHours)) / 24 / phi) < cfg.pMax
  }

  const topics: Topic[] = []
  // One scan of the last window's records counts both: coarse name keys ('n:' + key, texts that are not
  // confidential) and the problem and category topics (callers, records in the window).
  const counted = pre ? pre.counted : cfg.entities || cfg.problems || cfg.categories
    ? await rows<Counted>(db, countedSql(cfg, false), { ...p, ...PROBLEM_PARAMS, ...COARSE_PARAMS, min: M }) : []

  // Entity + problem topics, from the text of the last window's records.
  if (cfg.entities) {
    // Only records naming a place several times named in the window are segmented: coarse name keys
    // (coarseNamesSql) counted in SQL first (in the scan that counts the topics, below).
    const wp: Record<string, unknown> = { ...p }
    const wconds = pre ? [] : nameConds(namesOf(counted), wp)
    const recs = pre ? pre.recs : wconds.length ? (await rows<Rec>(db,
      `SELECT ${COLS} FROM records FINAL WHERE ${rangeFinal('received_at', 'from', 'to')} AND (${wconds.join(' OR ')})
       ORDER BY received_at DESC, platform, source_id LIMIT {max:UInt32}`, wp)).map((r) => ({ ...r, t: num(r.t) })) : []
    const byTopic = new Map<string, { recs: Rec[]; key: string; problem: string | null; surfaces: string[] }>()
    for (const r of recs) {
      const tp = textPlace(r.title, r.content)
      if (!tp.entity) continue
      const k = entityTopic(tp.entity.key, tp.problem)
      const g = byTopic.get(k) ?? byTopic.set(k, { recs: [], key: tp.entity.key, problem: tp.problem, surfaces: [] }).get(k)!
      g.recs.push(r)
      g.surfaces.push(tp.entity.surface)
    }
    const cands = [...byTopic].filter(([, g]) => g.recs.length >= M && callersOf(g.recs) >= cfg.minCallers && g.recs.some((r) => r.t >= winFrom))
    if (cands.length) {
      // Baseline: records before the window whose text names a candidate's entity, read the same way.
      const needles = [...new Set(cands.map(([, g]) => needleOf(g.key)))].sort()
      const bp: Record<string, unknown> = { ...timeParams({ from: bf, to: bEnd }), max: Math.max(1, Math.round(cfg.maxBaselineRecords)) }
      const conds: string[] = []
      for (let c = 0; c * NEEDLES_PER_CALL < needles.length; c++) {
        bp[`n${c}`] = needles.slice(c * NEEDLES_PER_CALL, (c + 1) * NEEDLES_PER_CALL)
        conds.push(`multiSearchAnyCaseInsensitiveUTF8(${NAME_TXT}, {n${c}:Array(String)})`)
      }
      const past = await rows<Rec>(db,
        `SELECT ${COLS} FROM records FINAL WHERE ${rangeFinal('received_at', 'from', 'to')} AND (${conds.join(' OR ')})
         ORDER BY received_at DESC, platform, source_id LIMIT {max:UInt32}`, bp)
      const baseBy = new Map<string, Map<string, number>>()
      for (const r of past) {
        const tp = textPlace(r.title, r.content)
        if (!tp.entity) continue
        const k = entityTopic(tp.entity.key, tp.problem)
        const m = baseBy.get(k) ?? baseBy.set(k, new Map()).get(k)!
        const d = shDay(num(r.t))
        m.set(d, (m.get(d) ?? 0) + 1)
      }
      for (const [k, g] of cands) {
        const bd = baseBy.get(k) ?? new Map()
        const problem = g.problem ? PROBLEM_BY_KEY.get(g.problem)?.label ?? '' : ''
        topics.push({ key: k, label: `${mostCommon(g.surfaces) || g.key}${problem ? ' ' + problem : ''}`, recs: g.recs, base: [...bd.values()].reduce((a, b) => a + b, 0), baseDays: bd })
      }
    }
  }

  // Problem and category topics: counted in SQL, window and baseline alike (baseline days cached).
  const sqlTopics: { key: string; label: string; where: string; params: Record<string, unknown>; base: Map<string, number> }[] = []
  if (cfg.problems || cfg.categories) {
    for (const c of counted.filter((x) => !x.key.startsWith('n:')).map((x) => ({ ...x, topic: x.key }))) {
      const isP = c.topic.startsWith('p:')
      if ((isP && !cfg.problems) || (!isP && !cfg.categories) || num(c.inw) < 1) continue
      const perDay = new Map<string, number>()
      for (const [d, m] of days) { const k = m.get(c.topic); if (k) perDay.set(d, k) }
      const base = [...perDay.values()].reduce((x, y) => x + y, 0)
      if (!raisable(num(c.n), num(c.callers), base, perDay)) continue
      if (isP) {
        const pr = PROBLEM_BY_KEY.get(c.topic.slice(2))
        if (!pr) continue
        sqlTopics.push({ key: c.topic, label: pr.label, where: `multiMatchAny(${TXT}, [{re:String}])`, params: { re: problemRe(pr.key) }, base: perDay })
      } else {
        const cat = c.topic.slice(2)
        sqlTopics.push({ key: c.topic, label: categoryName(cat), where: `category_code = {cat:String}`, params: { cat }, base: perDay })
      }
    }
  }
  for (const st of sqlTopics) {
    const recs = (await rows<Rec>(db,
      `SELECT ${COLS} FROM records FINAL WHERE ${rangeFinal('received_at', 'from', 'to')} AND ${st.where}
       ORDER BY received_at DESC, platform, source_id LIMIT {max:UInt32}`, { ...p, ...st.params })).map((r) => ({ ...r, t: num(r.t) }))
    topics.push({ key: st.key, label: st.label, recs, base: [...st.base.values()].reduce((x, y) => x + y, 0), baseDays: st.base })
  }

  // Raise, most specific first; a topic mostly made of records already raised is left out.
  const order = (k: string) => (k.startsWith('e:') ? 0 : k.startsWith('p:') ? 1 : 2)
  topics.sort((a, b) => order(a.key) - order(b.key) || b.recs.length - a.recs.length || (a.key < b.key ? -1 : 1))
  const raisedRecs = new Set<string>()
  const out: Finding[] = []
  for (const tp of topics) {
    const n = tp.recs.length
    if (!raisable(n, callersOf(tp.recs), tp.base, tp.baseDays) || !tp.recs.some((r) => r.t >= winFrom)) continue
    const ids = tp.recs.map((r) => `${r.platform}|${r.source_id}`)
    if (ids.filter((i) => raisedRecs.has(i)).length >= 0.8 * n) continue
    for (const i of ids) raisedRecs.add(i)
    const avg = tp.base / baseDays
    const ratio = n / Math.max(avg, cfg.unseenAverage)
    const sorted = [...tp.recs].sort((a, b) => a.t - b.t || (a.source_id < b.source_id ? -1 : 1))
    const county = mostCommon(sorted.map((r) => r.county))
    const category = tp.key.startsWith('c:') ? tp.key.slice(2) : mostCommon(sorted.map((r) => r.cat))
    const units = [...new Set(sorted.map((r) => r.unit).filter(Boolean))].sort()
    const severity = ratio >= 3 * cfg.factor || n >= 4 * M || (tp.base === 0 && n >= 2 * M) ? 'high' : 'medium'
    const cn = tp.key.startsWith('e:') ? countyName(county) : ''
    const series = seriesOf(sorted.map((r) => r.t))
    const daysMap = new Map(series.map((s) => [s.day, s.n]))
    for (const [d, k] of tp.baseDays) daysMap.set(d, (daysMap.get(d) ?? 0) + k)
    out.push({
      kind: 'new_topic',
      fingerprint: clip(`new_topic|${tp.key}`),
      title: clip(`新兴话题：${cn ? cn + ' ' : ''}${tp.label}（${Math.round(cfg.windowHours)}小时 ${n} 件，此前日均 ${Math.round(avg * 10) / 10} 件）`),
      severity,
      county_code: county,
      category_code: category,
      units,
      first_seen: sorted[0].t,
      last_seen: sorted[sorted.length - 1].t,
      counts: {
        records: n, callers: callersOf(tp.recs), baseline_records: tp.base, baseline_days: Math.round(baseDays * 10) / 10,
        baseline_daily: Math.round(avg * 100) / 100, ratio: Math.round(ratio * 10) / 10, window_hours: cfg.windowHours,
      },
      series: [...daysMap].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([day, k]) => ({ day, n: k })),
      samples: samplesOf([...sorted].reverse()),
      query: recordsQuery(sorted),
      ...routing(category, units),
    })
  }
  return out
}
