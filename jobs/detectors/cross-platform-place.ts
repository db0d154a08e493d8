// 警情与诉求同地关联 (issue 7, 3e): one place or entity in a 110 dispute incident and in 12345
// complaints within `days` days of it.
//
// A 110 dispute incident: a 110 record of one of `kinds110` (mass_incident, public_safety, crime,
// assistance) outside `excludeCategories110` that is a dispute in the narrow sense — of kind
// mass_incident, one of `geoCategories110` (fights, gatherings, noise) or a dispute word in its text
// (纠纷/吵架/打架/冲突 …). A theft or a traffic accident near a complaint is no shared dispute. A 12345 complaint: a 12345 record of `kinds12345` (complaint, report, help).
// Records handed over to the other platform (status transferred_out) are left out on both sides: the
// matter carries on in the counterpart record, and an incident linked to its own transferred appeal is
// one matter, not two platforms meeting at one place.
//
// Linked: a complaint and an incident received at most `days` days apart that
//  - name the same entity (analytics/hotspots: the subject entity of title, else of the body start,
//    by entityKey) in agreeing counties (equal, or one unknown/city-level), or
//  - both carry coordinates within `radiusM` metres (300 m by default), and the incident is a dispute in
//    the narrow sense: a dispute word in its text or one of `geoCategories110` (fights, gatherings,
//    noise), and the complaint is about a matter disputes grow from (`geoCategories12345`,
//    `geoWords12345`: quarrels, noise, street stalls, wages). A theft near a broken street light is no
//    shared place.
// Links are grouped per place: the entity (`cross_platform_place|ent:<key>@<county>`, county of the
// incidents) or, linked by coordinates only, the incident's grid cell (`cross_platform_place|cell:<y>,<x>`,
// cells `radiusM` wide). Each link also needs the same matter on both sides: the same lexicon problem
// (analytics/hotspots detectProblem) or related categories (`relatedCategories`: families such as
// noise, neighbour disputes, wages and gatherings). A road (entity type 'road': 路/街/大道 …) is mostly
// an address, not a subject: a road-only entity links only when the coordinates agree too (both
// within `radiusM`). A place is raised with at least `min110` incidents (or one of kind mass_incident)
// and `min12345` complaints from at least `minCallers12345` distinct callers linked, at least one of
// them received in the window. A cell group whose records all lie in an
// entity group is not raised twice.
//
// Cost: the window's own records are read first (their coarse name keys — two characters and a name
// ending, e.g. 国际新城 — at most MAX_NEEDLES, and the cells of those with coordinates); a window without
// any is done after that one read. Then both sides over [from − days, to) are read, only records
// containing such a name (their text is segmented, memoised per text, for the exact entity key and
// problem) or lying in a cell near an active one.
import type { Finding } from '../../model/finding'
import {
  type Db, type Window, DAY, dayWindows, categoryName, clip, countyName, keysIn, num, rangeFinal, recordsQuery, routing, rows, samplesOf,
  seriesOf, timeParams,
} from './common'
import { COARSE_PARAMS, cellOf, coarseNamesSql, countyAgrees, distanceM, mostCommon, nonEmpty, placeName, textPlace } from './risk-cluster'

export interface CrossPlatformPlaceConfig {
  days: number
  radiusM: number
  kinds110: string[]
  /** Dispute words that make any 110 record a dispute incident (title and body start). */
  words110: string[]
  excludeCategories110: string[]
  kinds12345: string[]
  /**
   * Linked by coordinates alone only for these incidents: a dispute word in the text or one of these
   * categories (fights, gatherings, noise). In a dense city every complaint has some 110 record within
   * 500 m in three days; the broad kinds link by name only.
   */
  geoCategories110: string[]
  /**
   * …and only complaints about a matter that disputes grow from: one of these categories, or one of
   * `geoWords12345` in the text (quarrels, noise, street stalls, wages). A street light out near a fight
   * is no shared place.
   */
  geoCategories12345: string[]
  geoWords12345: string[]
  min110: number
  /** Incidents of kind mass_incident needed instead of `min110` incidents (a gathering alone is enough). */
  minMass110: number
  min12345: number
  /** Distinct callers among the complaints (records without a caller key count one each). */
  minCallers12345: number
  /** Category families: a 110 category and a 12345 category of one family are about the same matter. */
  relatedCategories: Record<string, string[]>
  /** Roads link by name only when the coordinates agree too. */
  roadNeedsGeo: boolean
  /** Records read per side and call at most (latest first). */
  maxRecords: number
}

export const DEFAULT_CROSS_PLATFORM_PLACE: CrossPlatformPlaceConfig = {
  days: 3,
  // Smaller than the risk clusters' 500 m: in a dense city a complaint has several 110 records within
  // 500 m in three days by chance; within 300 m the chance neighbours are few.
  radiusM: 300,
  kinds110: ['mass_incident', 'public_safety', 'crime', 'assistance'],
  words110: ['纠纷', '吵架', '争吵', '打架', '斗殴', '冲突', '殴打', '闹事', '聚集', '围堵', '扰民'],
  excludeCategories110: ['POL_FRAUD', 'POL_ID_MISUSE', 'POL_HARASS_HOTLINE', 'POL_COMPLAINT', 'AST_LOST_PERSON'],
  kinds12345: ['complaint', 'report', 'help'],
  geoCategories110: ['POL_FIGHT', 'POL_MASS_GATHERING', 'POL_STABILITY', 'POL_EXTREME', 'POL_THREAT',
    'POL_DOMESTIC_NOISE', 'POL_BUSINESS_NOISE', 'POL_RENOVATION_NOISE'],
  geoCategories12345: ['DSP_NEIGHBOR', 'DSP_DOG', 'DSP_FAMILY_LABOR', 'CON_DISTURB', 'ENV_CONSTRUCTION_NOISE', 'ENV_STREET_VENDOR',
    'ECO_WAGES', 'CSM_DISPUTE', 'EMG_SUDDEN'],
  geoWords12345: ['纠纷', '吵架', '争吵', '打架', '冲突', '噪音', '噪声', '扰民', '吵闹', '聚集', '烧烤', '酒吧', 'KTV', '广场舞', '占道', '摊贩', '讨薪'],
  min110: 2,
  minMass110: 1,
  min12345: 2,
  minCallers12345: 2,
  relatedCategories: {
    noise: ['POL_DOMESTIC_NOISE', 'POL_BUSINESS_NOISE', 'POL_RENOVATION_NOISE', 'POL_PUBLIC_ORDER',
      'CON_DISTURB', 'ENV_CONSTRUCTION_NOISE', 'DSP_NEIGHBOR', 'DSP_DOG', 'ENV_STREET_VENDOR', 'CUL_SERVICE'],
    dispute: ['POL_FIGHT', 'POL_PUBLIC_ORDER', 'POL_THREAT',
      'DSP_NEIGHBOR', 'DSP_DOG', 'DSP_FAMILY_LABOR', 'CSM_DISPUTE', 'CSM_PREPAID', 'ECO_CONTRACT', 'ENV_STREET_VENDOR', 'LIV_PROPERTY'],
    gathering: ['POL_MASS_GATHERING', 'POL_STABILITY', 'POL_EXTREME', 'POL_THREAT',
      'ECO_WAGES', 'ECO_CONTRACT', 'LIV_PROPERTY', 'LIV_HOUSING', 'CSM_PREPAID', 'DSP_FAMILY_LABOR', 'CON_DISTURB', 'EMG_SUDDEN', 'HLP_LEGAL_AID'],
    animal: ['POL_ANIMAL_ATTACK', 'DSP_DOG', 'WLD_ANIMAL'],
    danger: ['RSC_PUBLIC_DANGER', 'RSC_DISASTER', 'LIV_GAS_LEAK', 'EMG_SUDDEN', 'PUB_CABLE_POLE', 'GRN_TREE_FALLEN', 'CITY_ILLEGAL_BUILD'],
  },
  roadNeedsGeo: true,
  maxRecords: 20_000,
}

interface Row {
  platform: string; source_id: string; t: number; lat: number | null; lon: number | null; county: string
  cat: string; kind: string; unit: string; title: string; content: string; caller_key: string
  inc: number; geo_ok: number
  /** Contains one of the call's name needles (its text is read and segmented). */
  byname: number
  /** The needles (indices into the call's list) it contains: read only for a call of several days. */
  hits?: number[]
  /** Its cell as one number (see below) when it may link by coordinates, else null. */
  cell: number | null
}
/** A record as one day's judging sees it: its name key only where it contains one of that day's needles. */
interface Item extends Omit<Row, 'cell'> { idx: number; cell: [number, number] | null; key: string; surface: string; etype: string; problem: string | null; geoOk: boolean }

const COLS_NO_TEXT = `platform, source_id, toUnixTimestamp64Milli(received_at) AS t, lat, lon, toString(county_code) AS county,
  toString(category_code) AS cat, toString(kind) AS kind, toString(unit_code) AS unit, caller_key`
const TXT = `concat(title, ' ', substring(content, 1, 500))`
/** Where a name is looked for: the title and the body start, as textPlace reads them. */
const NAME_TXT = `concat(title, ' ', substring(content, 1, 150))`
/** multiSearchAny takes at most 255 needles: longer lists are split into ORed calls. */
const NEEDLES_PER_CALL = 200
/** Name needles per day at most: the names most often written in the day's records. */
const MAX_NEEDLES = 500

/**
 * Catch-up calls span up to a week and are judged day by day from one read: each day [s.from, s.to)
 * as a call over it alone would judge it (the same findings, in order) — its needles and cells, the
 * records of [s.from − days, s.to) containing one of its needles or lying in one of its cells, at most
 * maxRecords of them, latest first. A record is read (and its text segmented) once per call instead
 * of once for each of the 1 + days days whose reach holds it.
 */
export async function detectCrossPlatformPlaces(db: Db, w: Window, cfg: CrossPlatformPlaceConfig = DEFAULT_CROSS_PLATFORM_PLACE): Promise<Finding[]> {
  const subs = dayWindows(w)
  const D = Math.max(0, cfg.days) * DAY
  const R = Math.max(50, cfg.radiusM) // (at least 50 m: see the cell encoding below)
  const max = Math.max(1, Math.round(cfg.maxRecords))
  const params: Record<string, unknown> = {
    ...timeParams({ from: w.from - D, to: w.to, wfrom: w.from }), wms: w.from, max: subs.length > 1 ? max * subs.length + 1 : max,
    k110: nonEmpty(cfg.kinds110), x110: nonEmpty(cfg.excludeCategories110), w110: nonEmpty(cfg.words110), k12345: nonEmpty(cfg.kinds12345), g110: nonEmpty(cfg.geoCategories110),
    g12345: nonEmpty(cfg.geoCategories12345), gw12345: nonEmpty(cfg.geoWords12345), deg: R / ((Math.PI / 180) * 6_371_000),
  }
  // Dispute-class incidents only: a mass incident, a dispute category, or a dispute word.
  const INC = `(platform = '110' AND status != 'transferred_out'
    AND ((kind IN {k110:Array(String)} AND category_code NOT IN {x110:Array(String)}
          AND (kind = 'mass_incident' OR category_code IN {g110:Array(String)}))
         OR multiSearchAnyCaseInsensitiveUTF8(${TXT}, {w110:Array(String)})))`
  const CMP = `(platform = '12345' AND status != 'transferred_out' AND kind IN {k12345:Array(String)})`
  const GEO_OK = `if(platform = '12345',
    category_code IN {g12345:Array(String)} OR multiSearchAnyCaseInsensitiveUTF8(${TXT}, {gw12345:Array(String)}),
    category_code IN {g110:Array(String)} OR multiSearchAnyCaseInsensitiveUTF8(${TXT}, {w110:Array(String)}))`
  // A record's cell (radiusM wide, as cellOf computes it) as one number, y · 10⁶ + x (unique while
  // |x| < 5 · 10⁵, i.e. for cells of 45 m or wider); null when it cannot link by coordinates.
  const CY = `toInt64(floor(assumeNotNull(lat) / {deg:Float64}))`
  const CX = `toInt64(floor(assumeNotNull(lon) * cos(radians(assumeNotNull(lat))) / {deg:Float64}))`
  const CAN_CELL = `lat IS NOT NULL AND lon IS NOT NULL AND ${GEO_OK}`
  const CELL = `if(${CAN_CELL}, ${CY} * 1000000 + ${CX}, NULL)`
  // The places active in each day of the call, found in SQL (no text is segmented for them): the coarse
  // name keys (coarseNamesSql) of its records and the cells of those that may link by coordinates.
  const act = await rows<{ sub: number; ns: string[]; cells: [number, number][] }>(db,
    `SELECT sub, groupArrayArray(ns) AS ns, groupUniqArrayIf((cy, cx), geo) AS cells FROM (
       SELECT intDiv(toUnixTimestamp64Milli(received_at) - {wms:Int64}, ${DAY}) AS sub,
              if(confidential, [], ${coarseNamesSql(NAME_TXT)}) AS ns, ${CAN_CELL} AS geo, if(geo, ${CY}, 0) AS cy, if(geo, ${CX}, 0) AS cx
       FROM records FINAL WHERE ${rangeFinal('received_at', 'wfrom', 'to')} AND ${keysIn('wfrom', 'to')} AND (${INC} OR ${CMP}))
     GROUP BY sub`, { ...params, ...COARSE_PARAMS })
  // Per day: its needles (the names most written in it) and its cells with their neighbours (5×5: an
  // active record's incident lies within radiusM of it, and that incident's other complaints within
  // radiusM of the incident, so within 2·radiusM of the active record).
  const days = subs.map((_, k) => {
    const a = act.find((x) => num(x.sub) === k)
    const counts = new Map<string, number>()
    for (const n of a?.ns ?? []) counts.set(n, (counts.get(n) ?? 0) + 1)
    const needles = [...counts].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, MAX_NEEDLES).map(([n]) => n)
    const cells = new Set<number>()
    for (const [y, x] of a?.cells ?? []) {
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) cells.add((num(y) + dy) * 1_000_000 + num(x) + dx)
    }
    return { needles, cells }
  })
  const needles = [...new Set(days.flatMap((d) => d.needles))].sort()
  const cells = [...new Set(days.flatMap((d) => [...d.cells]))]
  if (!needles.length && !cells.length) return []
  const nameConds: string[] = []
  const hitParts: string[] = []
  for (let c = 0; c * NEEDLES_PER_CALL < needles.length; c++) {
    params[`n${c}`] = needles.slice(c * NEEDLES_PER_CALL, (c + 1) * NEEDLES_PER_CALL)
    nameConds.push(`multiSearchAnyUTF8(${NAME_TXT}, {n${c}:Array(String)})`)
    hitParts.push(`arrayFilter(i -> i >= 0, arrayMap((p, i) -> if(p > 0, toInt32(i) + ${c * NEEDLES_PER_CALL - 1}, -1),
      multiSearchAllPositionsUTF8(nt, {n${c}:Array(String)}), arrayEnumerate({n${c}:Array(String)})))`)
  }
  params.cells = cells
  const byName = nameConds.length ? nameConds.join(' OR ') : '0'
  // With several days, which needles each record contains (a day reads those with one of its own).
  const hits = subs.length > 1 && hitParts.length ? `, if(byname, arrayConcat(${hitParts.join(', ')}), []) AS hits` : ''
  // Both sides over [from − days, to), only where an active place can be.
  const read = await rows<Row>(db,
    `SELECT * EXCEPT (ti, co, nt, bycell), if(byname, substring(ti, 1, 200), '') AS title, if(byname, substring(co, 1, 300), '') AS content ${hits} FROM (
       SELECT ${COLS_NO_TEXT}, title AS ti, content AS co, ${NAME_TXT} AS nt,
              ${INC} AS inc, ${GEO_OK} AS geo_ok, confidential = 0 AND (${byName.replaceAll(NAME_TXT, 'nt')}) AS byname,
              ${CELL} AS cell, ${cells.length ? 'ifNull(cell IN {cells:Array(Int64)}, 0)' : '0'} AS bycell FROM records FINAL
       WHERE ${rangeFinal('received_at', 'from', 'to')} AND (${INC} OR ${CMP}))
     WHERE byname OR bycell
     ORDER BY t DESC, platform, source_id LIMIT {max:UInt32}`, params)
  // More than a day's limit per day: each day reads its own (as one call per day would).
  if (subs.length > 1 && read.length > max * subs.length) {
    const out: Finding[] = []
    for (const sub of subs) out.push(...await detectCrossPlatformPlaces(db, sub, cfg))
    return out
  }

  // Each record once, in the read's order (latest first); numbered incidents first, then complaints,
  // as a day's own read numbers them (numbers break ties of time, so only their order matters).
  const nIncAll = read.filter((r) => num(r.inc) === 1).length
  let ni = 0, nc = 0
  const base = read.map((r) => {
    const lat = r.lat === null ? null : Number(r.lat), lon = r.lon === null ? null : Number(r.lon)
    const geo = lat !== null && lon !== null && Number.isFinite(lat) && Number.isFinite(lon)
    const isInc = num(r.inc) === 1
    // Segmentation only where a name can link (rows read by coordinates alone need none).
    const tp = num(r.byname) === 1 ? textPlace(r.title, r.content, true) : null
    // (field by field: a spread of the row into a bigger object was V8's slow path, ~14 µs a row)
    const item: Item = {
      platform: r.platform, source_id: r.source_id, t: num(r.t), lat, lon, county: r.county, cat: r.cat, kind: r.kind, unit: r.unit,
      title: r.title, content: r.content, caller_key: r.caller_key, inc: r.inc, geo_ok: r.geo_ok, byname: r.byname,
      idx: isInc ? ni++ : nIncAll + nc++, cell: geo ? cellOf(lat!, lon!, R) : null,
      key: tp?.entity?.key ?? '', surface: tp?.entity?.surface ?? '', etype: tp?.entity?.type ?? '', problem: tp?.problem ?? null,
      geoOk: num(r.geo_ok) === 1,
    }
    return { item, inc: isInc, hits: (r.hits ?? []).map(num), cellCode: r.cell === null ? null : num(r.cell) }
  })
  const unnamed = new Map<number, Item>()
  const out: Finding[] = []
  subs.forEach((sw, k) => {
    const inc: Item[] = [], comp: Item[] = []
    if (subs.length === 1) {
      for (const b of base) (b.inc ? inc : comp).push(b.item)
    } else {
      const day = days[k]
      const own = new Set(day.needles)
      let n = 0
      for (const b of base) {
        if (n >= max) break
        const t = b.item.t
        if (t < sw.from - D || t >= sw.to) continue
        const named = b.hits.some((h) => own.has(needles[h]))
        if (!named && !(b.cellCode !== null && day.cells.has(b.cellCode))) continue
        n++
        // read for a cell only: its text names nothing that day
        const it = named ? b.item : (unnamed.get(b.item.idx) ?? unnamed.set(b.item.idx, Object.assign({}, b.item, { key: '', surface: '', etype: '', problem: null })).get(b.item.idx)!)
        ;(b.inc ? inc : comp).push(it)
      }
    }
    out.push(...judge(sw, inc, comp, R, D, cfg))
  })
  return out
}

/** One day's (or one call's) links, grouped per place and raised. */
function judge(w: Window, inc: Item[], comp: Item[], R: number, D: number, cfg: CrossPlatformPlaceConfig): Finding[] {
  if (!inc.length || !comp.length) return []
  // Links, grouped per place.
  const compByKey = new Map<string, Item[]>()
  const compByCell = new Map<string, Item[]>()
  for (const c of comp) {
    if (c.key) (compByKey.get(c.key) ?? compByKey.set(c.key, []).get(c.key)!).push(c)
    if (c.cell) { const k = `${c.cell[0]},${c.cell[1]}`; (compByCell.get(k) ?? compByCell.set(k, []).get(k)!).push(c) }
  }
  interface Group { place: string; incidents: Map<number, Item>; complaints: Map<number, Item>; byEntity: boolean }
  const groups = new Map<string, Group>()
  const add = (place: string, byEntity: boolean, i: Item, c: Item) => {
    const g = groups.get(place) ?? groups.set(place, { place, incidents: new Map(), complaints: new Map(), byEntity }).get(place)!
    g.incidents.set(i.idx, i)
    g.complaints.set(c.idx, c)
  }
  // The same matter on both sides: one lexicon problem, or categories of one family.
  const families = new Map<string, Set<string>>()
  for (const [fam, codes] of Object.entries(cfg.relatedCategories)) for (const c of codes) (families.get(c) ?? families.set(c, new Set()).get(c)!).add(fam)
  const related = (i: Item, c: Item) => {
    if (i.problem && i.problem === c.problem) return true
    const fi = families.get(i.cat), fc = families.get(c.cat)
    if (fi && fc) for (const f of fi) if (fc.has(f)) return true
    return false
  }
  const near = (i: Item, c: Item) => i.lat !== null && i.lon !== null && c.lat !== null && c.lon !== null && distanceM(i.lat, i.lon, c.lat, c.lon) <= R
  for (const i of inc) {
    const close = (c: Item) => Math.abs(c.t - i.t) <= D
    if (i.key) for (const c of compByKey.get(i.key) ?? []) {
      if (!close(c) || !countyAgrees(i.county, c.county) || !related(i, c)) continue
      // A road is mostly an address: one road name links only where the coordinates agree too.
      if (cfg.roadNeedsGeo && i.etype === 'road' && !near(i, c)) continue
      add(`ent:${i.key}@${i.county}`, true, i, c)
    }
    if (i.cell) {
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++)
        for (const c of compByCell.get(`${i.cell[0] + dy},${i.cell[1] + dx}`) ?? [])
          if (i.geoOk && c.geoOk && close(c) && near(i, c) && !(i.key && c.key === i.key) && related(i, c)) add(`cell:${i.cell[0]},${i.cell[1]}`, false, i, c)
    }
  }
  const callers = (xs: Item[]) => new Set(xs.filter((x) => x.caller_key).map((x) => x.caller_key)).size + xs.filter((x) => !x.caller_key).length
  const enough = (g: Group) => {
    const incs = [...g.incidents.values()], comps = [...g.complaints.values()]
    return (incs.length >= cfg.min110 || incs.filter((x) => x.kind === 'mass_incident').length >= Math.max(1, cfg.minMass110))
      && comps.length >= cfg.min12345 && callers(comps) >= cfg.minCallers12345
  }

  const inWindow = (x: Item) => x.t >= w.from && x.t < w.to
  const raised = [...groups.values()]
    .filter(enough)
    .filter((g) => [...g.incidents.values(), ...g.complaints.values()].some(inWindow))
    .sort((a, b) => Number(b.byEntity) - Number(a.byEntity) || (b.incidents.size + b.complaints.size) - (a.incidents.size + a.complaints.size) || (a.place < b.place ? -1 : 1))
  const covered = new Set<number>()
  const out: Finding[] = []
  const seen = new Set<string>()
  for (const g of raised) {
    const all = [...g.incidents.values(), ...g.complaints.values()]
    if (!g.byEntity && all.every((x) => covered.has(x.idx))) continue
    for (const x of all) covered.add(x.idx)
    const fingerprint = clip(`cross_platform_place|${g.place}`)
    if (seen.has(fingerprint)) continue
    seen.add(fingerprint)
    const incs = [...g.incidents.values()].sort((a, b) => a.t - b.t || a.idx - b.idx)
    const comps = [...g.complaints.values()].sort((a, b) => a.t - b.t || a.idx - b.idx)
    const sorted = [...all].sort((a, b) => a.t - b.t || a.idx - b.idx)
    const county = mostCommon(incs.map((x) => x.county)) || mostCommon(comps.map((x) => x.county))
    const key = g.byEntity ? g.place.slice(4, g.place.lastIndexOf('@')) : ''
    const surface = key ? mostCommon(all.filter((x) => x.key === key).map((x) => x.surface)) || key : ''
    const anchor = incs.find((x) => x.lat !== null) ?? null
    const category = mostCommon(comps.map((x) => x.cat))
    const units = [...new Set(all.map((x) => x.unit).filter(Boolean))].sort()
    const days = Math.max(1, Math.ceil((sorted[sorted.length - 1].t - sorted[0].t) / DAY))
    const mass = incs.some((x) => x.kind === 'mass_incident')
    const severity = (incs.length >= 3 && comps.length >= 5) || (mass && comps.length >= 3) ? 'critical'
      : incs.length >= 2 || comps.length >= 5 || mass ? 'high' : 'medium'
    const cn = countyName(county)
    // Samples from both platforms: up to 8 incidents, the rest complaints (latest first).
    const samples = samplesOf([...incs.slice(-8).reverse(), ...comps.slice().reverse()])
    out.push({
      kind: 'cross_platform_place',
      fingerprint,
      title: clip(`${cn ? cn + ' ' : ''}${placeName(surface, anchor?.lat ?? null, anchor?.lon ?? null)}：${days}天内 110 纠纷警情 ${incs.length} 起、12345 诉求 ${comps.length} 件${category ? `（${categoryName(category)}）` : ''}`),
      severity,
      county_code: county,
      category_code: category,
      units,
      first_seen: sorted[0].t,
      last_seen: sorted[sorted.length - 1].t,
      counts: {
        records: all.length, incidents_110: incs.length, complaints_12345: comps.length, by_entity: g.byEntity ? 1 : 0,
        span_days: Math.round(((sorted[sorted.length - 1].t - sorted[0].t) / DAY) * 10) / 10,
        window_days: cfg.days, radius_m: R,
      },
      series: seriesOf(sorted.map((x) => x.t)),
      samples,
      query: recordsQuery(sorted.map((x) => ({ platform: x.platform, source_id: x.source_id }))),
      ...routing(category, units),
    })
  }
  return out
}
