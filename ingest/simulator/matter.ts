// One matter (诉求/警情) planned in full at the moment it arrives: the record on the receiving
// platform, any counterpart record on the other platform after a transfer, every lifecycle stamp
// and event with its time. Snapshots at any later time are then pure reads of this plan
// (snapshot.ts), so live streaming only has to replay what was decided here.
import type { Platform, Satisfaction } from '../../model/record'
import { KIND_LABEL } from '../../model/record'
import { type Category, INTAKE, other } from './catalog'
import { type County, type Town, pickCounty, pickTown, randomPoint } from './geo'
import type { PhonePool } from './phones'
import type { Rng } from './random'
import { DAY_MS, HOUR_MS, TZ_OFFSET_MS, isWorkingTime, nextWorkingTime } from './rhythm'
import { contentPrefix, makeFiller } from './text'

export type StampField = 'accepted_at' | 'dispatched_at' | 'signed_at' | 'first_response_at' | 'arrived_at' | 'replied_at' | 'closed_at'
export type PlanStatus = 'received' | 'dispatched' | 'signed' | 'handling' | 'replied' | 'closed' | 'transferred_out'
export type PlanEventType =
  | 'accepted' | 'dispatched' | 'signed' | 'first_response' | 'arrived' | 'replied' | 'closed' | 'callback'
  | 'transfer' | 'unit_transfer' | 'returned' | 'redispatched' | 'urged'
type Urgency = 'normal' | 'urgent' | 'emergency'

export interface PlannedEvent {
  type: PlanEventType
  at: number
  from_platform?: Platform
  to_platform?: Platform
  from_unit?: string
  to_unit?: string
  counterpart_id?: string
  note?: string
}

/** Fields of a record that do not change over its life (times in epoch ms). */
export interface FixedFields {
  channel: 'phone' | 'web' | 'app' | 'wechat' | 'sms' | 'mailbox' | 'internet' | 'iot' | 'video'
  received_at: number
  county_code: string
  town_code: string | null
  lat: number | null
  lon: number | null
  source_category: string
  category_code: string
  kind: string
  urgency: Urgency
  title: string
  content: string
  caller_phone: string | null
  due_at: number | null
}

export interface CallbackPlan {
  at: number
  contacted: boolean
  solved: boolean | null
  first: Satisfaction | null
  /** A second callback after re-handling; until then the final satisfaction is unknown (null). */
  final: { at: number; satisfaction: Satisfaction; solved: boolean } | null
}

export interface RecordPlan {
  platform: Platform
  source_id: string
  fixed: FixedFields
  stamps: Partial<Record<StampField, number>>
  statuses: { at: number; status: PlanStatus }[] // sorted by time; the last one at or before t holds
  units: { at: number; code: string }[] // handling unit over time
  callback: CallbackPlan | null
  events: PlannedEvent[] // sorted by time
  changes: number[] // every instant at which the record's snapshot changes, sorted, unique
}

export interface MatterPlan {
  records: RecordPlan[] // the receiving record first
  changes: number[] // union of the records' changes
  end: number // last change: after it the matter is done and can be forgotten
}

export interface MatterContext {
  /** 1-based arrival order within the platform's hour, for the record id. */
  seq: number
  phones: PhonePool
}

// ---------- ids and units ----------

const CITY = '410100'
const PREFIX: Record<Platform, string> = { '12345': 'G', '110': 'J' }
const pad = (n: number, w: number) => String(n).padStart(w, '0')

/** e.g. G410100-20261125-090123: platform letter, city, local date, hour + 4-digit arrival number. */
export function recordId(platform: Platform, receivedAt: number, seq: number): string {
  const d = new Date(receivedAt + TZ_OFFSET_MS)
  const day = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}`
  return `${PREFIX[platform]}${CITY}-${day}-${pad(d.getUTCHours(), 2)}${pad(seq, 4)}`
}
/** The record opened on the other platform by a transfer: other letter, same body, 'Z' suffix. */
export function counterpartId(sourceId: string, to: Platform): string {
  return PREFIX[to] + sourceId.slice(1) + 'Z'
}

const ABBR: Record<string, string> = {
  '410102': 'ZY', '410103': 'EQ', '410104': 'GC', '410105': 'JS', '410106': 'SJ', '410108': 'HJ', '410122': 'ZM',
  '410171': 'JK', '410172': 'GX', '410173': 'HKG', '410181': 'GY', '410182': 'XY', '410183': 'XM', '410184': 'XZ', '410185': 'DF',
}
/** The platforms' own desks: the 12345 centre and the 110 command centre. */
export const HUB: Record<Platform, string> = { '12345': 'ZZ-12345', '110': 'ZZ-110' }

/** Handling unit code, e.g. ZZ-JS-CGJ (金水区城管局), ZZ-JS-JD005 (a street office), ZZ-JS-PCS05. */
export function unitFor(dept: string, county: County, town: Town | null): string {
  const a = ABBR[county.code] ?? county.code
  const townNo = town ? Number(town.code.slice(6)) : 1
  switch (dept) {
    case 'HOTLINE':
      return HUB['12345']
    case 'JD':
      return `ZZ-${a}-JD${pad(townNo % 1000, 3)}`
    case 'PCS':
      return `ZZ-${a}-PCS${pad((county.towns.findIndex((t) => t.code === town?.code) + 1) || 1, 2)}`
    case 'JJ':
      return `ZZ-${a}-JJDD`
    case 'XJ':
      return `ZZ-${a}-XTJ`
    case 'FZ':
      return 'ZZ-FZZX'
    case 'DC':
      return 'ZZ-GAJ-DC'
    default:
      return `ZZ-${a}-${dept}`
  }
}
// Departments that 12345 units bounce orders between (the classic 踢皮球 between a bureau and the street office).
const CONFUSED_WITH: Record<string, string[]> = {
  JD: ['CGJ', 'ZJJ', 'FGJ'], CGJ: ['JD', 'ZJJ', 'YLJ'], ZJJ: ['JD', 'CGJ', 'FGJ'], FGJ: ['JD', 'ZJJ'], SCJ: ['JD', 'WJW', 'JTJ'],
  STHJ: ['CGJ', 'ZJJ', 'JD'], SWJ: ['CGJ', 'JD'], YLJ: ['CGJ', 'JD'], RSJ: ['JD', 'SFJ'], JTJ: ['SCJ', 'JJ'],
}

// ---------- record builder ----------

class Rec {
  plan: RecordPlan
  constructor(platform: Platform, id: string, fixed: FixedFields, unit: string) {
    this.plan = {
      platform, source_id: id, fixed, stamps: {}, callback: null, events: [], changes: [],
      statuses: [{ at: fixed.received_at, status: 'received' }],
      units: [{ at: fixed.received_at, code: unit }],
    }
  }
  get unit(): string {
    return this.plan.units[this.plan.units.length - 1].code
  }
  /** Set a lifecycle stamp once (with its event); later attempts keep the first time. */
  stamp(f: StampField, at: number, status?: PlanStatus, extra: Omit<PlannedEvent, 'type' | 'at'> = {}): number {
    if (this.plan.stamps[f] !== undefined) return this.plan.stamps[f]!
    this.plan.stamps[f] = at
    this.ev(f.replace(/_at$/, '') as PlanEventType, at, extra)
    if (status) this.status(at, status)
    return at
  }
  status(at: number, status: PlanStatus) {
    this.plan.statuses.push({ at, status })
  }
  setUnit(at: number, code: string) {
    this.plan.units.push({ at, code })
  }
  ev(type: PlanEventType, at: number, extra: Omit<PlannedEvent, 'type' | 'at'> = {}) {
    this.plan.events.push({ type, at, ...extra })
  }
  finish(): RecordPlan {
    const p = this.plan
    const byAt = <T extends { at: number }>(a: T[]) => a.map((x, i) => [x, i] as const).sort((x, y) => x[0].at - y[0].at || x[1] - y[1]).map((x) => x[0])
    p.events = byAt(p.events)
    p.statuses = byAt(p.statuses)
    p.units = byAt(p.units)
    const ch = new Set<number>([p.fixed.received_at, ...p.events.map((e) => e.at), ...p.statuses.map((s) => s.at), ...p.units.map((u) => u.at)])
    for (const v of Object.values(p.stamps)) ch.add(v!)
    if (p.callback) {
      ch.add(p.callback.at)
      if (p.callback.final) ch.add(p.callback.final.at)
    }
    p.changes = [...ch].sort((a, b) => a - b)
    return p
  }
}

// ---------- durations ----------

const MIN = 60_000
/** Log-normal duration in ms, clamped so that no matter lives unboundedly long. */
function dur(rng: Rng, medianMs: number, sigma: number, minMs = 1000, maxMs = 20 * DAY_MS): number {
  return Math.round(Math.min(maxMs, Math.max(minMs, rng.lognormal(medianMs, sigma))))
}
/** Units act in office hours unless the matter is urgent: push an off-hours time to the next morning. */
function office(rng: Rng, t: number, urgency: Urgency, p = 0.85): number {
  if (urgency !== 'normal' || isWorkingTime(t) || !rng.chance(p)) return t
  return nextWorkingTime(t) + Math.round(rng.uniform(0, 90 * MIN))
}

function dueFor(platform: Platform, from: number, urgency: Urgency, kind: string): number {
  if (platform === '110') return from + (urgency === 'emergency' ? 1 : urgency === 'urgent' ? 2 : 12) * HOUR_MS
  if (urgency === 'emergency') return from + 4 * HOUR_MS
  if (urgency === 'urgent') return from + DAY_MS
  if (kind === 'consult') return from + 2 * DAY_MS
  if (kind === 'suggestion') return from + 10 * DAY_MS
  return from + 5 * DAY_MS
}

function satisfaction(rng: Rng, solved: boolean): Satisfaction {
  return solved
    ? rng.weighted<Satisfaction>(['satisfied', 'basically_satisfied', 'unsatisfied'], [0.8, 0.16, 0.04])
    : rng.weighted<Satisfaction>(['satisfied', 'basically_satisfied', 'unsatisfied'], [0.2, 0.3, 0.5])
}

// ---------- handling chains ----------

interface Where {
  county: County
  town: Town | null
}

/** 12345: dispatch to a unit, sign, respond, reply, close, call back. Returns nothing; fills rec. */
function handle12345(rng: Rng, rec: Rec, start: number, cat: Category, w: Where) {
  const f = rec.plan.fixed
  const u = f.urgency
  // Direct answer by the operator (直接答复): most consultations, no unit involved.
  if (cat.dept === 'HOTLINE' || (f.kind === 'consult' && rng.chance(0.5))) {
    const rep = rec.stamp('replied_at', start + dur(rng, 4 * MIN, 0.6), 'replied', { from_unit: HUB['12345'], note: '话务员直接答复' })
    const cl = rec.stamp('closed_at', rep + dur(rng, 30_000, 0.8), 'closed')
    if (rng.chance(0.4)) callback12345(rng, rec, cl, true)
    return
  }
  let t = office(rng, start + dur(rng, 20 * MIN, 0.8, 30_000, 6 * HOUR_MS), u, 0.7)
  let dept = cat.dept
  let unit = unitFor(dept, w.county, w.town)
  rec.setUnit(t, unit)
  rec.stamp('dispatched_at', t, 'dispatched', { from_unit: HUB['12345'], to_unit: unit })
  // Returns by units (退单) before signing: one, sometimes two or three units in a row.
  const returns = rng.chance(0.1) ? (rng.chance(0.3) ? (rng.chance(0.3) ? 3 : 2) : 1) : 0
  for (let i = 0; i < returns; i++) {
    t = office(rng, t + dur(rng, 3 * HOUR_MS, 0.9, 10 * MIN, 3 * DAY_MS), u)
    rec.ev('returned', t, { from_unit: unit, to_unit: HUB['12345'], note: rng.pick(['非本单位职责，申请退回', '诉求地点不在辖区，申请退回', '涉及多部门职责，建议改派']) })
    rec.status(t, 'received')
    t += dur(rng, 40 * MIN, 0.8, 2 * MIN, DAY_MS)
    const next = rng.pick(CONFUSED_WITH[dept] ?? ['JD'])
    const nextUnit = unitFor(next, w.county, w.town)
    rec.ev('redispatched', t, { from_unit: HUB['12345'], to_unit: nextUnit, note: `改派${next === 'JD' ? '属地街道' : '职能部门'}` })
    rec.setUnit(t, nextUnit)
    rec.status(t, 'dispatched')
    dept = next
    unit = nextUnit
  }
  const signMedian = u === 'emergency' ? 8 * MIN : u === 'urgent' ? 25 * MIN : 2 * HOUR_MS
  t = rec.stamp('signed_at', office(rng, t + dur(rng, signMedian, 0.9, MIN, 3 * DAY_MS), u, 0.25), 'signed', { to_unit: unit })
  // A direct hand-over between units after signing (转办), without going back to the centre.
  if (rng.chance(0.04)) {
    const next = unitFor(rng.pick(CONFUSED_WITH[dept] ?? ['JD']), w.county, w.town)
    t += dur(rng, 2 * HOUR_MS, 0.8, 10 * MIN, 2 * DAY_MS)
    rec.ev('unit_transfer', t, { from_unit: unit, to_unit: next, note: '协办单位转主办' })
    rec.setUnit(t, next)
    unit = next
  }
  // First contact with the citizen: ~90% within the 24 h limit; a slow tail misses it.
  const respMedian = u === 'emergency' ? 15 * MIN : u === 'urgent' ? HOUR_MS : 4 * HOUR_MS
  const slow = rng.chance(0.04) ? rng.uniform(5, 10) : 1
  t = rec.stamp('first_response_at', t + dur(rng, respMedian * slow, 0.9, MIN, 6 * DAY_MS), 'handling', { from_unit: unit })
  const replyMedian = u === 'emergency' ? 3 * HOUR_MS : u === 'urgent' ? 8 * HOUR_MS : f.kind === 'consult' ? 6 * HOUR_MS : 1.5 * DAY_MS
  let rep = office(rng, t + dur(rng, replyMedian, 0.8, 10 * MIN, 15 * DAY_MS), u)
  // Most units hurry to reply inside the limit; the rest are overdue.
  if (f.due_at && rep > f.due_at && rng.chance(0.6)) rep = Math.max(t + 10 * MIN, f.due_at - Math.round(rng.uniform(0.5, 6) * HOUR_MS))
  if (rng.chance(0.06)) rec.ev('urged', t + Math.round((rep - t) * rng.uniform(0.3, 0.9)), { to_unit: unit, note: '市民来电催办' })
  rec.stamp('replied_at', rep, 'replied', { from_unit: unit })
  const cl = rec.stamp('closed_at', office(rng, rep + dur(rng, 3 * HOUR_MS, 1.0, 5 * MIN, 3 * DAY_MS), u), 'closed')
  callback12345(rng, rec, cl, false, f.due_at !== null && rep > f.due_at)
}

function callback12345(rng: Rng, rec: Rec, closedAt: number, direct: boolean, late = false) {
  const at = office(rng, closedAt + dur(rng, 20 * HOUR_MS, 0.6, 30 * MIN, 4 * DAY_MS), 'normal', 0.6)
  if (!rng.chance(0.88)) {
    rec.plan.callback = { at, contacted: false, solved: null, first: null, final: null }
    rec.ev('callback', at, { note: '回访未接通' })
    return
  }
  const solved = rng.chance(direct ? 0.9 : late ? 0.6 : 0.82)
  const first = satisfaction(rng, solved)
  rec.plan.callback = { at, contacted: true, solved, first, final: null }
  rec.ev('callback', at, { note: `首次回访：${solved ? '已解决' : '未解决'}，${SAT_LABEL[first]}` })
  // Unsatisfied → re-handled (重办) in half the cases, then a second callback that is usually better.
  if (first === 'unsatisfied' && !direct && rng.chance(0.5)) {
    const re = at + dur(rng, 4 * HOUR_MS, 0.8, 10 * MIN, 2 * DAY_MS)
    rec.ev('redispatched', re, { from_unit: HUB['12345'], to_unit: rec.unit, note: '回访不满意，重办' })
    const fin = re + dur(rng, 2 * DAY_MS, 0.5, 2 * HOUR_MS, 7 * DAY_MS)
    const sat = rng.weighted<Satisfaction>(['satisfied', 'basically_satisfied', 'unsatisfied'], [0.3, 0.4, 0.3])
    rec.plan.callback.final = { at: fin, satisfaction: sat, solved: sat !== 'unsatisfied' }
    rec.ev('callback', fin, { note: `二次回访：${SAT_LABEL[sat]}` })
  }
}
const SAT_LABEL: Record<Satisfaction, string> = { satisfied: '满意', basically_satisfied: '基本满意', unsatisfied: '不满意' }

/** 110 police attendance: dispatch, sign, depart, arrive. Returns the arrival (or response) time. */
function attend110(rng: Rng, rec: Rec, start: number, cat: Category, w: Where): number {
  const u = rec.plan.fixed.urgency
  const dept = cat.owner === '110' ? cat.dept : 'PCS'
  const unit = unitFor(dept, w.county, w.town)
  let t = start + dur(rng, u === 'emergency' ? 40_000 : 70_000, 0.6, 10_000, 30 * MIN)
  rec.setUnit(t, unit)
  rec.stamp('dispatched_at', t, 'dispatched', { from_unit: HUB['110'], to_unit: unit })
  t = rec.stamp('signed_at', t + dur(rng, 50_000, 0.7, 5_000, 20 * MIN), 'signed', { to_unit: unit })
  if (dept === 'FZ' || dept === 'DC') {
    // Fraud centre and police supervision act by phone: no patrol on scene.
    return rec.stamp('first_response_at', t + dur(rng, 8 * MIN, 0.8, MIN, 6 * HOUR_MS), 'handling', { from_unit: unit })
  }
  t = rec.stamp('first_response_at', t + dur(rng, 2 * MIN, 0.6, 20_000, HOUR_MS), 'handling', { from_unit: unit, note: '出警' })
  // Urban districts: 5 min target; outer counties and zones: 10 min or more.
  const urban = ['410102', '410103', '410104', '410105', '410108'].includes(w.county.code)
  return rec.stamp('arrived_at', t + dur(rng, urban ? 4.5 * MIN : 9 * MIN, 0.45, 90_000, 2 * HOUR_MS), undefined, { from_unit: unit })
}

/** 110: full incident handling from `start` (after answering), then sometimes a callback. */
function handle110(rng: Rng, rec: Rec, start: number, cat: Category, w: Where) {
  const f = rec.plan.fixed
  // Non-police matters kept by 110: the operator explains and guides (释疑引导) and closes.
  if (f.kind === 'non_police' && rec.plan.stamps.dispatched_at === undefined && rng.chance(0.5)) {
    const rep = rec.stamp('replied_at', start + dur(rng, 3 * MIN, 0.6), 'replied', { from_unit: HUB['110'], note: '非警务类，解释引导' })
    rec.stamp('closed_at', rep + dur(rng, 20_000, 0.6), 'closed')
    return
  }
  const t = rec.plan.stamps.arrived_at ?? rec.plan.stamps.first_response_at ?? attend110(rng, rec, start, cat, w)
  const t0 = Math.max(t, start)
  const handling = cat.code === 'TRF_ACCIDENT' ? 35 * MIN : cat.owner === '110' ? 45 * MIN : 30 * MIN
  const cl = t0 + dur(rng, handling, 0.8, 3 * MIN, 12 * HOUR_MS)
  rec.stamp('replied_at', cl - Math.round(rng.uniform(0, 3 * MIN)), 'replied', { from_unit: rec.unit, note: '处警反馈' })
  rec.stamp('closed_at', cl, 'closed', { note: '结警' })
  if (rng.chance(0.5)) {
    const at = cl + dur(rng, 6 * HOUR_MS, 0.8, 20 * MIN, 3 * DAY_MS)
    const contacted = rng.chance(0.9)
    const solved = contacted ? rng.chance(0.86) : null
    const sat = contacted ? satisfaction(rng, solved!) : null
    rec.plan.callback = { at, contacted, solved, first: sat, final: null }
    rec.ev('callback', at, { note: contacted ? `警情回访：${SAT_LABEL[sat!]}` : '回访未接通' })
  }
}

// ---------- the matter ----------

const CHANNELS: Record<Platform, { items: FixedFields['channel'][]; weights: number[] }> = {
  '12345': { items: ['phone', 'wechat', 'app', 'web', 'sms', 'mailbox'], weights: [70, 10, 8, 7, 3, 2] },
  '110': { items: ['phone', 'sms', 'internet', 'iot', 'video'], weights: [92, 3, 2, 1.5, 1.5] },
}

function kindOn(rng: Rng, platform: Platform, cat: Category): string {
  if (platform === '110') return cat.kind_110 ?? 'non_police'
  return rng.weighted(cat.kinds, cat.kinds.map((_, i) => 1 / (i + 1)))
}
/** Each platform files a matter under its own taxonomy; category_code is the unified one. */
function sourceCategory(platform: Platform, cat: Category, kind: string): string {
  return platform === '12345' ? `${cat.group}-${cat.name}` : `${KIND_LABEL[kind as keyof typeof KIND_LABEL] ?? '非警务'}-${cat.name}`
}

/** Plan one matter arriving on `platform` at `receivedAt`. */
export function planMatter(rng: Rng, platform: Platform, receivedAt: number, ctx: MatterContext): MatterPlan {
  const cat = INTAKE[platform].draw(rng)
  const county = pickCounty(rng)
  const town = rng.chance(0.9) ? pickTown(rng, county) : null
  const pt = rng.chance(platform === '110' ? 0.95 : 0.75) ? randomPoint(rng, county.code) : null
  const urgency = rng.weighted<Urgency>(['normal', 'urgent', 'emergency'], cat.urgency ?? [0.9, 0.09, 0.01])
  const ch = CHANNELS[platform]
  const channel = rng.weighted(ch.items, ch.weights)
  const fill = makeFiller(rng, { county, town })
  // Titles and contents are written in matching order; pair them so the two tell one story.
  const ti = rng.int(0, Math.min(cat.titles.length, cat.contents.length) - 1)
  const title = fill(cat.titles[ti])
  const body = fill(cat.contents[ti])
  const kind = kindOn(rng, platform, cat)
  const where = { county, town }
  const id = recordId(platform, receivedAt, ctx.seq)
  const caller = channel === 'iot' || channel === 'video' ? null : ctx.phones.draw(rng)
  // Citizens often write their number into the message itself: ingest has to mask it there too.
  const signed = caller && platform === '12345' && rng.next() < 0.06 ? `联系电话：${caller}。` : ''
  const fixed: FixedFields = {
    channel, received_at: receivedAt, county_code: county.code, town_code: town?.code ?? null,
    lat: pt?.lat ?? null, lon: pt?.lon ?? null,
    source_category: sourceCategory(platform, cat, kind), category_code: cat.code, kind, urgency,
    title, content: contentPrefix(platform, channel, body) + signed,
    caller_phone: caller,
    due_at: dueFor(platform, receivedAt, urgency, kind),
  }
  const src = new Rec(platform, id, fixed, HUB[platform])
  const accepted = src.stamp('accepted_at', receivedAt + (platform === '110' ? dur(rng, 12_000, 0.5, 3_000, 2 * MIN) : dur(rng, 90_000, 0.6, 15_000, 20 * MIN)))

  // Route: a routing-list item brought to the wrong platform is transferred (some are kept under
  // 首接负责); a 12345 emergency goes to 110 for 先行处置.
  const cross = cat.owner !== platform && cat.handover !== null
  const emergencyTo110 = platform === '12345' && urgency === 'emergency' && rng.chance(0.6)
  const transfer = (cross && rng.chance(0.88)) || emergencyTo110
  if (!transfer) {
    if (platform === '12345') handle12345(rng, src, accepted, cat, where)
    else handle110(rng, src, accepted, cat, where)
    return finish([src])
  }

  const to = other(platform)
  let T: number
  let oneClick = false
  if (platform === '110' && cat.police_first) {
    T = attend110(rng, src, accepted, cat, where) + dur(rng, 40 * MIN, 0.6, 5 * MIN, 6 * HOUR_MS) // police first, then hand over
  } else if (platform === '12345') {
    oneClick = channel === 'phone' && (urgency !== 'normal' || rng.chance(0.5))
    T = accepted + (oneClick ? Math.round(rng.uniform(20_000, 120_000)) : dur(rng, urgency === 'normal' ? 25 * MIN : 5 * MIN, 0.8, MIN, 12 * HOUR_MS))
  } else {
    T = accepted + dur(rng, 4 * MIN, 0.7, 40_000, 2 * HOUR_MS)
  }
  const cid = counterpartId(id, to)
  const note = platform === '12345' ? (emergencyTo110 ? '涉及人身财产安全，转110先行处置' : oneClick ? '一键转接110' : '按分流清单转110') : cat.police_first ? '先行处置后移交12345' : '非警务类，按分流清单转12345'
  src.ev('transfer', T, { from_platform: platform, to_platform: to, from_unit: src.unit, to_unit: HUB[to], counterpart_id: cid, note })
  src.status(T, 'transferred_out')

  const dkind = to === '110' && emergencyTo110 && !cat.kind_110 ? 'public_safety' : kindOn(rng, to, cat)
  const dst = new Rec(to, cid, {
    ...fixed,
    channel: oneClick ? 'phone' : 'internet',
    received_at: T,
    kind: dkind,
    source_category: sourceCategory(to, cat, dkind),
    content: `【${platform}转办】` + contentPrefix(to, 'phone', body),
    due_at: dueFor(to, T, urgency, dkind),
  }, HUB[to])
  const dAccepted = dst.stamp('accepted_at', T + (to === '110' ? dur(rng, 20_000, 0.5, 3_000, 5 * MIN) : dur(rng, 5 * MIN, 0.8, 30_000, 2 * HOUR_MS)), undefined, { counterpart_id: id })

  // Bounce (退回): ~12% of transfers come back; a quarter of those go over a second time.
  const bounces = rng.chance(0.12) ? (rng.chance(0.25) ? 2 : 1) : 0
  if (bounces === 0) {
    if (to === '12345') handle12345(rng, dst, dAccepted, cat, where)
    else handle110(rng, dst, dAccepted, cat, where)
    return finish([src, dst])
  }
  const Tb = dAccepted + (to === '110' ? dur(rng, 15 * MIN, 0.7, 2 * MIN, 6 * HOUR_MS) : dur(rng, 2 * HOUR_MS, 0.8, 10 * MIN, 2 * DAY_MS))
  dst.ev('returned', Tb, { from_unit: HUB[to], to_unit: HUB[platform], counterpart_id: id, note: '经核实不属于本平台受理范围，退回' })
  dst.ev('transfer', Tb, { from_platform: to, to_platform: platform, from_unit: HUB[to], to_unit: HUB[platform], counterpart_id: id, note: '退回原平台' })
  dst.status(Tb, 'transferred_out')
  src.status(Tb, 'received')
  if (bounces === 1) {
    const s = Tb + dur(rng, 5 * MIN, 0.6, 30_000, HOUR_MS)
    if (platform === '12345') handle12345(rng, src, s, cat, where)
    else handle110(rng, src, s, cat, where)
  } else {
    const T2 = Tb + dur(rng, 30 * MIN, 0.7, 5 * MIN, DAY_MS)
    src.ev('transfer', T2, { from_platform: platform, to_platform: to, from_unit: HUB[platform], to_unit: HUB[to], counterpart_id: cid, note: '三方会商后再次转办' })
    src.status(T2, 'transferred_out')
    dst.status(T2, 'received')
    const s = T2 + dur(rng, 5 * MIN, 0.6, 30_000, HOUR_MS)
    if (to === '12345') handle12345(rng, dst, s, cat, where)
    else handle110(rng, dst, s, cat, where)
  }
  return finish([src, dst])
}

function finish(recs: Rec[]): MatterPlan {
  const records = recs.map((r) => r.finish())
  const changes = [...new Set(records.flatMap((r) => r.changes))].sort((a, b) => a - b)
  return { records, changes, end: changes[changes.length - 1] }
}
