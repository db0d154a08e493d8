// Hot issues (热点问题) from appeal text: a pure function over record-like objects, so it is tested
// without a database (analytics/hotspots/query.ts reads a window from ClickHouse and calls it).
//
// Steps, each chosen to survive real appeal text:
// 1. every record is segmented (title and body apart: subjects name place and problem first) and its
//    candidate entities and lexicon problem found (entities.ts, problems.ts);
// 2. each 12345 appeal is assigned one subject entity: the most specific type (an estate, site or
//    organisation before a road, which is mostly the address), then a name in the title, then the
//    name most appeals of the window mention (so one appeal naming two places joins the busier one);
// 3. appeals about one entity are grouped by lexicon problem; appeals no lexicon entry matches join
//    the most similar group of their entity (character-bigram Jaccard ≥ TOPIC_THRESHOLD) or form
//    groups among themselves by similarity, named by their most shared content word;
// 4. appeals naming no entity that are copies of a grouped appeal (Jaccard ≥ COPY_THRESHOLD) join it:
//    copied and re-posted texts often drop or garble the name;
// 5. 110 incidents naming the same entity in the same county and about the same problem (or within a
//    day of the appeals) are counted as linked, at most as many as the appeals; copies of one text by
//    one caller are counted once in the volume; the heat index (heat.ts) ranks the groups.
// One name can be several places: road names repeat across counties (北环路, 新华路), and so do plain
// estate names; a road, and a name found in several counties with none holding 70% of its mentions,
// is grouped per county where the county is known (the fingerprint then carries `@<county code>`).
// Roads are mostly the address rather than the subject, and problems named only by a shared word are
// vague: such groups need more appeals (by default 6 on a road instead of 3, and 2 more with a
// shared-word problem, 4 more on a road).
// Output does not depend on input order: records are sorted by (platform, source_id) first, and every
// tie is broken by a stable key.
import { tag, cleanText } from './segment'
import { extractEntities, TYPE_RANK, type EntityMention } from './entities'
import { detectProblem, contentWords, topWord, mentionsNight, mentionsDust, mentionsNoise, PROBLEM_BY_KEY } from './problems'
import { bigrams, jaccard, similarAtLeast, UnionFind, COPY_THRESHOLD, TOPIC_THRESHOLD } from './similarity'
import { heatIndex, heatSeverity, HEAT_FORMULA, type HeatParts } from './heat'
import type { Finding, RecordRef } from '../../model/finding'

export { HEAT_FORMULA, heatIndex }

/** The fields hot-issue detection reads from a record (received_at in epoch ms). */
export interface HotRecord {
  platform: string
  source_id: string
  received_at: number
  title: string
  content: string
  county_code: string
  caller_key: string
  category_code: string
}

export interface HotIssue {
  /** Stable identity: `hot_issue|<entity key>[@<county code>]|<problem key>` (the county for names kept apart per county); the same issue next week has the same one. */
  fingerprint: string
  /** Plain Chinese: the entity as most appeals write it, then the problem, e.g. "XX小区 夜间施工噪音扰民". */
  title: string
  entity: string
  entity_key: string
  entity_type: string
  problem: string
  problem_key: string
  /** Most common county code among the appeals ('' when none is known or only the city's). */
  county_code: string
  /** Most common unified category among the appeals ('' when none). */
  category_code: string
  first_seen: number
  last_seen: number
  counts: { records: number; callers: number; platform_110: number; copies: number }
  heat: number
  heat_parts: HeatParts
  /** At most 10: the earliest appeals (up to 8), then linked 110 incidents. */
  samples: RecordRef[]
  /** Daily appeal counts, Asia/Shanghai dates. */
  series: { day: string; n: number }[]
  /** All evidence records (appeals and linked incidents), at most MAX_EVIDENCE, for the item store. */
  evidence: RecordRef[]
}

export interface HotIssueOptions {
  /** The window read; its length scales concentration and its midpoint splits growth. Default: the records' extent. */
  window?: { from: number; to: number }
  /** A hot issue needs at least this many appeals (3: the 三次以上重复诉求 rule of practice) … */
  minRecords?: number
  /** … from at least this many callers (2: one person calling again is a repeat caller, not a hot issue). */
  minCallers?: number
  limit?: number
}

const MAX_SAMPLES_12345 = 8
const MAX_SAMPLES = 10
const MAX_EVIDENCE = 500
/** Pairwise comparisons are capped per group (copies are found among the first appeals of a large group). */
const MAX_PAIRWISE = 300
/** An appeal joining a group is compared with that group's first appeals only (a group's wording is set early). */
const MAX_JOIN_COMPARE = 30
/** Body characters segmented per appeal for names and content words. */
const CONTENT_SEGMENT_CHARS = 600

interface Analysed {
  r: HotRecord
  i: number
  mentions: (EntityMention & { inTitle: boolean; pos: number })[]
  problemKey: string | null
  bigrams: Set<string>
  words: string[]
  night: boolean
  dust: boolean
  noisy: boolean
}

const is110 = (r: HotRecord) => r.platform === '110'
const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
const refOf = (r: HotRecord): RecordRef => ({ platform: r.platform === '110' ? '110' : '12345', source_id: r.source_id })

type TextFacts = Pick<Analysed, 'mentions' | 'problemKey' | 'words' | 'night' | 'dust' | 'noisy'>

/**
 * Segmentation is the cost of a pass (~0.5 ms per appeal); the wall asks for the same window again and
 * again, and most of its records did not change. What the text yields is therefore kept per text
 * (FNV-1a of title and body, with the lengths) in a bounded map, oldest dropped first.
 */
const MEMO_MAX = 200_000
const memo = new Map<string, TextFacts>()

function fnv1a(s: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193) }
  return (h >>> 0).toString(36)
}

function textFacts(title: string, content: string): TextFacts {
  const key = `${title.length}:${content.length}:${fnv1a(title)}:${fnv1a(content)}`
  const hit = memo.get(key)
  if (hit) return hit
  const tTokens = tag(title)
  // Names and the matter come early in a body; segmenting all of it triples the cost for little gain.
  // (The problem lexicon below still reads the whole capped body.)
  const cTokens = tag(content.slice(0, CONTENT_SEGMENT_CHARS))
  const mentions = [
    ...extractEntities(tTokens).map((m, pos) => ({ ...m, inTitle: true, pos })),
    ...extractEntities(cTokens).map((m, pos) => ({ ...m, inTitle: false, pos: 1000 + pos })),
  ]
  const nameWords = new Set(mentions.flatMap((m) => [m.surface, m.key]))
  const facts: TextFacts = {
    mentions,
    problemKey: detectProblem(title, content)?.key ?? null,
    words: contentWords([...tTokens, ...cTokens], nameWords).filter((w) => ![...nameWords].some((n) => n.includes(w))),
    night: mentionsNight(`${title} ${content}`),
    dust: mentionsDust(`${title} ${content}`),
    noisy: mentionsNoise(`${title} ${content}`),
  }
  memo.set(key, facts)
  if (memo.size > MEMO_MAX) memo.delete(memo.keys().next().value!)
  return facts
}

function analyse(r: HotRecord, i: number): Analysed {
  const title = cleanText(r.title, 200)
  const content = cleanText(r.content)
  const f = textFacts(title, content)
  // Mentions are copied: the containment merge below rewrites keys per pass.
  // Bigrams only when compared (most appeals never are): computed on first use.
  let grams: Set<string> | undefined
  return {
    r, i, ...f, mentions: f.mentions.map((m) => ({ ...m })),
    get bigrams() { return (grams ??= bigrams(`${title} ${content}`)) },
  }
}

/**
 * Maps a key to a shorter key it ends with when both occur (a developer's or road's name before the
 * estate's own: "绿城百合花园" → "百合花园"). Only when the shorter key has 4+ characters and the prefix is
 * at most 4 characters (to the longest such key), so that short common tails ("花园") never merge places.
 * The canonical key is the shorter name: the one a later week's appeals are most likely to use too.
 */
function containmentMap(keys: string[]): Map<string, string> {
  const present = new Set(keys)
  // Shortest first, so a chain (A → B → C) resolves to its shortest name.
  const sorted = [...present].sort((a, b) => a.length - b.length || cmpStr(a, b))
  const map = new Map<string, string>()
  for (const long of sorted) {
    // The candidates are the key without its first 1..4 characters (the longest present wins): O(keys).
    for (let cut = 1; cut <= 4 && long.length - cut >= 4; cut++) {
      const target = long.slice(cut)
      if (present.has(target)) { map.set(long, map.get(target) ?? target); break }
    }
  }
  return map
}

function mostCommon(values: string[], accept: (v: string) => boolean = (v) => v !== ''): string {
  const n = new Map<string, number>()
  for (const v of values) if (accept(v)) n.set(v, (n.get(v) ?? 0) + 1)
  let best = ''
  let c = 0
  for (const [v, k] of [...n].sort((a, b) => cmpStr(a[0], b[0]))) if (k > c) { best = v; c = k }
  return best
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V) {
  const list = m.get(k)
  if (list) list.push(v)
  else m.set(k, [v])
}

const shanghaiDay = (t: number) => new Date(t + 8 * 3600_000).toISOString().slice(0, 10)
// A city-level code (ends in 00) says no more than "somewhere in the city".
const isCountyCode = (c: string) => /^\d{6}$/.test(c) && !c.endsWith('00')

const DAY_MS = 24 * 3600_000
const PLANT_PROBLEMS = new Set(['dust', 'noise', 'construction_noise', 'safety', 'road_occupation'])
// Problems a 110 operator and a 12345 appeal may name differently for one matter (a building site's
// night work is "噪音扰民" at the police desk).
const FAMILIES = [new Set(['construction_noise', 'noise', 'mixing_plant']), new Set(['dust', 'mixing_plant', 'construction_noise'])]
const related = (a: string | null, b: string) => a !== null && (a === b || FAMILIES.some((f) => f.has(a) && f.has(b)))
/** A name found in several counties is one place when one county holds at least this share of its mentions. */
const SPLIT_SHARE = 0.7

/** A mixing plant's problem as its appeals tell it: dust, noise or both (the plant's name says 搅拌站 already). */
function plantLabel(entity: string, members: Analysed[]): string {
  const dust = members.filter((m) => m.dust).length * 2 >= members.length
  const noise = members.filter((m) => m.noisy).length * 2 >= members.length
  const what = dust && noise ? '扬尘噪音' : noise ? '噪音扰民' : '扬尘污染'
  return /搅拌站$/.test(entity) ? what : `搅拌站${what}`
}

/** Groups of indices whose texts are copies of each other by one caller (or by unknown callers). */
function copyGroups(items: Analysed[]): UnionFind {
  const uf = new UnionFind(items.length)
  // Only one caller's appeals are compared with each other (copies by different people count).
  const byCaller = new Map<string, number[]>()
  items.forEach((a, i) => push(byCaller, a.r.caller_key, i))
  for (const idx of byCaller.values()) {
    const n = Math.min(idx.length, MAX_PAIRWISE)
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++)
      if (similarAtLeast(items[idx[a]].bigrams, items[idx[b]].bigrams, COPY_THRESHOLD)) uf.union(idx[a], idx[b])
  }
  return uf
}

/** The hot issues of a set of records, ranked by heat (highest first). */
export function findHotIssues(records: readonly HotRecord[], opts: HotIssueOptions = {}): HotIssue[] {
  const minRecords = opts.minRecords ?? 3
  const minCallers = opts.minCallers ?? 2
  const sorted = [...records].sort((a, b) => cmpStr(a.platform, b.platform) || cmpStr(a.source_id, b.source_id))
  if (!sorted.length) return []
  const all = sorted.map(analyse)

  // Variants that only differ by a short prefix before a longer name share one key.
  const merge = containmentMap(all.flatMap((a) => a.mentions.map((m) => m.key)))
  for (const a of all) for (const m of a.mentions) m.key = merge.get(m.key) ?? m.key

  const df = new Map<string, number>()
  for (const a of all) for (const k of new Set(a.mentions.map((m) => m.key))) df.set(k, (df.get(k) ?? 0) + 1)

  const appeals = all.filter((a) => !is110(a.r))
  const incidents = all.filter((a) => is110(a.r))
  const subject = (a: Analysed) => [...a.mentions].sort((x, y) =>
    TYPE_RANK[y.type] - TYPE_RANK[x.type] || Number(y.inTitle) - Number(x.inTitle) || (df.get(y.key) ?? 0) - (df.get(x.key) ?? 0) || x.pos - y.pos)[0]

  // One name, several places: road names (北环路, 新华路) repeat in many counties, and so do plain
  // estate names (幸福家园). Such a key is kept apart per county where the county is known: always for
  // roads, and for other names found in several counties with none holding most of their mentions.
  const countyCounts = new Map<string, Map<string, number>>()
  const roadVotes = new Map<string, number>()
  for (const a of all) {
    for (const m of a.mentions) roadVotes.set(m.key, (roadVotes.get(m.key) ?? 0) + (m.type === 'road' ? 1 : -1))
    if (!isCountyCode(a.r.county_code)) continue
    for (const k of new Set(a.mentions.map((m) => m.key))) {
      const c = countyCounts.get(k) ?? new Map<string, number>()
      c.set(a.r.county_code, (c.get(a.r.county_code) ?? 0) + 1)
      countyCounts.set(k, c)
    }
  }
  const perCounty = new Set<string>()
  for (const [k, c] of countyCounts) {
    if ((roadVotes.get(k) ?? 0) > 0) { perCounty.add(k); continue }
    let n = 0, top = 0
    for (const v of c.values()) { n += v; top = Math.max(top, v) }
    if (c.size >= 2 && top < SPLIT_SHARE * n) perCounty.add(k)
  }
  /** The group key of a mention in a record: the entity key, with the county for names kept apart per county. */
  const groupKey = (a: Analysed, key: string) => (perCounty.has(key) && isCountyCode(a.r.county_code) ? `${key}@${a.r.county_code}` : key)

  // Groups: group key → problem key → members.
  const groups = new Map<string, Map<string, Analysed[]>>()
  const unmatched = new Map<string, Analysed[]>()
  const noEntity: Analysed[] = []
  const surfaces = new Map<string, string[]>()
  const types = new Map<string, string[]>()
  const bareKey = new Map<string, string>()
  for (const a of appeals) {
    const s = subject(a)
    if (!s) { noEntity.push(a); continue }
    const gk = groupKey(a, s.key)
    bareKey.set(gk, s.key)
    push(surfaces, gk, s.surface)
    push(types, gk, s.type)
    // Dust or noise from a mixing plant is the plant's matter, however the appeal words it.
    const pk = /搅拌站$/.test(s.key) && a.problemKey && PLANT_PROBLEMS.has(a.problemKey) ? 'mixing_plant' : a.problemKey
    if (!pk) { push(unmatched, gk, a); continue }
    const byProblem = groups.get(gk) ?? new Map<string, Analysed[]>()
    push(byProblem, pk, a)
    groups.set(gk, byProblem)
  }

  // Appeals without a lexicon problem: join their entity's most similar group, else group by similarity.
  for (const [key, list] of [...unmatched].sort((x, y) => cmpStr(x[0], y[0]))) {
    const byProblem = groups.get(key) ?? new Map<string, Analysed[]>()
    const rest: Analysed[] = []
    for (const a of list) {
      let best: string | null = null
      let bestSim = TOPIC_THRESHOLD
      for (const [pk, members] of [...byProblem].sort((x, y) => cmpStr(x[0], y[0]))) {
        for (const m of members.slice(0, MAX_JOIN_COMPARE)) {
          if (!similarAtLeast(a.bigrams, m.bigrams, bestSim)) continue
          const s = jaccard(a.bigrams, m.bigrams)
          if (s >= bestSim && (s > bestSim || best === null)) { best = pk; bestSim = s }
        }
      }
      if (best) byProblem.get(best)!.push(a)
      else rest.push(a)
    }
    const uf = new UnionFind(rest.length)
    for (let x = 0; x < Math.min(rest.length, MAX_PAIRWISE); x++) for (let y = x + 1; y < Math.min(rest.length, MAX_PAIRWISE); y++)
      if (similarAtLeast(rest[x].bigrams, rest[y].bigrams, TOPIC_THRESHOLD)) uf.union(x, y)
    const byRoot = new Map<number, Analysed[]>()
    rest.forEach((a, i) => push(byRoot, uf.find(i), a))
    for (const members of byRoot.values()) {
      const word = topWord(members.map((m) => m.words))
      const pk = word ? `kw:${word}` : 'kw:'
      for (const m of members) push(byProblem, pk, m)
    }
    if (byProblem.size) groups.set(key, byProblem)
  }

  // Copies that lost the name: join the group of the appeal they copy (same problem, or none).
  // A copy in another county is another matter told in the same words (a template, a forwarded text
  // naming another place), not this one.
  const candidates = [...groups].flatMap(([key, bp]) => [...bp].map(([pk, members]) => ({ key, pk, members, county: mostCommon(members.map((m) => m.r.county_code), isCountyCode) })))
    .filter((g) => g.members.length >= 2)
  for (const a of noEntity) {
    let best: (typeof candidates)[number] | null = null
    let bestSim = COPY_THRESHOLD
    for (const g of candidates) {
      if (a.problemKey && !g.pk.startsWith('kw:') && g.pk !== a.problemKey) continue
      if (g.county && isCountyCode(a.r.county_code) && a.r.county_code !== g.county) continue
      for (const m of g.members.slice(0, MAX_JOIN_COMPARE)) {
        if (!similarAtLeast(a.bigrams, m.bigrams, bestSim)) continue
        const s = jaccard(a.bigrams, m.bigrams)
        if (s > bestSim || (s === bestSim && best === null)) { best = g; bestSim = s }
      }
    }
    if (best) best.members.push(a)
  }

  // 110 incidents per group key (any name they mention, in their own county).
  const incidentsByKey = new Map<string, Analysed[]>()
  for (const a of incidents) for (const k of new Set(a.mentions.map((m) => groupKey(a, m.key)))) push(incidentsByKey, k, a)

  // (a loop, not Math.min(...): a window can hold more records than a call may take arguments)
  let lo = Infinity, hi = -Infinity
  for (const a of all) { lo = Math.min(lo, a.r.received_at); hi = Math.max(hi, a.r.received_at) }
  const win = opts.window ?? { from: lo, to: hi + 1 }
  const winLen = Math.max(1, win.to - win.from)
  const mid = win.from + winLen / 2

  const out: HotIssue[] = []
  for (const [key, byProblem] of groups) {
    for (const [pk, raw] of byProblem) {
      const members = [...new Map(raw.map((m) => [m.i, m])).values()].sort((x, y) => x.r.received_at - y.r.received_at || x.i - y.i)
      // A road is mostly where something happens, not what it is about, and a problem named only by a
      // shared word is vague: both need more appeals before they are a hot issue.
      const entityType = mostCommon(types.get(key) ?? [])
      const road = entityType === 'road'
      const need = (road ? Math.max(2 * minRecords, minRecords + 3) : minRecords) + (pk.startsWith('kw:') ? (road ? 4 : 2) : 0)
      if (members.length < need) continue
      const cg = copyGroups(members)
      const roots = new Set(members.map((_, i) => cg.find(i)))
      const known = new Set(members.map((m) => m.r.caller_key).filter(Boolean))
      const anonymousGroups = new Set(members.map((m, i) => (m.r.caller_key ? -1 : cg.find(i))).filter((x) => x >= 0))
      const callers = known.size + anonymousGroups.size
      if (callers < minCallers) continue
      const first = members[0].r.received_at
      const last = members[members.length - 1].r.received_at
      const county = mostCommon(members.map((m) => m.r.county_code), isCountyCode)
      // A linked 110 incident is in the issue's county (when both are known) and about its problem, or,
      // when its text names no problem, within a day of the appeals. On a road, where every kind of
      // incident happens, it must be both: a busy road's incidents are no escalation of one matter.
      const near = (x: Analysed) => x.r.received_at >= first - DAY_MS && x.r.received_at <= last + DAY_MS
      const linked = (incidentsByKey.get(key) ?? [])
        .filter((x) => !(county && isCountyCode(x.r.county_code) && x.r.county_code !== county))
        .filter((x) => entityType === 'road' ? related(x.problemKey, pk) && near(x) : related(x.problemKey, pk) || (x.problemKey === null && near(x)))
        .sort((x, y) => x.r.received_at - y.r.received_at || x.i - y.i)
      const parts: HeatParts = {
        volume: roots.size,
        callers,
        firstHalf: members.filter((m) => m.r.received_at < mid).length,
        secondHalf: members.filter((m) => m.r.received_at >= mid).length,
        concentration: Math.round((1 - (last - first) / winLen) * 1000) / 1000,
        // capped at the appeals' count, so incidents never outweigh the appeals that make the issue
        linked110: Math.min(linked.length, roots.size),
      }
      const lexicon = PROBLEM_BY_KEY.get(pk)
      const night = members.filter((m) => m.night).length * 2 > members.length
      const entity = mostCommon(surfaces.get(key) ?? [key]) || bareKey.get(key) || key
      const problem = lexicon
        ? (night && (pk === 'construction_noise' || pk === 'noise') ? `夜间${lexicon.label}`
          : pk === 'mixing_plant' ? plantLabel(entity, members) : lexicon.label)
        : pk.length > 3 ? `${pk.slice(3)}问题` : '多次反映问题'
      const seriesMap = new Map<string, number>()
      for (const m of members) seriesMap.set(shanghaiDay(m.r.received_at), (seriesMap.get(shanghaiDay(m.r.received_at)) ?? 0) + 1)
      out.push({
        fingerprint: `hot_issue|${key}|${pk}`.slice(0, 200),
        title: `${entity} ${problem}`.slice(0, 200),
        entity,
        entity_key: bareKey.get(key) ?? key,
        entity_type: entityType,
        problem,
        problem_key: pk,
        county_code: county,
        category_code: mostCommon(members.map((m) => m.r.category_code)),
        first_seen: first,
        last_seen: last,
        counts: { records: members.length, callers, platform_110: linked.length, copies: members.length - roots.size },
        heat: heatIndex(parts),
        heat_parts: parts,
        samples: [...members.slice(0, MAX_SAMPLES_12345), ...linked].slice(0, MAX_SAMPLES).map((m) => refOf(m.r)),
        series: [...seriesMap].sort((a, b) => cmpStr(a[0], b[0])).map(([day, n]) => ({ day, n })),
        evidence: [...members, ...linked].slice(0, MAX_EVIDENCE).map((m) => refOf(m.r)),
      })
    }
  }
  out.sort((a, b) => b.heat - a.heat || b.counts.records - a.counts.records || cmpStr(a.fingerprint, b.fingerprint))
  return opts.limit !== undefined ? out.slice(0, Math.max(0, opts.limit)) : out
}

const sqlStr = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`

/** SQL (literal parameters) listing a hot issue's evidence records, for the consultation item. */
export function evidenceQuery(h: HotIssue): string {
  const ids = h.evidence.map((r) => `(${sqlStr(r.platform)}, ${sqlStr(r.source_id)})`).join(', ')
  return `SELECT platform, source_id, received_at, county_code, category_code FROM records FINAL WHERE (platform, source_id) IN (${ids || "('', '')"}) ORDER BY received_at`
}

/** A hot issue as an early-warning finding (kind hot_issue): one consultation item per entity and problem. */
export function hotIssueToFinding(h: HotIssue): Finding {
  return {
    kind: 'hot_issue',
    fingerprint: h.fingerprint,
    title: h.title,
    severity: heatSeverity(h.heat),
    county_code: h.county_code,
    category_code: h.category_code,
    units: [],
    first_seen: h.first_seen,
    last_seen: h.last_seen,
    counts: { records: h.counts.records, callers: h.counts.callers, platform_110: h.counts.platform_110, copies: h.counts.copies, heat: h.heat },
    series: h.series,
    samples: h.samples,
    query: evidenceQuery(h),
    suggested_lead: '',
    suggested_assist: [],
  }
}

export { heatSeverity }
