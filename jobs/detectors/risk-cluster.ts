// 风险隐患聚集 (issue 7, 3a): a space–time burst of dispute and safety records around one place, on
// both platforms.
//
// Which records: those of a risk type (see DEFAULT_RISK_CLUSTER.types): a record is of the first type
// whose words appear in its title or content, or whose categories hold its category, or whose kinds
// hold its kind (110 classes mass_incident, crime, public_safety; 12345 appeals count through their
// category or their words). Categories in `excludeCategories` never count: telecom fraud and identity
// misuse (no place: the caller's home is where they phone from), lost persons, hotline harassment,
// complaints about the police, and the noise classes of 110's public_safety (a noisy neighbour called in
// five times is no risk cluster; noise at one place is what hot issues and cross-platform links find).
//
// Where: a record's place is its coordinates when it has them; without coordinates, the entity its text
// names (analytics/hotspots: extractEntities/entityKey) within its town (or county). Two records are
// near when both have coordinates within `radiusM` metres (haversine), or when they name the same
// entity and their towns/counties agree (one unknown or city-level agrees with any). Coordinates are
// bucketed into a grid of cells `radiusM` wide (floor(lat/Δ), floor(lon·cos(lat)/Δ)); a record's
// neighbours are looked up in its 3×3 cells, so no pair within the radius is missed. (Not geoToH3: its
// argument order depends on a server setting, geotoh3_argument_order, that changed between versions.)
//
// A cluster: an anchor record received in the window, with the records near it received in the
// `hours` before it (so a cluster spans at most `hours`, and 2·radiusM): at least `minRecords` matters
// from at least `minCallers` callers. A record handed to the other platform (status transferred_out)
// is the same matter as its counterpart there: it is evidence, but not counted as a matter. Callers are
// distinct caller keys; a record without one counts as a caller of its own. Anchors are taken largest
// cluster first, and a record belongs to one cluster per run.
//
// Identity: `risk_cluster|burst|cell:<y>,<x>|<type>` (grid cell of the members' centroid) when most
// members have coordinates, else `risk_cluster|burst|ent:<county>:<entity key>|<type>`; the type is the
// members' most common risk type. The same place and problem next week updates its item.
//
// Severity rises with the number of matters and the 110 share: critical from 3·minRecords matters (or
// 2·minRecords with half or more from 110, or a gathering of 2·minRecords), high from 2·minRecords or
// with half or more from 110, else medium.
//
// Cost: one read of [from − hours, to) FINAL, filtered in SQL (risk types), latest `maxRecords` first.
// Text is segmented (title, then the start of the body; memoised per text) only for records that share
// a coarse name key (coarseNamesSql, in SQL) with another record of the read, and for cluster members.
import type { Finding } from '../../model/finding'
import { cleanText, tag } from '../../analytics/hotspots/segment'
import { extractEntities, TYPE_RANK, type EntityMention } from '../../analytics/hotspots/entities'
import { detectProblem } from '../../analytics/hotspots/problems'
import {
  type Db, type Window, DAY, dayWindows, HOUR, categoryName, clip, countyName, num, rangeFinal, recordsQuery, routing, rows, samplesOf,
  seriesOf, timeParams,
} from './common'

export interface RiskType {
  key: string
  /** Plain Chinese for titles: "7起纠纷警情/诉求聚集". */
  label: string
  kinds: string[]
  categories: string[]
  /** Searched case-insensitively in the title and the first 500 characters of the content. */
  words: string[]
}

export interface RiskClusterConfig {
  radiusM: number
  hours: number
  /** Matters (records less those handed to the other platform) in one cluster. */
  minRecords: number
  minCallers: number
  /** In order: a record is of the first type that matches it. */
  types: RiskType[]
  excludeCategories: string[]
  excludeKinds: string[]
  /** Records read per call at most (latest first). */
  maxRecords: number
}

export const DEFAULT_RISK_CLUSTER: RiskClusterConfig = {
  radiusM: 500,
  hours: 6,
  minRecords: 5,
  minCallers: 2,
  types: [
    { key: 'gathering', label: '聚集', kinds: ['mass_incident'],
      categories: ['POL_MASS_GATHERING', 'POL_STABILITY', 'POL_EXTREME', 'POL_THREAT'],
      words: ['聚集', '围堵', '拉横幅', '打横幅', '堵门', '堵路', '静坐', '集体上访', '讨薪', '讨要工资', '聚众', '闹事'] },
    { key: 'fight', label: '打架斗殴', kinds: [], categories: ['POL_FIGHT'],
      words: ['打架', '斗殴', '殴打', '打人', '互殴', '持刀', '寻衅滋事'] },
    { key: 'dispute', label: '纠纷', kinds: [],
      categories: ['DSP_NEIGHBOR', 'DSP_FAMILY_LABOR', 'ECO_WAGES', 'ECO_CONTRACT', 'CSM_DISPUTE', 'CSM_PREPAID'],
      words: ['纠纷', '吵架', '争吵', '冲突', '矛盾激化', '扯皮', '推搡'] },
    // Not the 110 classes crime/public_safety as such: thefts, accidents and noise calls are most of
    // them, and in a dense city five within 500 m and six hours happen by chance every day.
    { key: 'safety', label: '治安', kinds: [], categories: ['RSC_PUBLIC_DANGER', 'EMG_SUDDEN'],
      words: ['治安混乱', '安全隐患', '寻衅滋事', '持械', '聚众斗殴'] },
  ],
  excludeCategories: ['POL_FRAUD', 'POL_ID_MISUSE', 'POL_HARASS_HOTLINE', 'POL_COMPLAINT', 'AST_LOST_PERSON',
    'POL_DOMESTIC_NOISE', 'POL_BUSINESS_NOISE', 'POL_RENOVATION_NOISE'],
  excludeKinds: ['invalid_alarm', 'consult_only'],
  maxRecords: 50_000,
}

// ---------- shared with the other place detectors (cross-platform-place, new-topic) ----------

/** What a record's text says about where and what: its subject entity and its lexicon problem. */
export interface TextPlace { entity: EntityMention | null; problem: string | null }

interface Memo { entity: EntityMention | null; problem?: string | null }
const MEMO_MAX = 200_000
const memo = new Map<string, Memo>()

function fnv1a(s: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193) }
  return (h >>> 0).toString(36)
}

/**
 * The subject entity and problem of an appeal: the title is segmented first (it names the place in
 * most appeals), the first 150 characters of the body only when the title names none. Memoised per
 * text (a window overlapping the last one reads mostly the same records); the problem (the lexicon of
 * analytics/hotspots/problems.ts) only when asked for. Empty, long or non-Chinese text gives
 * { entity: null, … } and never throws.
 */
export function textPlace(title: string, content: string, withProblem = true): TextPlace {
  const t = cleanText(title, 200)
  const c = cleanText(content, 600)
  if (!t && !c) return { entity: null, problem: null }
  const key = `${t.length}:${c.length}:${fnv1a(t)}:${fnv1a(c)}`
  let m = memo.get(key)
  if (!m) {
    let ms = t ? extractEntities(tag(t)) : []
    if (!ms.length && c) ms = extractEntities(tag(c.slice(0, 150)))
    let entity: EntityMention | null = null
    for (const x of ms) if (!entity || TYPE_RANK[x.type] > TYPE_RANK[entity.type]) entity = x
    m = { entity }
    memo.set(key, m)
    if (memo.size > MEMO_MAX) memo.delete(memo.keys().next().value!)
  }
  if (withProblem && m.problem === undefined) m.problem = detectProblem(t, c)?.key ?? null
  return { entity: m.entity, problem: m.problem ?? null }
}

const EARTH_M = 6_371_000
const M_PER_DEG = (Math.PI / 180) * EARTH_M

export function distanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180
  const dLat = (lat2 - lat1) * r, dLon = (lon2 - lon1) * r
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_M * Math.asin(Math.min(1, Math.sqrt(a)))
}

/** Grid cell (about `sizeM` × `sizeM`) of a point: [y, x]. */
export function cellOf(lat: number, lon: number, sizeM: number): [number, number] {
  const d = Math.max(1, sizeM) / M_PER_DEG
  return [Math.floor(lat / d), Math.floor((lon * Math.cos((lat * Math.PI) / 180)) / d)]
}

/** Counties agree when equal, or when either is unknown or city-level (ends in 00). */
export const countyAgrees = (a: string, b: string) => a === b || !a || !b || a.endsWith('00') || b.endsWith('00')

export function mostCommon(values: string[]): string {
  const n = new Map<string, number>()
  for (const v of values) if (v) n.set(v, (n.get(v) ?? 0) + 1)
  let best = ''
  let c = 0
  for (const [v, k] of [...n].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) if (k > c) { best = v; c = k }
  return best
}

export const nonEmpty = (a: string[]) => (a.length ? a : ['\u0000'])

// Name endings for the SQL prefilter below, longest first (RE2 alternation takes the first that fits).
const COARSE_SUFFIXES = ['有限公司', '住宅小区', '家属院', '幼儿园', '停车场', '搅拌站', '小区', '花园', '新城', '家园', '公寓', '广场',
  '大厦', '山庄', '公馆', '新村', '社区', '华庭', '公司', '学校', '小学', '中学', '医院', '市场', '超市', '商场', '酒店', '工地', '项目',
  '公园', '苑', '府', '庭', '城', '园', '郡', '湾', '邸', '院', '村', '厂', '站']

/**
 * A coarse name key in SQL, for prefiltering before segmentation: the two Chinese characters before a
 * name ending ("锦楚国际新城三区" → 国际新城). Variants of one name mostly share it, and different names
 * sometimes do: it only chooses which records are segmented, the entity key decides. Returns an SQL
 * expression of Array(String) over `txt`; needs the parameter {coarse_re:String} (COARSE_PARAMS).
 */
export const coarseNamesSql = (txt: string) => `arrayDistinct(extractAll(${txt}, {coarse_re:String}))`
export const COARSE_PARAMS = { coarse_re: `\\p{Han}{2}(?:${COARSE_SUFFIXES.join('|')})` }

/** The place as a title names it: the entity as written, else the coordinates. */
export function placeName(surface: string, lat: number | null, lon: number | null): string {
  if (surface) return surface
  if (lat !== null && lon !== null) return `坐标(${lat.toFixed(4)},${lon.toFixed(4)})`
  return '同一地点'
}

// ---------- the detector ----------

interface Row {
  platform: string; source_id: string; t: number; lat: number | null; lon: number | null; county: string; town: string
  cat: string; kind: string; caller_key: string; unit: string; status: string; title: string; content: string; rtype: string
  ck?: string[]
}

interface Item extends Row {
  idx: number
  geo: boolean
  cell: [number, number] | null
  key: string
  surface: string
  /** Text segmented (key and surface set). */
  named: boolean
}

/** An item of the read, not yet named (each window names its own copy). */
function itemOf(r: Row, t: number, lat: number | null, lon: number | null, idx: number, geo: boolean, cell: [number, number] | null): Item {
  return {
    platform: r.platform, source_id: r.source_id, t, lat, lon, county: r.county, town: r.town, cat: r.cat, kind: r.kind,
    caller_key: r.caller_key, unit: r.unit, status: r.status, title: r.title, content: r.content, rtype: r.rtype, ck: r.ck,
    idx, geo, cell, key: '', surface: '', named: false,
  }
}

/** SQL: the risk type of a record ('' for none), from the config's lists. */
function typeSql(cfg: RiskClusterConfig, params: Record<string, unknown>): string {
  const arms: string[] = []
  cfg.types.forEach((ty, i) => {
    params[`rw${i}`] = nonEmpty(ty.words)
    params[`rc${i}`] = nonEmpty(ty.categories)
    params[`rk${i}`] = nonEmpty(ty.kinds)
    arms.push(`multiSearchAnyCaseInsensitiveUTF8(txt, {rw${i}:Array(String)}) OR cat IN {rc${i}:Array(String)} OR kind IN {rk${i}:Array(String)}, '${ty.key.replace(/[^A-Za-z0-9_]/g, '')}'`)
  })
  params.rxc = nonEmpty(cfg.excludeCategories)
  params.rxk = nonEmpty(cfg.excludeKinds)
  return arms.length ? `multiIf(cat IN {rxc:Array(String)} OR kind IN {rxk:Array(String)}, '', ${arms.join(', ')}, '')` : `''`
}

export async function detectRiskClusters(db: Db, w: Window, cfg: RiskClusterConfig = DEFAULT_RISK_CLUSTER): Promise<Finding[]> {
  const span = Math.max(0, cfg.hours) * HOUR
  const R = Math.max(1, cfg.radiusM)
  const max = Math.max(1, Math.round(cfg.maxRecords))
  // A call longer than a day (a catch-up run) is judged day by day from one read: each day as a call
  // over it alone would judge it (the same findings, in order) — unless the read hit maxRecords, when
  // each day reads its own latest maxRecords.
  const subs = dayWindows(w)
  const params: Record<string, unknown> = { ...timeParams({ from: w.from - span, to: w.to }), max: subs.length > 1 ? max + 1 : max, ...COARSE_PARAMS }
  const type = typeSql(cfg, params)
  // Confidential records count, but their text names nothing (titles are made from names).
  const read = await rows<Row>(db,
    `SELECT * EXCEPT (txt) FROM (
       SELECT platform, source_id, toUnixTimestamp64Milli(received_at) AS t, lat, lon, toString(county_code) AS county,
              toString(town_code) AS town, toString(category_code) AS cat, toString(kind) AS kind, caller_key,
              toString(unit_code) AS unit, toString(status) AS status,
              if(confidential, '', substring(title, 1, 200)) AS title, if(confidential, '', substring(content, 1, 300)) AS content,
              concat(title, ' ', substring(content, 1, 500)) AS txt, ${type} AS rtype,
              if(confidential, [], ${coarseNamesSql(`concat(title, ' ', substring(content, 1, 150))`)}) AS ck
       FROM records FINAL WHERE ${rangeFinal('received_at', 'from', 'to')})
     WHERE rtype != ''
     ORDER BY t DESC, platform, source_id
     LIMIT {max:UInt32}`, params)
  if (!read.length) return []
  if (subs.length > 1 && read.length > max) {
    const out: Finding[] = []
    for (const sub of subs) out.push(...await detectRiskClusters(db, sub, cfg))
    return out
  }
  // (objects built field by field: spreading a row into a new object with more fields was V8's slow
  // path, about 14 µs a record, most of a catch-up call's time)
  const all: Item[] = read
    .map((r) => {
      const lat = r.lat === null ? null : Number(r.lat), lon = r.lon === null ? null : Number(r.lon)
      const geo = lat !== null && lon !== null && Number.isFinite(lat) && Number.isFinite(lon)
      return itemOf(r, num(r.t), lat, lon, 0, geo, geo ? cellOf(lat!, lon!, R) : null)
    })
    .sort((a, b) => a.t - b.t || (a.platform < b.platform ? -1 : a.platform > b.platform ? 1 : 0) || (a.source_id < b.source_id ? -1 : 1))
  all.forEach((it, idx) => { it.idx = idx })
  const places = new Map<number, { key: string; surface: string }>() // segmentation, once per record
  const out: Finding[] = []
  for (const sub of subs) {
    const items = (subs.length === 1 ? all : all.filter((it) => it.t >= sub.from - span && it.t < sub.to)).map((it) => itemOf(it, it.t, it.lat, it.lon, it.idx, it.geo, it.cell))
    if (subs.length > 1 && items.length > max) out.push(...await detectRiskClusters(db, sub, cfg))
    else out.push(...clusterWindow(sub, items))
  }
  return out

  /** The clusters anchored in `win` among `items` (the records read for it, each one's own copy). */
  function clusterWindow(win: Window, items: Item[]): Finding[] {
    // Segmentation only where a name can link: records sharing a coarse name key (coarseNamesSql) with
    // another record of the read; cluster members are named after clustering.
    const ckCount = new Map<string, number>()
    for (const it of items) for (const k of it.ck ?? []) ckCount.set(k, (ckCount.get(k) ?? 0) + 1)
    const name = (it: Item) => {
      if (it.named) return
      let pl = places.get(it.idx)
      if (!pl) {
        const tp = textPlace(it.title, it.content, false)
        places.set(it.idx, (pl = { key: tp.entity?.key ?? '', surface: tp.entity?.surface ?? '' }))
      }
      it.key = pl.key
      it.surface = pl.surface
      it.named = true
    }
    for (const it of items) if ((it.ck ?? []).some((k) => (ckCount.get(k) ?? 0) >= 2)) name(it)

    // Lookup: grid cells and entity keys → items.
    const byCell = new Map<string, Item[]>()
    const byKey = new Map<string, Item[]>()
    for (const it of items) {
      if (it.cell) { const k = `${it.cell[0]},${it.cell[1]}`; (byCell.get(k) ?? byCell.set(k, []).get(k)!).push(it) }
      if (it.key) (byKey.get(it.key) ?? byKey.set(it.key, []).get(it.key)!).push(it)
    }
    const near = (a: Item): Item[] => {
      const out = new Map<number, Item>()
      const inTime = (b: Item) => b.t <= a.t && b.t >= a.t - span
      if (a.cell) {
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++)
          for (const b of byCell.get(`${a.cell[0] + dy},${a.cell[1] + dx}`) ?? [])
            if (inTime(b) && distanceM(a.lat!, a.lon!, b.lat!, b.lon!) <= R) out.set(b.idx, b)
      }
      if (a.key) for (const b of byKey.get(a.key) ?? []) if (inTime(b) && (!a.town || !b.town || a.town === b.town) && countyAgrees(a.county, b.county)) out.set(b.idx, b)
      out.set(a.idx, a)
      return [...out.values()]
    }
    const matters = (ms: Item[]) => ms.filter((m) => m.status !== 'transferred_out').length
    const callers = (ms: Item[]) => {
      const known = new Set(ms.filter((m) => m.caller_key).map((m) => m.caller_key))
      return known.size + ms.filter((m) => !m.caller_key).length
    }
    const ok = (ms: Item[]) => matters(ms) >= cfg.minRecords && callers(ms) >= cfg.minCallers

    // Candidate anchors: in the window, with enough near them; largest first, a record in one cluster
    // (a candidate is judged again without the records taken by larger ones before it).
    const cands = items.filter((a) => a.t >= win.from && a.t < win.to).map((a) => ({ a, ms: near(a) })).filter((c) => ok(c.ms))
    cands.sort((x, y) => matters(y.ms) - matters(x.ms) || y.a.t - x.a.t || x.a.idx - y.a.idx)
    const used = new Set<number>()
    const clusters: Item[][] = []
    for (const c of cands) {
      if (used.has(c.a.idx)) continue
      const ms = c.ms.filter((m) => !used.has(m.idx))
      if (!ok(ms)) continue
      clusters.push(ms)
      for (const m of ms) used.add(m.idx)
    }

    const out: Finding[] = []
    const seen = new Set<string>()
    for (const msRaw of clusters) {
      const ms = [...msRaw].sort((a, b) => a.t - b.t || a.idx - b.idx)
      for (const m of ms) name(m)
      const tkeys = ms.map((m) => m.rtype)
      const order = cfg.types.map((t) => t.key)
      const rtype = [...new Set(tkeys)].sort((a, b) => tkeys.filter((x) => x === b).length - tkeys.filter((x) => x === a).length || order.indexOf(a) - order.indexOf(b))[0]
      const label = cfg.types.find((t) => t.key === rtype)?.label ?? '风险'
      const geoMs = ms.filter((m) => m.geo)
      const county = mostCommon(ms.map((m) => m.county))
      const entKey = mostCommon(ms.map((m) => m.key))
      const surface = entKey ? mostCommon(ms.filter((m) => m.key === entKey).map((m) => m.surface)) : ''
      let lat: number | null = null, lon: number | null = null
      if (geoMs.length) {
        lat = geoMs.reduce((s, m) => s + m.lat!, 0) / geoMs.length
        lon = geoMs.reduce((s, m) => s + m.lon!, 0) / geoMs.length
      }
      let place: string
      if (lat !== null && lon !== null && geoMs.length * 2 >= ms.length) {
        const [cy, cx] = cellOf(lat, lon, R)
        place = `cell:${cy},${cx}`
      } else if (entKey) place = `ent:${county}:${entKey}`
      else continue // (cannot happen: members without coordinates are linked through an entity)
      const fingerprint = `risk_cluster|burst|${place}|${rtype}`
      if (seen.has(fingerprint)) continue
      seen.add(fingerprint)
      const n = matters(ms)
      const n110 = ms.filter((m) => m.platform === '110').length
      const share110 = n110 / ms.length
      const first = ms[0].t, last = ms[ms.length - 1].t
      const hours = Math.max(1, Math.ceil((last - first) / HOUR))
      const N = cfg.minRecords
      const severity = n >= 3 * N || (n >= 2 * N && share110 >= 0.5) || (rtype === 'gathering' && n >= 2 * N) ? 'critical'
        : n >= 2 * N || share110 >= 0.5 ? 'high' : 'medium'
      const units = [...new Set(ms.map((m) => m.unit).filter(Boolean))].sort()
      const category = mostCommon(ms.filter((m) => m.platform === '12345').map((m) => m.cat)) || mostCommon(ms.map((m) => m.cat))
      const cn = countyName(county)
      const where = `${cn ? cn + ' ' : ''}${placeName(surface, lat, lon)}附近`
      const refs = ms.map((m) => ({ platform: m.platform, source_id: m.source_id }))
      out.push({
        kind: 'risk_cluster',
        fingerprint: clip(fingerprint),
        title: clip(`${where} ${hours}小时内 ${n}起${label}警情/诉求聚集${category ? `（${categoryName(category)}）` : ''}`),
        severity,
        county_code: county,
        category_code: category,
        units,
        first_seen: first,
        last_seen: last,
        counts: {
          records: ms.length, matters: n, callers: callers(ms), platform_110: n110, platform_12345: ms.length - n110,
          share_110: Math.round(share110 * 100) / 100, with_coords: geoMs.length, radius_m: R, hours,
          ...(lat !== null && lon !== null ? { lat: Math.round(lat * 1e5) / 1e5, lon: Math.round(lon * 1e5) / 1e5 } : {}),
        },
        series: seriesOf(ms.map((m) => m.t)),
        samples: samplesOf([...refs].reverse()),
        query: recordsQuery(refs),
        ...routing(category, units),
      })
    }
    return out
  }
}
