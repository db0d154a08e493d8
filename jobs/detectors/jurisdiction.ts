// 管辖争议 at record level, grouped into items by category and unit pair.
//
// A record is evidence when, judged on its events of the last `lookbackDays` and with a hand-over in
// the window:
//  - backflow (回流): a 110 matter diverted to 12345 comes back to 110 (110→12345→110);
//  - pingpong_platform: a 12345 matter sent to 110 is sent back to 12345 (12345→110→12345);
//  - pingpong_unit: the handling unit goes A→B→A (dispatch, re-dispatch, unit transfer);
//  - many_units: it passed through `manyUnits` or more units and nobody signed it (no owner);
// or, without hand-overs, when its signing deadline (dispatch + limit) fell in the window and it was
// not signed by then (unsigned: signed late or never, and not answered or closed before the deadline).
//
// Its unit pair: the A and B of a ping-pong; the last two units of a many-units record; 110~12345 for
// the platforms; the unit and its platform's centre for an unsigned record. Records of the last
// `periodDays` are grouped by category × pair; a group is raised when at least one record's evidence
// falls in the window and it has `minRecords` records (`minUnsignedOnly` when all are only unsigned),
// or one record passed through many units without an owner.
import type { Finding } from '../../model/finding'
import { TRANSFER_OUT } from '../../analytics/metrics/definitions'
import {
  type Db, type Window, DAY, dayWindows, DT, DEFAULT_HUB_UNITS, categoryName, clip, eventKeys, monthsOf, num, rangeFinal, recordsQuery,
  routing, rows, samplesOf, seriesOf, stringsParam, timeParams, wherePrefix, inStrings,
} from './common'

export interface JurisdictionConfig {
  /**
   * Records of the last `periodDays` up to the window's end are grouped together, so a pair that keeps
   * passing matters back and forth is one item; a group is raised only with evidence in the window.
   */
  periodDays: number
  /** How far back a record's history is read to judge it (days). */
  lookbackDays: number
  /** Distinct units without an owner that make a record "passed around". */
  manyUnits: number
  /** Signing limit from dispatch, minutes (typical: 1 working day). */
  unsignedLimitMin: number
  /** Signing limit for records of urgency 'emergency', minutes. */
  unsignedLimitEmergencyMin: number
  /** Records a category × unit pair needs for an item. */
  minRecords: number
  /** …when every record is only unsigned beyond the limit (weaker evidence alone). */
  minUnsignedOnly: number
  hubUnits: string[]
}

export const DEFAULT_JURISDICTION: JurisdictionConfig = {
  periodDays: 7,
  lookbackDays: 30,
  manyUnits: 3,
  unsignedLimitMin: 1440,
  unsignedLimitEmergencyMin: 15,
  minRecords: 2,
  minUnsignedOnly: 3,
  hubUnits: DEFAULT_HUB_UNITS,
}

export type JurisdictionReason = 'backflow' | 'pingpong_platform' | 'pingpong_unit' | 'many_units' | 'unsigned'
const REASON_ORDER: JurisdictionReason[] = ['backflow', 'pingpong_platform', 'pingpong_unit', 'many_units', 'unsigned']
const REASON_LABEL: Record<JurisdictionReason, string> = {
  backflow: '分流后回流110', pingpong_platform: '两平台来回转办', pingpong_unit: '单位间来回推诿',
  many_units: '多单位流转无人签收', unsigned: '超时未签收',
}

interface Ev { platform: string; record_id: string; type: string; t: number; tp: string; fu: string; tu: string; bounced: number }
interface Rec { platform: string; source_id: string; category_code: string; county_code: string; unit_code: string; status: string; signed: number | null }
interface Flagged { ref: { platform: string; source_id: string }; cat: string; county: string; pair: [string, string]; reasons: JurisdictionReason[]; t: number; units: string[] }

const HANDOVER = ['dispatched', 'redispatched', 'unit_transfer', 'returned', 'transfer']
const MOVES = ['redispatched', 'unit_transfer', 'returned', 'transfer']

/** Judges one record from its events (sorted by time); null when it shows no conflict. */
export function judgeRecord(evs: Ev[], rec: Rec | undefined, w: Window, cfg: JurisdictionConfig): Omit<Flagged, 'ref' | 'cat' | 'county'> | null {
  const hubs = new Set(cfg.hubUnits)
  const isUnit = (u: string) => u !== '' && !hubs.has(u)
  const inWin = (t: number) => t >= w.from && t < w.to
  const seq: string[] = []
  const seqT: number[] = []
  const all = new Set<string>()
  for (const e of evs) {
    if (['dispatched', 'redispatched', 'unit_transfer'].includes(e.type) && isUnit(e.tu)) {
      if (seq.at(-1) !== e.tu) { seq.push(e.tu); seqT.push(e.t) }
      all.add(e.tu)
    }
    if ((e.type === 'returned' || e.type === 'unit_transfer') && isUnit(e.fu)) all.add(e.fu)
  }
  const reasons = new Set<JurisdictionReason>()
  let pair: [string, string] | null = null
  let t = 0
  for (const e of evs) {
    if (e.type !== 'transfer' || e.bounced !== 1 || !inWin(e.t)) continue
    reasons.add(e.tp === '110' ? 'backflow' : 'pingpong_platform')
    pair ??= ['110', '12345']
    t = Math.max(t, e.t)
  }
  for (let i = 0; i + 2 < seq.length; i++) {
    if (seq[i] === seq[i + 2] && inWin(seqT[i + 2])) {
      reasons.add('pingpong_unit')
      pair ??= [seq[i], seq[i + 1]]
      t = Math.max(t, seqT[i + 2])
      break
    }
  }
  const open = !rec || !['closed', 'replied', 'transferred_out'].includes(rec.status)
  const lastIn = evs.filter((e) => HANDOVER.includes(e.type) && inWin(e.t)).at(-1)
  if (all.size >= cfg.manyUnits && (rec?.signed ?? null) === null && open && lastIn) {
    reasons.add('many_units')
    const distinct = [...new Set([...seq].reverse())]
    pair ??= [distinct[1] ?? '', distinct[0] ?? '']
    t = Math.max(t, lastIn.t)
  }
  if (!reasons.size || !pair) return null
  return { pair: [...pair].sort() as [string, string], reasons: REASON_ORDER.filter((r) => reasons.has(r)), t, units: [...all].sort() }
}

export async function detectJurisdiction(db: Db, w: Window, cfg: JurisdictionConfig = DEFAULT_JURISDICTION): Promise<Finding[]> {
  // A call longer than a day (a catch-up run) is judged day by day from one read: each day [s.from,
  // s.to) as a call over it alone would judge it (the same findings, in order).
  const subs = dayWindows(w)
  // The period whose records are grouped; evidence must reach into [s.from, s.to) for a group to be raised.
  const periodOf = (x: Window) => ({ from: Math.min(x.from, x.to - cfg.periodDays * DAY), to: x.to })
  const lookback = cfg.lookbackDays * DAY
  const periodFrom = Math.min(...subs.map((x) => periodOf(x).from))
  const readFrom = periodFrom - lookback
  // Only these can make a conflict (a first dispatch alone cannot): candidates are records with one in the period.
  const params = { ...timeParams({ from: readFrom, to: w.to, wfrom: periodFrom, wto: w.to }), handover: HANDOVER, moves: MOVES }
  // Reads restricted by primary key, from keys found without FINAL (cheap, a superset: any version of
  // an event counts), so FINAL merges only their granules instead of every event of five weeks; the
  // exact tests are on the latest versions read (a move in the period, below in JavaScript).
  const candidateIds = `(SELECT record_id FROM events WHERE ${monthsOf('at', 'wfrom', 'wto')} AND at >= {wfrom:${DT}} AND at < {wto:${DT}} AND type IN {moves:Array(String)})`
  // Of those, the records that can show a conflict at all (a superset, from every version of their
  // hand-overs in the read range, without FINAL): three or more dispatches to units (A→B→A needs
  // three), `manyUnits` units, or a transfer out of a record that was itself received by a transfer
  // (a bounce). Most records with a move are none of these (a return and one re-dispatch): reading
  // only these keeps the FINAL read's rows few, and parsing rows cost more than reading them.
  const flaggable = `(platform, record_id) IN (SELECT platform, record_id FROM events
      WHERE ${monthsOf('at', 'from', 'to')} AND at >= {from:${DT}} AND at < {to:${DT}} AND record_id IN ${candidateIds} AND type IN {handover:Array(String)}
      GROUP BY platform, record_id
      HAVING countIf(type IN ('dispatched', 'redispatched', 'unit_transfer') AND to_unit != '' AND to_unit NOT IN {hubs:Array(String)}) >= 3
        OR length(arrayFilter(u -> u != '' AND NOT has({hubs:Array(String)}, u), groupUniqArrayArray([
             if(type IN ('dispatched', 'redispatched', 'unit_transfer'), toString(to_unit), ''),
             if(type IN ('returned', 'unit_transfer'), toString(from_unit), '')]))) >= {many:UInt32}
        OR (countIf(${TRANSFER_OUT}) > 0
            AND (platform, record_id) IN (SELECT to_platform, counterpart_id FROM transfer_keys WHERE platform = from_platform)))`
  Object.assign(params, { hubs: cfg.hubUnits.length ? cfg.hubUnits : [''], many: Math.max(0, Math.round(cfg.manyUnits)) })
  // (sorted here: ORDER BY in SQL took longer than the read itself)
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
  const read = await rows<Ev & { fp: string; event_id: string }>(db,
    `SELECT platform, record_id, event_id, toString(type) AS type, toUnixTimestamp64Milli(at) AS t, toString(from_platform) AS fp,
       toString(to_platform) AS tp, toString(from_unit) AS fu, toString(to_unit) AS tu, 0 AS bounced
     FROM events FINAL
     WHERE ${rangeFinal('at', 'from', 'to')} AND ${eventKeys('from', 'to', `${flaggable} AND type IN {handover:Array(String)}`)}
       AND type IN {handover:Array(String)}`, params)
  for (const e of read) e.t = num(e.t) // (in place: a spread copy per row cost more than the read)
  read.sort((a, b) => cmp(a.platform, b.platform) || cmp(a.record_id, b.record_id) || a.t - b.t || cmp(a.event_id, b.event_id))
  // Per record: the instants of its moves in the period (a record is a candidate of a day with one in
  // that day's period), and its hand-overs from its own side (a transfer is read on the sending record).
  const moves = new Map<string, number[]>()
  const byRecord = new Map<string, Ev[]>()
  for (const e of read) {
    const k = `${e.platform}|${e.record_id}`
    const t = e.t
    if (MOVES.includes(e.type) && t >= periodFrom) (moves.get(k) ?? moves.set(k, []).get(k)!).push(t)
    if (e.type === 'transfer' && e.platform !== e.fp) continue
    ;(byRecord.get(k) ?? byRecord.set(k, []).get(k)!).push({ platform: e.platform, record_id: e.record_id, type: e.type, t, tp: e.tp, fu: e.fu, tu: e.tu, bounced: 0 })
  }
  for (const k of [...byRecord.keys()]) if (!moves.has(k)) byRecord.delete(k)
  // A transfer bounces when its record had itself been received by a transfer before it
  // (bounced_back of eventsInWindow, analytics/metrics/definitions.ts): the first transfer into each
  // record that sends one, read only for those records.
  const sending = [...byRecord].filter(([, es]) => es.some((e) => e.type === 'transfer')).map(([k]) => k)
  if (sending.length) {
    const firstIn = new Map((await rows<{ p: string; r: string; first_in: number }>(db,
      `SELECT to_platform AS p, counterpart_id AS r, toUnixTimestamp64Milli(min(at)) AS first_in FROM events FINAL
       WHERE ${TRANSFER_OUT} AND counterpart_id != ''
         AND (platform, event_id) IN (SELECT platform, event_id FROM transfer_keys
           WHERE platform = from_platform AND (to_platform, counterpart_id) IN (SELECT substring(k, 1, position(k, '|') - 1), substring(k, position(k, '|') + 1)
             FROM (SELECT arrayJoin(JSONExtract({recs:String}, 'Array(String)')) AS k)))
       GROUP BY p, r`, { recs: stringsParam(sending) })).map((x) => [`${x.p}|${x.r}`, num(x.first_in)]))
    for (const [k, es] of byRecord) {
      const f = firstIn.get(k)
      if (f !== undefined) for (const e of es) if (e.type === 'transfer' && f < e.t) e.bounced = 1
    }
  }
  // The records read (by id: the primary key's second column, so only their granules are merged).
  const recs = byRecord.size ? await rows<Rec>(db,
    `SELECT platform, source_id, toString(category_code) AS category_code, toString(county_code) AS county_code,
       toString(unit_code) AS unit_code, toString(status) AS status, toUnixTimestamp64Milli(signed_at) AS signed
     FROM records FINAL WHERE source_id IN ${inStrings('ids')}`, { ids: stringsParam(new Set([...byRecord.values()].map((es) => es[0].record_id))) }) : []
  const recBy = new Map(recs.map((r) => [`${r.platform}|${r.source_id}`, r]))

  // Signing deadline (dispatch + limit) in the period, not signed by then, not done by then.
  const unsignedSql = `SELECT platform, source_id, toString(category_code) AS category_code, toString(county_code) AS county_code,
       toString(unit_code) AS unit_code, toUnixTimestamp64Milli(received_at) AS received,
       toUnixTimestamp64Milli(dispatched_at + toIntervalMinute(if(urgency = 'emergency', {limE:UInt32}, {lim:UInt32}))) AS deadline
     FROM records FINAL
     WHERE ${rangeFinal('received_at', 'from', 'to')}
       AND dispatched_at IS NOT NULL AND status != 'transferred_out'
       AND dispatched_at + toIntervalMinute(if(urgency = 'emergency', {limE:UInt32}, {lim:UInt32})) >= {wfrom:${DT}}
       AND dispatched_at + toIntervalMinute(if(urgency = 'emergency', {limE:UInt32}, {lim:UInt32})) < {wto:${DT}}
       AND (signed_at IS NULL OR signed_at > dispatched_at + toIntervalMinute(if(urgency = 'emergency', {limE:UInt32}, {lim:UInt32})))
       AND NOT ifNull(coalesce(replied_at, closed_at) <= dispatched_at + toIntervalMinute(if(urgency = 'emergency', {limE:UInt32}, {lim:UInt32})), 0)`
  const unsignedParams = { ...params, lim: Math.round(cfg.unsignedLimitMin), limE: Math.round(cfg.unsignedLimitEmergencyMin) }
  const unsigned = await rows<{ platform: string; source_id: string; category_code: string; county_code: string; unit_code: string; received: number; deadline: number }>(db, unsignedSql, unsignedParams)

  // Records no (sub-)window can flag are left out before the day-by-day judging: a window sees a slice
  // of a record's events in time order, and every reason found in a slice is also found in the whole
  // (a unit sequence A→B→A, a bounce, the units passed through), so a record whose whole history,
  // judged over all time, shows nothing never shows anything.
  const ALL_TIME = { from: -Infinity, to: Infinity }
  const judgeable = [...byRecord].filter(([k, es]) => judgeRecord(es, recBy.get(k), ALL_TIME, cfg) !== null)
  const out: Finding[] = []
  for (const sub of subs) out.push(...judgeDay(sub, periodOf(sub)))
  return out

  /** One (sub-)window: its candidates judged on their events of its read range, grouped, raised. */
  function judgeDay(sw: Window, period: Window): Finding[] {
    const lo = period.from - lookback
    const flagged: Flagged[] = []
    for (const [k, all] of judgeable) {
      // a candidate of this window: a move in its period
      if (!(moves.get(k) ?? []).some((t) => t >= period.from && t < period.to)) continue
      const list = subs.length > 1 ? all.filter((e) => e.t >= lo && e.t < sw.to) : all
      const rec = recBy.get(k)
      const j = judgeRecord(list, rec, period, cfg)
      if (!j) continue
      const [platform, source_id] = [k.slice(0, k.indexOf('|')), k.slice(k.indexOf('|') + 1)]
      flagged.push({ ref: { platform, source_id }, cat: rec?.category_code ?? '', county: rec?.county_code ?? '', ...j })
    }
    const seen = new Map(flagged.map((f) => [`${f.ref.platform}|${f.ref.source_id}`, f]))
    for (const u of unsigned) {
      const dl = num(u.deadline)
      const rc = num(u.received)
      if (dl < period.from || dl >= period.to || rc < lo || rc >= sw.to) continue
      const k = `${u.platform}|${u.source_id}`
      const f = seen.get(k)
      if (f) { f.reasons.push('unsigned'); f.t = Math.max(f.t, dl); continue }
      const unitCode = cfg.hubUnits.includes(u.unit_code) ? '' : u.unit_code
      flagged.push({ ref: { platform: u.platform, source_id: u.source_id }, cat: u.category_code, county: u.county_code,
        pair: [unitCode, u.platform].sort() as [string, string], reasons: ['unsigned'], t: dl, units: unitCode ? [unitCode] : [] })
    }

    const groups = new Map<string, Flagged[]>()
    for (const f of flagged) {
      const k = `${f.cat}|${f.pair[0]}~${f.pair[1]}`
      if (!groups.has(k)) groups.set(k, [])
      groups.get(k)!.push(f)
    }
    const w = sw
  const out: Finding[] = []
    for (const [k, list] of groups) {
      if (!list.some((f) => f.t >= w.from)) continue
      const onlyUnsigned = list.every((f) => f.reasons.length === 1 && f.reasons[0] === 'unsigned')
      const owner = list.some((f) => f.reasons.includes('many_units'))
      if (!owner && list.length < (onlyUnsigned ? cfg.minUnsignedOnly : cfg.minRecords)) continue
      const cat = list[0].cat
      const [a, b] = list[0].pair
      const counts: Record<string, number> = { records: list.length }
      for (const r of REASON_ORDER) counts[r] = list.filter((f) => f.reasons.includes(r)).length
      const counties = new Set(list.map((f) => f.county))
      const county = counties.size === 1 ? list[0].county : ''
      const units = [...new Set(list.flatMap((f) => f.units))].sort()
      list.sort((x, y) => x.t - y.t)
      const what = REASON_ORDER.filter((r) => counts[r] > 0).map((r) => `${REASON_LABEL[r]} ${counts[r]} 件`).join('，')
      const between = a && b ? `${a} 与 ${b}` : a || b || '未知单位'
      const high = counts.backflow > 0 || counts.many_units > 0 || list.length >= 5
      const refs = list.map((f) => f.ref)
      out.push({
        kind: 'jurisdiction_conflict',
        fingerprint: `jurisdiction_conflict|${k}`,
        title: clip(`${wherePrefix(county)}${categoryName(cat)} ${between} 管辖争议：${what}`),
        severity: high ? 'high' : 'medium',
        county_code: county,
        category_code: cat,
        units: units.length ? units : [a, b].filter((u) => u && u !== '110' && u !== '12345'),
        first_seen: list[0].t,
        last_seen: list.at(-1)!.t,
        counts,
        series: seriesOf(list.map((f) => f.t)),
        samples: samplesOf(refs),
        query: recordsQuery(refs),
        ...routing(cat, units),
      })
    }
    return out
  }
}
