// Planted scenarios: matters the early-warning detectors and the hot-issue finder should raise, mixed
// into the simulator's history and live stream (Simulator option `scenarios`), each with its ground
// truth — which finding kind should raise it, which records are its evidence, and when that evidence
// became complete — so `npm run eval:detect` can measure recall, precision and time to raise.
//
// Everything is drawn from a seeded Rng: the same (seed, anchor) gives the same scenarios and ids, a
// different seed other places, categories, names, wordings and times. Nothing here is fixed data:
// texts are assembled from phrase pools (openings, name variants, problem phrasings, impacts,
// demands), some appeals copy or paraphrase an earlier one, as real appeals do.
//
// Timing: `anchor` is the start of the "live" part. The evidence of every detector scenario becomes
// complete within [anchor, anchor + span] (so a run that streams that span sees it happen); the
// history part of a scenario (earlier days of a disputed category, earlier calls of a repeat caller,
// most appeals of a hot issue) lies before the anchor.
import type { FindingKind, RecordRef } from '../../model/finding'
import type { Platform } from '../../model/record'
import { KIND_LABEL } from '../../model/record'
import { CATEGORY_BY_CODE } from './catalog'
import { type County, COUNTY_BY_CODE, randomPoint } from './geo'
import { type MatterPlan, type PlannedEvent, type RecordPlan, type StampField, type PlanStatus, type FixedFields, HUB, counterpartId, recordId, unitFor } from './matter'
import { randomMobile } from './phones'
import { Rng, hash32 } from './random'
import { DAY_MS, HOUR_MS } from './rhythm'
import { contentPrefix } from './text'

const MIN = 60_000

export type ScenarioType =
  | 'disputed_category' | 'pingpong' | 'gathering' | 'repeat_caller' | 'emergency' | 'surge' | 'hot_issue' | 'dispute_place'

export interface PlantedScenario {
  /** Unique within one plan, e.g. "surge-1". */
  id: string
  type: ScenarioType
  /** Plain description for reports. */
  label: string
  /** Finding kinds that should raise it (recall is counted for each). */
  expect: FindingKind[]
  /** Other kinds that may legitimately raise it too (a finding of these on its evidence is no false positive). */
  alsoOk: FindingKind[]
  /** Its evidence records. */
  evidence: RecordRef[]
  /** Fingerprints a finding raising it may carry (besides overlapping the evidence). */
  fingerprints: string[]
  /** First evidence instant, and the instant its evidence became complete (epoch ms). */
  start: number
  complete: number
  /** Hot issues: the entity as most appeals name it and the problem (for reports). */
  hot?: { entity: string; problem: string }
  plans: MatterPlan[]
}

export interface ScenarioOptions {
  seed: number
  /** Start of the live part (epoch ms); evidence completes within [anchor, anchor + spanMs]. */
  anchor: number
  /** Length of the live part (default 2 h). */
  spanMs?: number
  /** How many of each (defaults: one of each detector scenario, five hot issues). */
  counts?: Partial<Record<ScenarioType, number>>
  /** Emergency limit in minutes (the "at once" of the four emergencies; default 5, as the detector's default). */
  emergencyLimitMin?: number
}

export const DEFAULT_SCENARIO_COUNTS: Record<ScenarioType, number> = {
  disputed_category: 1, pingpong: 1, gathering: 1, repeat_caller: 1, emergency: 1, surge: 1, hot_issue: 5, dispute_place: 1,
}

// ---------- record plans ----------

class Rec {
  plan: RecordPlan
  constructor(platform: Platform, id: string, fixed: FixedFields) {
    this.plan = {
      platform, source_id: id, fixed, stamps: {}, callback: null, events: [], changes: [],
      statuses: [{ at: fixed.received_at, status: 'received' }],
      units: [{ at: fixed.received_at, code: HUB[platform] }],
    }
  }
  get ref(): RecordRef { return { platform: this.plan.platform, source_id: this.plan.source_id } }
  get received(): number { return this.plan.fixed.received_at }
  stamp(f: StampField, at: number, status?: PlanStatus, extra: Omit<PlannedEvent, 'type' | 'at'> = {}): number {
    if (this.plan.stamps[f] !== undefined) return this.plan.stamps[f]!
    this.plan.stamps[f] = at
    this.ev(f.replace(/_at$/, '') as PlannedEvent['type'], at, extra)
    if (status) this.status(at, status)
    return at
  }
  status(at: number, status: PlanStatus) { this.plan.statuses.push({ at, status }) }
  unit(at: number, code: string) { this.plan.units.push({ at, code }) }
  ev(type: PlannedEvent['type'], at: number, extra: Omit<PlannedEvent, 'type' | 'at'> = {}) { this.plan.events.push({ type, at, ...extra }) }
  finish(): RecordPlan {
    const p = this.plan
    const byAt = <T extends { at: number }>(a: T[]) => a.map((x, i) => [x, i] as const).sort((x, y) => x[0].at - y[0].at || x[1] - y[1]).map((x) => x[0])
    p.events = byAt(p.events)
    p.statuses = byAt(p.statuses)
    p.units = byAt(p.units)
    const ch = new Set<number>([p.fixed.received_at, ...p.events.map((e) => e.at), ...p.statuses.map((s) => s.at), ...p.units.map((u) => u.at)])
    for (const v of Object.values(p.stamps)) ch.add(v!)
    p.changes = [...ch].sort((a, b) => a - b)
    return p
  }
}

function matter(recs: Rec[]): MatterPlan {
  const records = recs.map((r) => r.finish())
  const changes = [...new Set(records.flatMap((r) => r.changes))].sort((a, b) => a - b)
  return { records, changes, end: changes[changes.length - 1] }
}

type Channel = FixedFields['channel']

interface NewRecord {
  platform: Platform
  at: number
  county: County
  category: string
  title: string
  body: string
  caller: string | null
  channel?: Channel
  urgency?: FixedFields['urgency']
  kind?: string
  /** Coordinates: a point, or none (default: none for 12345, a random point in the county for 110). */
  point?: { lat: number; lon: number } | null
}

class Planner {
  private seq = 8000 // above the noise's arrival numbers within an hour (a few thousand at most)
  constructor(readonly rng: Rng) {}
  id(platform: Platform, at: number): string {
    return recordId(platform, at, this.seq++)
  }
  record(o: NewRecord): Rec {
    const cat = CATEGORY_BY_CODE.get(o.category)
    if (!cat) throw new Error(`unknown category ${o.category}`)
    const kind = o.kind ?? (o.platform === '110' ? cat.kind_110 ?? 'non_police' : cat.kinds[0])
    const channel = o.channel ?? 'phone'
    const town = o.county.towns.length && this.rng.chance(0.8) ? this.rng.pick(o.county.towns) : null
    const pt = o.point !== undefined ? o.point : o.platform === '110' ? randomPoint(this.rng, o.county.code) : null
    const urgency = o.urgency ?? 'normal'
    const fixed: FixedFields = {
      channel, received_at: o.at, county_code: o.county.code, town_code: town?.code ?? null,
      lat: pt?.lat ?? null, lon: pt?.lon ?? null,
      source_category: o.platform === '12345' ? `${cat.group}-${cat.name}` : `${KIND_LABEL[kind as keyof typeof KIND_LABEL] ?? '非警务'}-${cat.name}`,
      category_code: cat.code, kind, urgency, title: o.title,
      content: contentPrefix(o.platform, channel, o.body),
      caller_phone: o.caller,
      due_at: o.at + (o.platform === '110' ? (urgency === 'normal' ? 12 : 1) * HOUR_MS : urgency === 'normal' ? 5 * DAY_MS : DAY_MS),
    }
    return new Rec(o.platform, this.id(o.platform, o.at), fixed)
  }
  /** Ordinary 12345 handling from `t` by `unit`: dispatched, signed, answered, closed. Returns the sign time. */
  handle12345(r: Rec, t: number, unit: string, fast = false): number {
    const g = this.rng
    const acc = r.stamp('accepted_at', t + Math.round(g.uniform(40_000, 150_000)))
    const d = acc + Math.round(g.uniform(fast ? 3 : 10, fast ? 10 : 40) * MIN)
    r.unit(d, unit)
    r.stamp('dispatched_at', d, 'dispatched', { from_unit: HUB['12345'], to_unit: unit })
    return this.finish12345(r, d, unit, fast)
  }
  finish12345(r: Rec, from: number, unit: string, fast = false): number {
    const g = this.rng
    const s = r.stamp('signed_at', from + Math.round(g.uniform(fast ? 5 : 20, fast ? 20 : 100) * MIN), 'signed', { to_unit: unit })
    const fr = r.stamp('first_response_at', s + Math.round(g.uniform(0.5, 4) * HOUR_MS), 'handling', { from_unit: unit })
    const rep = r.stamp('replied_at', fr + Math.round(g.uniform(5, 30) * HOUR_MS), 'replied', { from_unit: unit })
    r.stamp('closed_at', rep + Math.round(g.uniform(1, 5) * HOUR_MS), 'closed')
    return s
  }
  /** 110 attendance and closing from `t` by `unit`. */
  handle110(r: Rec, t: number, unit: string) {
    const g = this.rng
    const acc = r.stamp('accepted_at', t + Math.round(g.uniform(5_000, 30_000)))
    const d = acc + Math.round(g.uniform(30_000, 120_000))
    r.unit(d, unit)
    r.stamp('dispatched_at', d, 'dispatched', { from_unit: HUB['110'], to_unit: unit })
    const s = r.stamp('signed_at', d + Math.round(g.uniform(20_000, 90_000)), 'signed', { to_unit: unit })
    const fr = r.stamp('first_response_at', s + Math.round(g.uniform(1, 3) * MIN), 'handling', { from_unit: unit, note: '出警' })
    r.stamp('arrived_at', fr + Math.round(g.uniform(4, 12) * MIN), undefined, { from_unit: unit })
    const cl = fr + Math.round(g.uniform(40, 150) * MIN)
    r.stamp('replied_at', cl - Math.round(g.uniform(0, 3) * MIN), 'replied', { from_unit: unit, note: '处警反馈' })
    r.stamp('closed_at', cl, 'closed', { note: '结警' })
  }
  /** 110 operator explains a non-police matter and closes it. */
  explain110(r: Rec, t: number) {
    const acc = r.stamp('accepted_at', t + Math.round(this.rng.uniform(5_000, 30_000)))
    const rep = r.stamp('replied_at', acc + Math.round(this.rng.uniform(2, 5) * MIN), 'replied', { from_unit: HUB['110'], note: '非警务类，解释引导' })
    r.stamp('closed_at', rep + 30_000, 'closed')
  }
}

// ---------- places and words ----------

// Name stems for planted entities: not among the noise's community or company stems (text.ts).
const STEMS = ['锦艺', '正弘', '康桥', '永威', '绿都', '鑫苑', '升龙', '亚星', '美景', '朗悦', '碧源', '兴达', '汇泉', '东润', '凯旋', '天伦',
  '万锦', '瀚海', '金沙', '荣盛', '豫发', '昌建', '正商', '普罗', '启福', '航宇', '建正', '和昌', '祥盛', '宏光', '润城', '蓝堡']
const URBAN = ['410102', '410103', '410104', '410105', '410108', '410122', '410171', '410172', '410173', '410182', '410184']
const DAYS_AGO = ['前几天', '这几天', '最近一周', '从上周开始', '近半个月', '这段时间']
const GREET = ['', '', '您好，', '尊敬的领导：', '你好，', '领导您好！']

const fill = (s: string, v: Record<string, string>) => s.replace(/\{(\w+)\}/g, (m, k: string) => v[k] ?? m)

function pickCounty(rng: Rng, avoid: Set<string>): County {
  const free = URBAN.filter((c) => !avoid.has(c))
  const code = rng.pick(free.length ? free : URBAN)
  avoid.add(code)
  return COUNTY_BY_CODE.get(code)!
}

/** Times: n instants, sorted, increasing in density towards `to` when `growing`. */
function spread(rng: Rng, n: number, from: number, to: number, growing: boolean): number[] {
  return Array.from({ length: n }, () => from + (growing ? Math.sqrt(rng.next()) : rng.next()) * (to - from)).map(Math.round).sort((a, b) => a - b)
}

/** Move a time into 12345 waking hours (07:30–22:00 Shanghai), keeping the day. */
function daytime(rng: Rng, t: number): number {
  const local = (t + 8 * HOUR_MS) % DAY_MS
  if (local >= 7.5 * HOUR_MS && local < 22 * HOUR_MS) return t
  return t - local + Math.round(rng.uniform(8, 21) * HOUR_MS)
}

// ---------- hot issues: entity variants × problem phrasings ----------

interface HotTemplate {
  key: string
  problem: string
  categories: string[]
  /** Name variants; {S} a stem, {R} a road. The first is the name most appeals use. */
  names: string[]
  weights: number[]
  titles: string[]
  opens: string[]
  bodies: string[]
  impacts: string[]
  demands: string[]
  /** Some 110 incidents name it too. */
  police?: { category: string; texts: string[] }
}

const HOT: HotTemplate[] = [
  {
    key: 'site_noise', problem: '夜间施工噪音', categories: ['ENV_CONSTRUCTION_NOISE', 'CON_DISTURB', 'OTH_OTHER'],
    names: ['{S}新城', '{S}新城小区', '{S}新城二期', '{S}新城三期工地', '{S}新城东门'], weights: [4, 3, 2, 1, 1],
    titles: ['{N}夜间施工噪音扰民', '{N}旁边的工地半夜还在施工', '投诉{N}附近工地夜间施工', '关于{N}夜间施工扰民的问题', '{N}晚上打桩太吵', '{N}周边工地深夜作业'],
    opens: ['我是{N}的业主，', '本人住在{N}，', '我们是{N}的居民，', '反映{N}的问题，', '{T}{N}'],
    bodies: ['{N}旁边的工地每天晚上施工到凌晨一两点，', '工地夜里一直在打桩，机器轰鸣，', '工地连夜施工，渣土车来回跑，', '晚上十一点以后还在浇筑混凝土，噪音特别大，',
      '工地通宵作业，搅拌机的声音吵得人睡不着，', '半夜挖掘机还在干活，'],
    impacts: ['家里老人孩子根本没法休息。', '严重影响周边居民休息。', '孩子马上要考试了，天天睡不好。', '已经好几天了，实在受不了。', '白天上班晚上睡不着觉。'],
    demands: ['希望有关部门管一管。', '请相关部门尽快处理。', '请问夜间施工有没有办许可证？', '要求工地晚上停止施工。', ''],
    police: { category: 'ENV_CONSTRUCTION_NOISE', texts: ['{N}旁边工地半夜施工，噪音太大', '{N}附近工地凌晨还在打桩，要求处理', '{N}工地夜间施工扰民'] },
  },
  {
    key: 'wages', problem: '拖欠农民工工资', categories: ['ECO_WAGES', 'ECO_WAGES', 'OTH_OTHER'],
    names: ['郑州{S}建筑劳务有限公司', '{S}建筑劳务有限公司', '{S}建筑劳务公司', '郑州{S}建筑劳务公司'], weights: [3, 3, 3, 1],
    titles: ['{N}拖欠工资', '{N}拖欠农民工工资', '讨要{N}欠薪', '{N}工资迟迟不发', '反映{N}欠薪问题'],
    opens: ['我在{N}干活，', '我们是{N}的农民工，', '本人{T}在{N}做工，', '我们一帮工人给{N}干活，', ''],
    bodies: ['干了{M}个月，工资一直拖着不发，', '工程早就完工了，工钱到现在还没结，', '老板说没钱，{M}个月工资没给，', '找了项目经理好几次都推给劳务公司，工资还是没发，',
      '快过年了，拖欠的工资一分没见着，'],
    impacts: ['家里等着钱用。', '孩子学费都交不上。', '我们都是外地来打工的，生活很困难。', '房租都交不起了。'],
    demands: ['请劳动部门帮我们讨回工资。', '希望政府帮帮我们。', '请尽快督促公司发放工资。', ''],
  },
  {
    key: 'dust', problem: '搅拌站扬尘', categories: ['ENV_AIR_POLLUTION', 'ENV_AIR_POLLUTION', 'OTH_OTHER'],
    names: ['{S}搅拌站', '{S}搅拌站', '{R}上的{S}搅拌站', '{S}混凝土搅拌站'], weights: [4, 2, 2, 1],
    titles: ['{N}扬尘严重', '{N}粉尘污染', '投诉{N}灰尘大', '{N}车辆进出尘土飞扬', '关于{N}扬尘的问题'],
    opens: ['{N}', '我家住在{N}附近，', '反映一下{N}，', '{T}{N}'],
    bodies: ['每天粉尘很大，', '罐车进出带的泥土满路都是，一刮风尘土飞扬，', '扬尘特别严重，阳台上落满一层灰，', '露天堆放砂石没有覆盖，灰尘到处飘，', '车辆不冲洗就上路，路面全是灰，'],
    impacts: ['窗户都不敢开。', '小孩老人咳嗽不断。', '晾的衣服都是灰。', '周边居民苦不堪言。'],
    demands: ['请环保部门查一查。', '希望尽快整改。', '要求相关部门依法处理。', ''],
  },
  {
    key: 'elevator', problem: '电梯故障', categories: ['LIV_PROPERTY', 'LIV_PROPERTY', 'OTH_OTHER'],
    names: ['{S}花园', '{S}花园小区', '{S}花园东区', '{S}花园5号楼'], weights: [4, 3, 2, 1],
    titles: ['{N}电梯经常坏', '{N}电梯故障没人修', '{N}电梯停运', '投诉{N}物业不修电梯', '{N}电梯安全问题'],
    opens: ['我是{N}的业主，', '{N}', '我们住{N}高层，', '{T}{N}'],
    bodies: ['电梯三天两头出故障，', '电梯停运一个星期了物业也不修，', '电梯运行中突然停住，吓坏了，', '电梯门关不上，报修好几次都没人管，', '电梯一直带病运行，'],
    impacts: ['老人上下楼非常困难。', '住十几楼的只能爬楼梯。', '大家都不敢坐了。', '业主意见很大。'],
    demands: ['请质监部门检查一下。', '要求物业尽快维修。', '希望有关部门督促处理。', ''],
  },
  {
    key: 'property_cert', problem: '房产证办理难', categories: ['LIV_HOUSING', 'LIV_HOUSING', 'OTH_OTHER'],
    names: ['{S}府', '{S}府小区', '{S}府一期', '{S}府项目'], weights: [4, 3, 2, 1],
    titles: ['{N}房产证办不下来', '{N}业主办证难', '{N}交房多年无房产证', '咨询{N}不动产证什么时候能办', '{N}办证问题'],
    opens: ['我是{N}的业主，', '我们{N}的业主', '{N}', '本人{T}在{N}买房，'],
    bodies: ['交房{M}年了房产证还是办不下来，', '开发商一直拖着不给办不动产证，', '问开发商说是手续不全，办证遥遥无期，', '孩子上学落户需要房产证，可一直办不了，'],
    impacts: ['孩子上学都受影响。', '业主们都很着急。', '房子没法过户。', ''],
    demands: ['请房管部门给个说法。', '希望政府督促开发商尽快办证。', '到底什么时候能办？', '请相关部门协调解决。'],
  },
  {
    key: 'lampblack', problem: '烧烤油烟扰民', categories: ['ENV_AIR_POLLUTION', 'ENV_STREET_VENDOR', 'OTH_OTHER'],
    names: ['{S}公寓', '{S}公寓小区', '{S}公寓北门', '{S}公寓底商'], weights: [4, 2, 2, 2],
    titles: ['{N}楼下烧烤油烟扰民', '{N}烧烤店油烟大', '投诉{N}底商油烟', '{N}油烟直排'],
    opens: ['我住在{N}，', '{N}', '我们是{N}的住户，', '{T}{N}'],
    bodies: ['楼下几家烧烤店油烟直接往楼上排，', '烧烤摊每天营业到半夜，油烟熏得家里都是味，', '饭店排烟管道对着居民窗户，', '楼下烧烤油烟特别大，'],
    impacts: ['窗户都不能开。', '家里到处是油烟味。', '老人有哮喘受不了。', ''],
    demands: ['请城管部门管一管。', '要求安装油烟净化设备。', '希望尽快处理。', ''],
  },
  {
    key: 'school', problem: '学校入学划片', categories: ['EDU_SCHOOL', 'EDU_SCHOOL', 'OTH_OTHER'],
    names: ['{S}小学', '郑州市{S}小学', '{S}小学', '{S}小学'], weights: [4, 2, 1, 1],
    titles: ['{N}划片不合理', '咨询{N}入学问题', '{N}学位不够', '我们小区孩子上不了{N}', '{N}招生划片'],
    opens: ['我家孩子今年上一年级，', '我们小区紧挨着{N}，', '', '咨询一下，'],
    bodies: ['今年{N}划片把我们小区划出去了，', '{N}说学位已满，让我们去三公里外的学校，', '离{N}只有几百米却不能就近上学，', '{N}招生政策一年一变，'],
    impacts: ['孩子上学太远了。', '家长们都很焦虑。', '接送非常不方便。', ''],
    demands: ['请教育局给个解释。', '希望能就近入学。', '请问怎么才能上{N}？', ''],
  },
]

// ---------- the scenarios ----------

function refs(recs: Rec[]): RecordRef[] { return recs.map((r) => r.ref) }

/** 高频争议事项: matters of one category × county returned and re-dispatched across units on several days. */
function disputedCategory(pl: Planner, id: string, at: number, avoid: Set<string>): PlantedScenario {
  const g = pl.rng
  const cat = g.pick(['CITY_ILLEGAL_BUILD', 'ENV_DUMPING', 'CON_ILLEGAL_DIG', 'ENV_STREET_VENDOR', 'GRN_GREEN_DAMAGE', 'ENV_BURNING'])
  const county = pickCounty(g, avoid)
  const info = CATEGORY_BY_CODE.get(cat)!
  // Three departments that each say it is not theirs: the category's own, the street office, and a third.
  const chain = [...new Set([info.dept, 'JD', g.pick(['CGJ', 'ZJJ', 'STHJ', 'YLJ'].filter((d) => d !== info.dept))])]
  if (chain.length < 3) chain.push(g.pick(['FGJ', 'SCJ']))
  const days = g.int(4, 5) // days before today with disputes
  const recs: Rec[] = []
  const plans: MatterPlan[] = []
  let complete = 0
  for (let d = days; d >= 0; d--) {
    const n = g.int(3, 4)
    for (let k = 0; k < n; k++) {
      // Earlier days: spread over office hours. Today: received a few hours before `at`, the second
      // return of the last one exactly at `at` (when today's evidence is complete).
      const t0 = d === 0 ? at - Math.round(g.uniform(2, 3.5) * HOUR_MS) : daytime(g, at - d * DAY_MS - Math.round(g.uniform(0, 6) * HOUR_MS))
      const text = disputeText(g, cat)
      const r = pl.record({ platform: '12345', at: t0, county, category: cat, title: text.title, body: text.body, caller: randomMobile(g), channel: g.pick(['phone', 'phone', 'app', 'wechat']) })
      const town = county.towns.find((x) => x.code === r.plan.fixed.town_code) ?? null
      const units = chain.map((dept) => unitFor(dept, county, town))
      const acc = r.stamp('accepted_at', t0 + Math.round(g.uniform(1, 3) * MIN))
      let t = acc + Math.round(g.uniform(8, 25) * MIN)
      r.unit(t, units[0])
      r.stamp('dispatched_at', t, 'dispatched', { from_unit: HUB['12345'], to_unit: units[0] })
      // Two returns (A → B → C): disputed without going back and forth.
      for (let i = 1; i < 3; i++) {
        if (d > 0) t += Math.round(g.uniform(1, 3) * HOUR_MS)
        else if (i === 1) t += Math.round(g.uniform(30, 60) * MIN)
        else t = k === n - 1 ? at : Math.max(t + 10 * MIN, at - Math.round(g.uniform(5, 40) * MIN))
        r.ev('returned', t, { from_unit: units[i - 1], to_unit: HUB['12345'], note: g.pick(['非本单位职责，申请退回', '不属于我单位管辖，申请退回', '涉及多部门职责，建议改派']) })
        r.status(t, 'received')
        if (d === 0) complete = Math.max(complete, t)
        t += Math.round(g.uniform(5, 25) * MIN)
        r.ev('redispatched', t, { from_unit: HUB['12345'], to_unit: units[i], note: '改派' })
        r.unit(t, units[i])
        r.status(t, 'dispatched')
      }
      pl.finish12345(r, t, units[2])
      recs.push(r)
      plans.push(matter([r]))
    }
  }
  const name = CATEGORY_BY_CODE.get(cat)!.name
  return {
    id, type: 'disputed_category', label: `${county.name} ${name}：${days + 1} 天内反复退回改派`,
    expect: ['disputed_category'], alsoOk: ['jurisdiction_conflict', 'overdue'],
    evidence: refs(recs), fingerprints: [`disputed_category|${cat}|${county.code}`],
    start: Math.min(...recs.map((r) => r.received)), complete, plans,
  }
}

function disputeText(g: Rng, cat: string): { title: string; body: string } {
  const place = `${g.pick(STEMS)}${g.pick(['小区', '家园', '村', '路口'])}`
  const what: Record<string, string[]> = {
    CITY_ILLEGAL_BUILD: ['有人私搭乱建', '楼顶违章加盖', '私自扩建院墙'],
    ENV_DUMPING: ['有人乱倒建筑垃圾', '渣土倒在路边没人清', '偷倒装修垃圾'],
    CON_ILLEGAL_DIG: ['道路被挖开一直没回填', '有人私自开挖路面', '施工挖断了路'],
    ENV_STREET_VENDOR: ['商贩占道经营', '早市摊贩占满人行道', '门店占道摆放'],
    GRN_GREEN_DAMAGE: ['绿地被毁改成停车场', '有人砍伐绿化树', '绿化带被占用种菜'],
    ENV_BURNING: ['有人焚烧垃圾', '露天焚烧秸秆垃圾', '半夜烧废品'],
  }
  const w = g.pick(what[cat] ?? ['问题一直没人管'])
  return { title: `${place}${w}`, body: `${place}${w}，${g.pick(['反映过多次', '之前打过电话', '一直没人处理'])}，${g.pick(['各部门互相推诿', '说不归他们管', '请尽快处理'])}。` }
}

/** 管辖争议: matters bounced between two units, A → B → A. */
function pingpong(pl: Planner, id: string, at: number, span: number, avoid: Set<string>): PlantedScenario {
  const g = pl.rng
  const [cat, a, b] = g.pick([['PUB_ROAD_DAMAGE', 'CGJ', 'JD'], ['LIV_PROPERTY', 'FGJ', 'JD'], ['PUB_CABLE_POLE', 'JD', 'CGJ'], ['ENV_SEWAGE', 'SWJ', 'CGJ'], ['GRN_TREE_FALLEN', 'YLJ', 'JD']] as const)
  const county = pickCounty(g, avoid)
  const n = g.int(3, 4)
  const recs: Rec[] = []
  const plans: MatterPlan[] = []
  const done: number[] = []
  const town = county.towns.length ? g.pick(county.towns) : null
  const ua = unitFor(a, county, town)
  const ub = unitFor(b, county, town)
  for (let k = 0; k < n; k++) {
    // The last bounce back of each lands in the live span.
    const back = at + Math.round(g.uniform(0.1, 0.8) * span)
    const t0 = back - Math.round(g.uniform(2, 5) * HOUR_MS)
    const place = `${g.pick(STEMS)}${g.pick(['小区', '家园', '路', '街'])}`
    const problem = pingpongText(g, cat)
    const r = pl.record({ platform: '12345', at: t0, county, category: cat, title: `${place}${problem}`, body: `${place}${problem}，${g.pick(['报修多次没人管', '已经好几天了', '请尽快派人处理'])}。`, caller: randomMobile(g) })
    r.plan.fixed.town_code = town?.code ?? null
    const acc = r.stamp('accepted_at', t0 + Math.round(g.uniform(1, 3) * MIN))
    let t = acc + Math.round(g.uniform(5, 20) * MIN)
    r.unit(t, ua)
    r.stamp('dispatched_at', t, 'dispatched', { from_unit: HUB['12345'], to_unit: ua })
    const hops = [ub, ua]
    let from = ua
    for (let i = 0; i < hops.length; i++) {
      t = i === hops.length - 1 ? Math.max(t + 5 * MIN, back - Math.round(g.uniform(5, 15) * MIN)) : t + Math.round(g.uniform(30, 90) * MIN)
      r.ev('returned', t, { from_unit: from, to_unit: HUB['12345'], note: g.pick(['非本单位职责，申请退回', '应由属地负责，申请退回', '不属于我单位管辖']) })
      r.status(t, 'received')
      t += Math.round(g.uniform(3, 10) * MIN)
      r.ev('redispatched', t, { from_unit: HUB['12345'], to_unit: hops[i], note: '改派' })
      r.unit(t, hops[i])
      r.status(t, 'dispatched')
      from = hops[i]
    }
    done.push(t)
    pl.finish12345(r, t, ua)
    recs.push(r)
    plans.push(matter([r]))
  }
  done.sort((x, y) => x - y)
  const pair = [ua, ub].sort()
  return {
    id, type: 'pingpong', label: `${county.name} ${CATEGORY_BY_CODE.get(cat)!.name}：${ua} 与 ${ub} 来回推诿 ${n} 件`,
    expect: ['jurisdiction_conflict'], alsoOk: ['disputed_category', 'overdue'],
    evidence: refs(recs), fingerprints: [`jurisdiction_conflict|${cat}|${pair[0]}~${pair[1]}`],
    // Two records bounced back make an item (a pattern, not one matter).
    start: Math.min(...recs.map((r) => r.received)), complete: done[1], plans,
  }
}

function pingpongText(g: Rng, cat: string): string {
  const t: Record<string, string[]> = {
    PUB_ROAD_DAMAGE: ['门口道路塌陷坑洼', '路面破损大坑', '人行道地砖大面积破损'],
    LIV_PROPERTY: ['楼道灯坏了没人修', '小区大门坏了', '单元门禁损坏'],
    PUB_CABLE_POLE: ['线杆歪斜快倒了', '电线杆倾斜', '通信线缆垂到地上'],
    ENV_SEWAGE: ['下水道堵塞污水外溢', '污水井冒水', '化粪池满溢'],
    GRN_TREE_FALLEN: ['大树歪倒压在路边', '树木倒伏挡路', '断枝挂在树上'],
  }
  return g.pick(t[cat] ?? ['设施损坏'])
}

/** 风险隐患: a gathering building up at one place, in 12345 appeals (handed to 110 at once) and 110 incidents. */
function gathering(pl: Planner, id: string, at: number, span: number, avoid: Set<string>): PlantedScenario {
  const g = pl.rng
  const county = pickCounty(g, avoid)
  const stem = g.pick(STEMS)
  const [place, who, why] = g.pick([
    [`${stem}府售楼部`, '业主', '延期交房'], [`${stem}建筑工程有限公司项目部`, '工人', '讨要工资'], [`${stem}置业公司门口`, '业主', '延期交房'],
    [`${stem}教育培训学校`, '家长', '退学费'],
  ] as const)
  const center = randomPoint(g, county.code) ?? randomPoint(g, county.code) ?? { lat: 34.7466, lon: 113.6254 }
  const near = () => ({ lat: Math.round((center.lat + g.uniform(-0.0012, 0.0012)) * 1e6) / 1e6, lon: Math.round((center.lon + g.uniform(-0.0015, 0.0015)) * 1e6) / 1e6 })
  const end = at + Math.round(g.uniform(0.2, 0.8) * span)
  const begin = end - Math.round(g.uniform(1, 2.5) * HOUR_MS)
  const n12345 = g.int(2, 3)
  const n110 = g.int(3, 4)
  const times = spread(g, n12345 + n110, begin, end, true)
  const roles = g.int(0, 1) ? [...Array(n12345).fill('12345'), ...Array(n110).fill('110')] : [...Array(n110).fill('110'), ...Array(n12345).fill('12345')]
  // Shuffle lightly: both platforms from the start.
  for (let i = roles.length - 1; i > 0; i--) { const j = g.int(0, i); [roles[i], roles[j]] = [roles[j], roles[i]] }
  const recs: Rec[] = []
  const plans: MatterPlan[] = []
  const cnt = ['几十名', '三四十个', '上百名', '一大群', '数十名']
  roles.forEach((p, i) => {
    const t = times[i]
    const many = g.pick(cnt)
    if (p === '110') {
      const body = g.pick([`${place}${many}${who}聚集，拉横幅${why}，情绪激动`, `${place}门口${who}聚集越来越多，堵住了路`, `有${many}${who}在${place}聚集，要求${why}`, `${place}有人聚集闹事，现场人很多`])
      const r = pl.record({ platform: '110', at: t, county, category: 'POL_MASS_GATHERING', kind: 'mass_incident', urgency: 'emergency', title: `${place}人员聚集`, body, caller: randomMobile(g), point: near() })
      pl.handle110(r, t, unitFor('XJ', county, null))
      recs.push(r)
      plans.push(matter([r]))
    } else {
      const body = g.pick([`${place}现在有${many}${who}聚集，拉着横幅${why}，`, `我们${who}在${place}${why}，人越来越多，`, `${place}门口聚了${many}人，`]) + g.pick(['怕出事，请尽快派人。', '场面有点乱。', '希望政府出面。'])
      const cat = g.pick(['POL_MASS_GATHERING', why === '讨要工资' ? 'ECO_WAGES' : 'LIV_HOUSING'])
      const src = pl.record({ platform: '12345', at: t, county, category: cat, title: `${place}${who}聚集${why}`, body, caller: randomMobile(g), urgency: 'urgent', point: near() })
      // Handed to 110 at once (one-click transfer), as the rules ask.
      const acc = src.stamp('accepted_at', t + Math.round(g.uniform(20_000, 50_000)))
      const T = acc + Math.round(g.uniform(20_000, 90_000))
      const cid = counterpartId(src.plan.source_id, '110')
      src.ev('transfer', T, { from_platform: '12345', to_platform: '110', from_unit: HUB['12345'], to_unit: HUB['110'], counterpart_id: cid, note: '一键转接110' })
      src.status(T, 'transferred_out')
      const f = src.plan.fixed
      const dst = new Rec('110', cid, { ...f, channel: 'phone', received_at: T, kind: 'mass_incident', category_code: 'POL_MASS_GATHERING', source_category: '群体性事件-群体性聚集', content: '【12345转办】' + contentPrefix('110', 'phone', body), due_at: T + HOUR_MS })
      pl.handle110(dst, T, unitFor('XJ', county, null))
      dst.plan.events.find((e) => e.type === 'accepted')!.counterpart_id = src.plan.source_id
      recs.push(src, dst)
      plans.push(matter([src, dst]))
    }
  })
  return {
    id, type: 'gathering', label: `${county.name} ${place}：${who}聚集（12345 ${n12345} 件、110 ${n110} 件）`,
    expect: ['risk_cluster'], alsoOk: ['cross_platform_place', 'surge', 'hot_issue', 'new_topic'],
    evidence: refs(recs), fingerprints: [],
    start: times[0], complete: times[times.length - 1], plans,
  }
}

/** 重复来电: one caller, one matter, four calls over days, the language escalating. */
function repeatCaller(pl: Planner, id: string, at: number, span: number, avoid: Set<string>): PlantedScenario {
  const g = pl.rng
  const county = pickCounty(g, avoid)
  const phone = randomMobile(g)
  const [cat, subject] = g.pick([['LIV_PROPERTY', `楼上漏水`], ['DSP_DOG', '邻居家狗天天叫'], ['CSM_PREPAID', '健身房预付卡退费'], ['LIV_HEATING', '家里暖气不热']] as const)
  const where = `${g.pick(STEMS)}${g.pick(['小区', '家园', '花苑'])}`
  const third = at + Math.round(g.uniform(0.1, 0.7) * span)
  const gaps = [Math.round(g.uniform(1, 3) * DAY_MS), Math.round(g.uniform(0.6, 2) * DAY_MS)]
  const times = [daytime(g, third - gaps[0] - gaps[1]), daytime(g, third - gaps[1]), third, third + Math.round(g.uniform(1.5, 3) * HOUR_MS)].sort((a, b) => a - b)
  const lines = [
    [`${where}${subject}，请帮忙协调处理。`, `${where}${subject}`],
    [`上次反映${where}${subject}，到现在没人处理，${g.pick(['又打电话来问', '请尽快处理', '怎么还没有回音'])}。`, `再次反映${where}${subject}`],
    [`第三次打电话了，${where}${subject}还是没解决，${g.pick(['再不解决我就找媒体曝光', '我要投诉到底', '你们就是不管不问', '忍无可忍了'])}。`, `${where}${subject}多次反映无果`],
    [`${subject}的事一直拖着，${g.pick(['我要去信访讨个说法', '再不解决我就去上访', '已经联系记者了'])}，${g.pick(['看你们管不管', '到底有没有人管'])}。`, `强烈投诉${where}${subject}无人处理`],
  ]
  const recs: Rec[] = []
  const plans: MatterPlan[] = []
  times.forEach((t, i) => {
    const r = pl.record({ platform: '12345', at: t, county, category: cat, title: lines[i][1], body: `来电人称${lines[i][0]}`, caller: phone, urgency: i >= 2 ? 'urgent' : 'normal' })
    pl.handle12345(r, t, unitFor(CATEGORY_BY_CODE.get(cat)!.dept, county, null))
    recs.push(r)
    plans.push(matter([r]))
  })
  return {
    id, type: 'repeat_caller', label: `${county.name} 同一来电人 ${times.length} 次反映${where}${subject}（语气升级）`,
    expect: ['repeat_caller'], alsoOk: ['hot_issue'],
    evidence: refs(recs), fingerprints: [],
    start: times[0], complete: times[2], plans,
  }
}

/** 四类紧急事项 left with 12345: the wording says it, nobody transferred it to 110. */
function emergency(pl: Planner, id: string, at: number, span: number, limitMin: number, avoid: Set<string>): PlantedScenario {
  const g = pl.rng
  const county = pickCounty(g, avoid)
  const t = at + Math.round(g.uniform(0.05, 0.85) * span)
  const who = g.pick(['邻居', '楼上住户', '一名男子', '工友', '我弟弟', '一个女的'])
  const [cat, title, body] = g.pick([
    ['DSP_NEIGHBOR', `${who}扬言要跳楼`, `${who}站在楼顶说不想活了，情绪很激动，${g.pick(['家人劝不下来', '现在还在上面', '周围围了很多人'])}。`],
    ['ECO_WAGES', '讨薪无果扬言报复', `老板拖欠工资一年多，${who}说拿不到钱就${g.pick(['和老板同归于尽', '去报复社会', '放火烧了他们公司'])}。`],
    ['DSP_FAMILY_LABOR', `${who}要轻生`, `${who}因为家庭矛盾在河边${g.pick(['要跳河', '说要寻短见', '说要喝农药'])}，请赶快帮忙。`],
    ['LIV_PROPERTY', `${g.pick(STEMS)}小区业主要集体上访`, `小区${g.pick(['几十人', '上百人'])}准备明天到区政府门口拉横幅，${g.pick(['情绪很大', '已经在群里约好了'])}。`],
    ['OTH_OTHER', `${who}持刀在小区门口`, `${who}拿着刀在小区门口晃，${g.pick(['说要砍人', '嘴里骂骂咧咧', '大家都不敢靠近'])}。`],
  ] as const)
  const r = pl.record({ platform: '12345', at: t, county, category: cat, title, body, caller: randomMobile(g), urgency: g.pick(['normal', 'urgent'] as const) })
  // The operator took it as an ordinary order: dispatched to the street office, never to 110.
  pl.handle12345(r, t, unitFor('JD', county, null), true)
  return {
    id, type: 'emergency', label: `${county.name} 12345 工单「${title}」未移交 110`,
    expect: ['emergency_unreferred'], alsoOk: ['hot_issue'],
    evidence: [r.ref], fingerprints: [`emergency_unreferred|12345|${r.plan.source_id}`],
    start: t, complete: t + limitMin * MIN, plans: [matter([r])],
  }
}

/**
 * 警情与诉求同地: one compound in 110 dispute incidents (neighbours quarrelling over noise, a dog, a
 * square dance) and in 12345 complaints about the same matter from several residents, within three
 * days, none handed over. Complete when the second complaint arrives (two incidents and two callers).
 */
function disputePlace(pl: Planner, id: string, at: number, span: number, avoid: Set<string>): PlantedScenario {
  const g = pl.rng
  const county = pickCounty(g, avoid)
  const place = `${g.pick(STEMS)}${g.pick(['小区', '花园', '家园'])}`
  const center = randomPoint(g, county.code) ?? { lat: 34.7466, lon: 113.6254 }
  const near = () => ({ lat: Math.round((center.lat + g.uniform(-0.0008, 0.0008)) * 1e6) / 1e6, lon: Math.round((center.lon + g.uniform(-0.001, 0.001)) * 1e6) / 1e6 })
  const [cat110, cat12345, why, what] = g.pick([
    ['POL_DOMESTIC_NOISE', 'DSP_NEIGHBOR', '装修噪音', '天天装修到半夜'],
    ['POL_DOMESTIC_NOISE', 'DSP_NEIGHBOR', '广场舞音响', '广场舞音响开得太大'],
    ['POL_FIGHT', 'DSP_DOG', '狗叫', '邻居家的狗半夜一直叫'],
    ['POL_FIGHT', 'DSP_NEIGHBOR', '楼上漏水', '楼上漏水不给修'],
  ] as const)
  const second = at + Math.round(g.uniform(0.2, 0.7) * span)
  // (110 quarrels come at any hour; the complaints in 12345's waking hours)
  const t110 = [second - Math.round(g.uniform(1.5, 2.5) * DAY_MS), second - Math.round(g.uniform(0.3, 1) * DAY_MS)]
  const t12345 = [daytime(g, second - Math.round(g.uniform(1, 2) * DAY_MS)), second, second + Math.round(g.uniform(0.1, 0.25) * span)]
  const recs: Rec[] = []
  const plans: MatterPlan[] = []
  const bldg = () => `${g.int(1, 18)}号楼`
  for (const t of t110) {
    const body = g.pick([`${place}${bldg()}邻居因为${why}吵起来了，双方发生纠纷，快打起来了`, `${place}${bldg()}两户人家因${why}发生争吵，请民警过来处理`, `${place}因为${why}和邻居起了冲突，对方动手推人`])
    const r = pl.record({ platform: '110', at: t, county, category: cat110, title: `${place}邻里纠纷`, body, caller: randomMobile(g), point: near() })
    pl.handle110(r, t, unitFor('PCS', county, null))
    recs.push(r)
    plans.push(matter([r]))
  }
  for (const t of t12345) {
    const body = g.pick([`反映${place}${bldg()}${what}，和邻居沟通多次无果，还报过警，希望社区协调。`, `${place}${what}，邻里矛盾越来越大，前两天还吵到报警，请有关部门处理。`, `投诉${place}${why}扰民，${what}，请尽快解决。`])
    const r = pl.record({ platform: '12345', at: t, county, category: cat12345, title: `${place}${why}扰民`, body, caller: randomMobile(g), point: g.chance(0.5) ? near() : null })
    pl.handle12345(r, t, unitFor('JD', county, null))
    recs.push(r)
    plans.push(matter([r]))
  }
  return {
    id, type: 'dispute_place', label: `${county.name} ${place}：110 纠纷警情 ${t110.length} 起、12345 投诉 ${t12345.length} 件（${why}）`,
    expect: ['cross_platform_place'], alsoOk: ['hot_issue', 'risk_cluster', 'new_topic'],
    evidence: refs(recs), fingerprints: [],
    start: Math.min(...t110, ...t12345), complete: second, plans,
  }
}

/** 话务量激增: a burst water main: one category × county far above its usual hour. */
function surge(pl: Planner, id: string, at: number, span: number, avoid: Set<string>): PlantedScenario {
  const g = pl.rng
  const county = pickCounty(g, avoid)
  const [cat, words] = g.pick([
    ['LIV_WATER', ['停水了', '没水了', '突然断水', '水龙头不出水', '水压很低几乎没水']],
    ['LIV_POWER', ['停电了', '突然断电', '整栋楼没电', '一直没来电']],
  ] as const)
  const n = g.int(22, 34)
  // Evidence complete: the tenth call (far above any usual hour of one category in one county).
  const tenth = at + Math.round(g.uniform(0.1, 0.7) * span)
  const first = tenth - Math.round(g.uniform(12, 25) * MIN)
  const times = [...spread(g, 9, first, tenth - 30_000, false), tenth, ...spread(g, n - 10, tenth + 20_000, tenth + Math.round(g.uniform(40, 70) * MIN), false)]
  const areas = Array.from({ length: 4 }, () => `${g.pick(STEMS)}${g.pick(['小区', '家园', '社区', '家属院', '新村'])}`)
  const recs: Rec[] = []
  const plans: MatterPlan[] = []
  const unit = unitFor(CATEGORY_BY_CODE.get(cat)!.dept, county, null)
  times.forEach((t) => {
    const w = g.pick(words)
    const a = g.pick(areas)
    const body = g.pick([`${a}${w}，什么时候恢复？`, `我们这一片${w}，也没有提前通知。`, `${a}从${g.pick(['刚才', '半小时前', '中午'])}开始${w}，`, `${w}，家里老人孩子都等着用。`]) + g.pick(['', '请尽快处理。', '问了物业也不知道原因。'])
    const r = pl.record({ platform: '12345', at: t, county, category: cat, title: `${a}${w}`, body, caller: randomMobile(g), channel: g.pick(['phone', 'phone', 'phone', 'app', 'wechat']) })
    pl.handle12345(r, t, unit, true)
    recs.push(r)
    plans.push(matter([r]))
  })
  return {
    id, type: 'surge', label: `${county.name} ${CATEGORY_BY_CODE.get(cat)!.name} ${n} 件集中来电（约一小时）`,
    expect: ['surge'], alsoOk: ['hot_issue', 'new_topic'],
    evidence: refs(recs), fingerprints: [`surge|12345|${cat}|${county.code}`],
    start: times[0], complete: tenth, plans,
  }
}

/** 热点问题 known only from text: many callers about one entity and problem, in varied words. */
function hotIssue(pl: Planner, id: string, tpl: HotTemplate, stem: string, end: number, avoid: Set<string>): PlantedScenario {
  const g = pl.rng
  const county = pickCounty(g, avoid)
  const road = g.pick(['文化路', '农业路', '金水路', '中州大道', '航海路', '桐柏路', '嵩山路', '商都路', '科学大道', '紫荆山路'])
  const v = (s: string, name: string) => fill(s, { S: stem, R: road, N: name, T: g.pick(DAYS_AGO), M: g.pick(['两', '三', '四', '五', '六', '八']) })
  const nameOf = () => v(tpl.names[g.weightedIndex(tpl.weights)], '')
  const n = g.int(12, 18)
  const days = g.int(3, 6)
  const times = spread(g, n, end - days * DAY_MS, end, true).map((t) => Math.min(daytime(g, t), end)).sort((a, b) => a - b)
  const recs: Rec[] = []
  const plans: MatterPlan[] = []
  const texts: { title: string; body: string }[] = []
  const callers: string[] = []
  times.forEach((t, i) => {
    let title: string
    let body: string
    if (i >= 2 && g.chance(0.2)) {
      // A copy of an earlier appeal (shared in an owners' group), sometimes with a line added.
      const src = g.pick(texts)
      title = src.title
      body = g.chance(0.5) ? src.body : g.pick(['同样的问题，', '我也反映一下：', '']) + src.body
    } else {
      const name = nameOf()
      const name2 = g.chance(0.5) ? name : nameOf()
      title = v(g.pick(tpl.titles), name)
      body = g.pick(GREET) + v(g.pick(tpl.opens), name2) + v(g.pick(tpl.bodies), name2) + v(g.pick(tpl.impacts), name2) + v(g.pick(tpl.demands), name2)
    }
    texts.push({ title, body })
    // Mostly different people; now and then one person writes again (never three times: that is a repeat caller).
    const caller = i > 0 && g.chance(0.12) && callers.filter((c) => c === callers[callers.length - 1]).length < 2 ? callers[callers.length - 1] : randomMobile(g)
    callers.push(caller)
    const cat = g.pick(tpl.categories)
    const r = pl.record({ platform: '12345', at: t, county, category: cat, title, body, caller, channel: g.pick(['phone', 'phone', 'web', 'app', 'wechat']) })
    pl.handle12345(r, t, unitFor(CATEGORY_BY_CODE.get(cat)!.dept === 'HOTLINE' ? 'JD' : CATEGORY_BY_CODE.get(cat)!.dept, county, null))
    recs.push(r)
    plans.push(matter([r]))
  })
  if (tpl.police && g.chance(0.7)) {
    for (const t of spread(g, g.int(1, 3), end - 2 * DAY_MS, end, false)) {
      const local = Math.round(t / DAY_MS) * DAY_MS - 8 * HOUR_MS + Math.round(g.uniform(-1.5, 1.5) * HOUR_MS) // around midnight
      const at110 = Math.min(local, end)
      const r = pl.record({ platform: '110', at: at110, county, category: tpl.police.category, kind: 'non_police', title: '噪音扰民', body: v(g.pick(tpl.police.texts), nameOf()), caller: randomMobile(g) })
      pl.explain110(r, at110)
      recs.push(r)
      plans.push(matter([r]))
    }
  }
  const main = v(tpl.names[0], '')
  return {
    id, type: 'hot_issue', label: `${county.name} ${main} ${tpl.problem}（${n} 件诉求）`,
    // A hot issue rising within days is also a new topic (its entity and problem were rare before).
    expect: ['hot_issue'], alsoOk: ['repeat_caller', 'new_topic'],
    evidence: refs(recs), fingerprints: [],
    start: times[0], complete: times[times.length - 1], hot: { entity: main, problem: tpl.problem }, plans,
  }
}

/** Plans the scenarios for one seed and anchor (see the file's header). */
export function planScenarios(o: ScenarioOptions): PlantedScenario[] {
  const rng = new Rng(hash32(o.seed, 'scenarios', Math.floor(o.anchor / MIN)))
  const pl = new Planner(rng)
  const span = o.spanMs ?? 2 * HOUR_MS
  const counts = { ...DEFAULT_SCENARIO_COUNTS, ...o.counts }
  const limit = o.emergencyLimitMin ?? 5
  // Each detector scenario gets its own county where possible, so two plants do not feed one group.
  const avoid = new Set<string>()
  const out: PlantedScenario[] = []
  const add = (type: ScenarioType, f: (id: string) => PlantedScenario) => {
    for (let i = 1; i <= counts[type]; i++) {
      if (avoid.size >= URBAN.length - 1) avoid.clear()
      out.push(f(`${type}-${i}`))
    }
  }
  add('disputed_category', (id) => disputedCategory(pl, id, o.anchor + Math.round(rng.uniform(0.3, 0.8) * span), avoid))
  add('pingpong', (id) => pingpong(pl, id, o.anchor, span, avoid))
  add('gathering', (id) => gathering(pl, id, o.anchor, span, avoid))
  add('repeat_caller', (id) => repeatCaller(pl, id, o.anchor, span, avoid))
  add('emergency', (id) => emergency(pl, id, o.anchor, span, limit, avoid))
  add('surge', (id) => surge(pl, id, o.anchor, span, avoid))
  add('dispute_place', (id) => disputePlace(pl, id, o.anchor, span, avoid))
  // Hot issues: distinct templates and stems while they last.
  const stems = [...STEMS]
  const tpls = [...HOT]
  add('hot_issue', (id) => {
    const tpl = tpls.length ? tpls.splice(rng.int(0, tpls.length - 1), 1)[0] : rng.pick(HOT)
    const stem = stems.length ? stems.splice(rng.int(0, stems.length - 1), 1)[0] : rng.pick(STEMS)
    return hotIssue(pl, id, tpl, stem, o.anchor + Math.round(rng.uniform(0.2, 1) * span), avoid)
  })
  return out
}

/** All plans of the scenarios, sorted by the arrival of their first record (as the simulator keeps them). */
export function scenarioPlans(s: PlantedScenario[]): MatterPlan[] {
  return s.flatMap((x) => x.plans).sort((a, b) => a.records[0].fixed.received_at - b.records[0].fixed.received_at)
}
