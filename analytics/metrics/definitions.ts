// Every metric the product shows, defined once: its label, the policy decisions behind it, the formula
// an evaluator reads, and the SQL that computes numerator and denominator. Overview, trend and region
// queries all build from here; GET /api/metrics/definitions publishes all of it.

export type Scope = '12345' | '110' | 'both'

export interface MetricDef {
  id: string
  label: string // Chinese first; metrics over both platforms get （两平台合计） when shown
  label_en: string
  /** seconds: a mean duration, numerator the summed whole seconds (`sum`), denominator the intervals measured. */
  unit: 'count' | 'ratio' | 'seconds'
  /** Whose records (or, for events, which sending platform) the metric counts. */
  platform: Scope
  /** Source table: record metrics count records received in the window, event metrics count events occurring in it. */
  source: 'records' | 'events'
  /** Boolean SQL over one row of the source: counted into the numerator (or the count). */
  num: string
  /** Boolean SQL: counted into the denominator (ratios only). */
  den?: string
  /** Count distinct values of this SQL expression among the rows matching `num`, instead of rows. */
  distinct?: string
  /** Durations: sum this SQL expression (whole seconds) over the rows matching `num`, instead of counting them. */
  sum?: string
  /** Rates that need timestamps: records left out for lack of one, and records not decided yet. */
  coverage?: { not_recorded: string; pending: string }
  formula: string
  /** Ids of the POLICIES this metric follows. */
  policies: string[]
}

export interface MetricParams {
  responseLimit12345Min: number
  responseLimit110Min: number
  /** 110 kinds not judged on response when no police were sent (RESPONSE_EXCLUDE_110_KINDS). */
  responseExclude110Kinds?: string[]
  /** Below this coverage a rate shows no value (METRICS_MIN_COVERAGE). */
  minCoverage?: number
  /** 12345 signing limits from dispatch, minutes (SIGN_LIMIT_12345_MIN; SIGN_LIMIT_EMERGENCY_MIN for urgency 'emergency'). */
  signLimit12345Min?: number
  signLimitEmergencyMin?: number
  /** Targets and warning thresholds per metric id (METRIC_TARGETS): configuration, never official. */
  targets?: Record<string, { target: number; warn?: number }>
  /** 110 arrival limits from dispatch, minutes, per area class (ARRIVE_LIMIT_URBAN_MIN, …_SUBURBAN_MIN, …_RURAL_MIN). */
  arriveLimitUrbanMin?: number
  arriveLimitSuburbanMin?: number
  arriveLimitRuralMin?: number
  /** Area class of a county (6-digit) or street/town (9-digit) code (ARRIVE_AREA_CLASSES); unmapped places are rural. */
  areaClasses?: Record<string, AreaClass>
  /** Repeat spans, hours: an earlier record of the same caller on the same platform within it makes a repeat (REPEAT_SPAN_12345_HOURS, REPEAT_SPAN_110_HOURS). */
  repeatSpan12345Hours?: number
  repeatSpan110Hours?: number
  /**
   * The indicators that join each record's events, its caller's earlier records or a transfer's
   * counterpart (returns, re-handling, repeats, linkage, 回流: EXTENDED_FACTS) are computed only when
   * this is not false (METRICS_EXTENDED). Those joins made an overview of 14 days on 2.5 M records
   * take 3.4 s instead of 0.6 s, more than the wall's 2.5 s request limit; until rollups serve them
   * (issue 8) a deployment turns them on where evaluators need them.
   */
  extended?: boolean
}

/** Columns only the extended joins provide (recordsSource, metricEventsSource): a metric using one is extended. */
export const EXTENDED_FACTS = ['has_return', 'has_rehandle', 'is_repeat', 'cp_found', 'cp_accepted_at', 'cp_fed_back_at', 'cp_answered', 'cp_moved_on', 'came_back', 'sr_received_at']
const EXTENDED_RE = new RegExp(`\\b(${EXTENDED_FACTS.join('|')})\\b`)
/** Whether a metric needs the extended joins (see MetricParams.extended). */
export const isExtended = (d: Pick<MetricDef, 'num' | 'den' | 'coverage' | 'distinct'>): boolean =>
  [d.num, d.den, d.coverage?.not_recorded, d.coverage?.pending, d.distinct].some((x) => !!x && EXTENDED_RE.test(x))

export const AREA_CLASSES = ['urban', 'suburban', 'rural'] as const
export type AreaClass = (typeof AREA_CLASSES)[number]
/**
 * 110 on-scene limits from dispatch (domain notes: urban 5 min, suburban 10 min, rural "as soon as
 * possible"; the rural 30 min is this product's default, a setting, not an official figure).
 */
export const DEFAULT_ARRIVE_LIMIT_MIN: Record<AreaClass, number> = { urban: 5, suburban: 10, rural: 30 }
/**
 * Zhengzhou by county (the record carries no area class): the five central districts urban; 上街区,
 * 中牟县 and the three functional zones suburban; the five county-level cities rural. A street/town
 * code in ARRIVE_AREA_CLASSES overrides its county; a place in neither is rural.
 */
export const DEFAULT_AREA_CLASSES: Record<string, AreaClass> = {
  410102: 'urban', 410103: 'urban', 410104: 'urban', 410105: 'urban', 410108: 'urban',
  410106: 'suburban', 410122: 'suburban', 410171: 'suburban', 410172: 'suburban', 410173: 'suburban',
  410181: 'rural', 410182: 'rural', 410183: 'rural', 410184: 'rural', 410185: 'rural',
}
/** Repeat spans: 12345 30 days (a matter appealed again within a month), 110 24 hours (the same caller alarming again within a day). */
export const DEFAULT_REPEAT_SPAN_12345_HOURS = 30 * 24
export const DEFAULT_REPEAT_SPAN_110_HOURS = 24
const arriveLimits = (p: MetricParams): Record<AreaClass, number> => ({
  urban: Math.trunc(p.arriveLimitUrbanMin ?? DEFAULT_ARRIVE_LIMIT_MIN.urban),
  suburban: Math.trunc(p.arriveLimitSuburbanMin ?? DEFAULT_ARRIVE_LIMIT_MIN.suburban),
  rural: Math.trunc(p.arriveLimitRuralMin ?? DEFAULT_ARRIVE_LIMIT_MIN.rural),
})
export const repeatSpans = (p: MetricParams) => ({
  h12345: Math.trunc(p.repeatSpan12345Hours ?? DEFAULT_REPEAT_SPAN_12345_HOURS), h110: Math.trunc(p.repeatSpan110Hours ?? DEFAULT_REPEAT_SPAN_110_HOURS),
})
/** The area-class rule as SQL over a record row: town code first, then county code, else rural. */
function areaClassSql(p: MetricParams): string {
  const map = p.areaClasses ?? DEFAULT_AREA_CLASSES
  // Codes and classes were validated (digits; one of AREA_CLASSES); only digits survive here anyway.
  const codes = (len: number, c: AreaClass) => Object.entries(map).filter(([k, v]) => k.length === len && v === c).map(([k]) => `'${k.replace(/\D/g, '')}'`)
  const arms: string[] = []
  for (const [col, len] of [['town_code', 9], ['county_code', 6]] as const)
    for (const c of AREA_CLASSES) { const xs = codes(len, c); if (xs.length) arms.push(`${col} IN (${xs.join(', ')}), '${c}'`) }
  return arms.length ? `multiIf(${arms.join(', ')}, 'rural')` : `'rural'`
}

export const DEFAULT_EXCLUDE_110_KINDS = ['non_police', 'invalid_alarm', 'consult_only']
/** Typical signing limits (domain notes): one working day, taken as 24 h; 15 min where life or property is at risk. */
export const DEFAULT_SIGN_LIMIT_MIN = 24 * 60
export const DEFAULT_SIGN_LIMIT_EMERGENCY_MIN = 15
const signLimits = (p: MetricParams) => ({
  lim: Math.trunc(p.signLimit12345Min ?? DEFAULT_SIGN_LIMIT_MIN), limE: Math.trunc(p.signLimitEmergencyMin ?? DEFAULT_SIGN_LIMIT_EMERGENCY_MIN),
})
export const DEFAULT_MIN_COVERAGE = 0.8
/** When a dispatched 12345 order must be signed by (policy signing_clock). */
const signDeadlineSql = (p: MetricParams) => {
  const sl = signLimits(p)
  return `(dispatched_at + toIntervalMinute(if(urgency = 'emergency', ${sl.limE}, ${sl.lim})))`
}

/**
 * Every instant a record metric compares with as_of (`X <= as_of` / `X > as_of`, over a record row
 * with the derived columns): a record's judgement can change with as_of only when as_of crosses one
 * of these, so once as_of is past all of them it is final (rollups rely on this; a test checks that
 * the record definitions compare as_of with nothing else).
 */
export const asOfInstants = (p: MetricParams): string[] => ['resp_deadline', signDeadlineSql(p), 'due_at', 'arrive_deadline']
const EPOCH = "toDateTime64(0, 3, 'Asia/Shanghai')"
/** The latest of a record's asOfInstants (the epoch when it has none): from then on no as_of changes how it is judged. */
export const settleSql = (p: MetricParams): string =>
  `greatest(${asOfInstants(p).map((x) => `ifNull(toDateTime64(${x}, 3, 'Asia/Shanghai'), ${EPOCH})`).join(', ')})`

/** The SQL placeholder of the instant a metric is judged at (`as_of`); never now64(). */
export const AS_OF = `{as_of:DateTime64(3, 'Asia/Shanghai')}`

/**
 * Policy decisions, each in words, with the setting that changes it where cities differ. These are
 * what an evaluator must accept before the numbers mean anything; each metric lists the ones it follows.
 */
export function policies(p: MetricParams): { id: string; text: string; setting: string | null }[] {
  const excl = p.responseExclude110Kinds ?? DEFAULT_EXCLUDE_110_KINDS
  const minCov = p.minCoverage ?? DEFAULT_MIN_COVERAGE
  return [
    { id: 'window', setting: null,
      text: '记录按受理时间 received_at、事件按发生时间 at 落入窗口 [from, to)（北京时间）；记录与事件都取最新版本 (records by received_at, events by at, in [from, to) Asia/Shanghai; latest version of each record and event)' },
    { id: 'per_platform', setting: null,
      text: '每个比率分别给出 12345 与 110 的值；两平台合计值标注“两平台合计” (every rate is given for 12345 and 110 separately; a figure over both is labelled combined)' },
    { id: 'response_scope_12345', setting: null,
      text: '12345 只评判已派给承办单位的工单（话务员直接答复的不评判）；已转出到 110 的不评判 (12345: only orders dispatched to a handling unit are judged; direct answers and orders handed to 110 are not)' },
    { id: 'response_scope_110', setting: 'RESPONSE_EXCLUDE_110_KINDS',
      text: `110 评判每个警单，除了：已转出到 12345 的；类别为 ${excl.length ? excl.join('、') : '（无）'} 且未派警、未到场的（无需出警即结束，如无效报警、仅咨询、非警务类） (110: every call is judged except calls handed to 12345, and calls of kind ${excl.join(', ') || '(none)'} that no police were sent to)` },
    { id: 'response_clock', setting: 'RESPONSE_LIMIT_12345_MIN, RESPONSE_LIMIT_110_MIN',
      text: `12345 自派单起 ${p.responseLimit12345Min} 分钟内承办单位首次联系诉求人；110 自接警起 ${p.responseLimit110Min} 分钟内首次响应或到场（first_response_at，无则 arrived_at） (12345: first contact within the limit from dispatch — not from signing; 110: first response, else arrival, within the limit from the call)` },
    { id: 'missing_not_late', setting: null,
      text: '无响应时间的记录：仍未办结（状态未到办理/答复/办结、无答复/办结/回访时间）且已过时限的算超时；已往后推进（办理中、已答复、已办结或已回访）却没有响应时间的算“未记录”，不进分母；未过时限且未办结的算“待定”，不进分母 (no response time: still open past the limit = a miss; moved on — handling, replied, closed or called back — without one = not recorded, left out; open within the limit = pending, left out)' },
    { id: 'coverage', setting: 'METRICS_MIN_COVERAGE',
      text: `覆盖率 = 可判定数 / (可判定数 + 未记录数)；低于 ${minCov} 时不出率（value 为 null，reason 说明原因） (coverage = measured / (measured + not recorded); below ${minCov} the rate shows no value, with a reason)` },
    { id: 'as_of', setting: null,
      text: '“是否已过时限”按评判时刻 as_of 判断（默认请求时刻，可用 ?as_of= 指定），同一 as_of 同一数据得同一值 (whether a limit has passed is judged at as_of — the request time unless ?as_of= is given — so the same as_of on the same data gives the same value)' },
    { id: 'callback_contacted', setting: null,
      text: '解决率与满意率只计回访联系上诉求人（callback_contacted = 1）的评价；已转出记录不计 (resolution and satisfaction count only answers from callbacks that reached the citizen; records handed over are left out)' },
    { id: 'transfer_once', setting: null,
      text: '跨平台转办按发出方上报的 transfer 事件计一次；接收方的记录不是第二次转办 (a cross-platform transfer counts once, on the event the sending platform reports)' },
    { id: 'bounces', setting: null,
      text: '来回转办：某记录此前由对方平台转入，后又转回对方。“来回转办次数”数转办事件，“来回转办事项数”数被转回的记录（去重） (a bounce sends back a record that earlier arrived by transfer from the other platform; bounce transfers count events, bounced records count distinct sending records)' },
    { id: 'signing_clock', setting: 'SIGN_LIMIT_12345_MIN, SIGN_LIMIT_EMERGENCY_MIN',
      text: `12345 自派单起 ${signLimits(p).lim} 分钟内签收（紧急件 urgency = emergency 为 ${signLimits(p).limE} 分钟）为按时；已签收（状态）或已往后推进却无签收时间 signed_at 的算“未记录”，不进分母；未签收且截至 as_of 已超时的算超时（进分母），未超时的算“待定”；已转出到 110 的不评判 (12345 orders signed within the limit from dispatch are on time; signed by status or moved on without signed_at = not recorded, left out; unsigned past the limit as of as_of = late, counted; unsigned within it = pending; orders handed to 110 are not judged)` },
    { id: 'closure_clock', setting: null,
      text: '按时办结以记录的办结时限 due_at 为准：办结时间 closed_at 不晚于 due_at 为按时；无 due_at 的不评判；已办结却无办结时间的算“未记录”，不进分母；未办结且截至 as_of 已过 due_at 的算超期（进分母），未过的算“待定” (on-time closure is judged against the record\'s own due_at: closed_at at or before it is on time; records without due_at are not judged; closed without closed_at = not recorded, left out; still open past due_at as of as_of = overdue, counted; still open before it = pending, left out)' },
    { id: 'non_police', setting: null,
      text: '非警务警情：110 警单中类别 kind = non_police 的（含已分流到 12345 的） (non-police incidents: 110 records of kind non_police, including those diverted to 12345)' },
    { id: 'diversion', setting: null,
      text: '分流：非警务警情已转出到 12345（状态 transferred_out） (diverted: a non-police incident handed to 12345, status transferred_out)' },
    { id: 'direct_answer', setting: null,
      text: '直接答复：12345 工单未派单（无 dispatched_at）即已答复或办结；既未派单也未答复办结的尚未定，不进分母；已转出到 110 的不评判 (a direct answer: a 12345 order replied to or closed without being dispatched; orders neither dispatched nor answered yet are undecided and left out; orders handed to 110 are not judged)' },
    { id: 'durations', setting: null,
      text: '用时 = 终点时刻 − 起点时刻，取整秒（不足一秒舍去）；报告平均用时 = 总秒数 / 计入件数，两者都给出；起点或终点缺失、或终点早于起点的算“未记录”，不进分母；尚未到终点的在办记录算“待定”，不进分母；中位数不能按区相加，故不报告 (a duration is end − start in whole seconds, truncated; the mean = total seconds / intervals measured, both given; a missing stamp, or an end before its start, is not recorded and left out; records still open before the end are pending and left out; a median cannot add up over regions, so none is reported)' },
    { id: 'police_times_110', setting: null,
      text: '110 各段用时：接警用时 = 报警 received_at → 接警 accepted_at（每个警单）；接警→派警 = accepted_at → dispatched_at（仅已派警或已到场的警单）；派警→到场 = dispatched_at → arrived_at（已派警的警单，含已转出的：出警已发生）；到场→结警 = arrived_at → closed_at（已到场且未转出的警单） (110 stage times: answer = call received_at → answered accepted_at, every call; answer→dispatch = accepted_at → dispatched_at, calls police were sent to; dispatch→arrive = dispatched_at → arrived_at, dispatched calls, handed-over ones included; arrive→close = arrived_at → closed_at, attended calls not handed over)' },
    { id: 'arrive_clock', setting: 'ARRIVE_AREA_CLASSES, ARRIVE_LIMIT_URBAN_MIN, ARRIVE_LIMIT_SUBURBAN_MIN, ARRIVE_LIMIT_RURAL_MIN',
      text: `110 按时到场：自派警 dispatched_at 起，城区 ${arriveLimits(p).urban} 分钟、近郊 ${arriveLimits(p).suburban} 分钟、农村 ${arriveLimits(p).rural} 分钟内到场 arrived_at 为按时（农村原文为“尽快”，${arriveLimits(p).rural} 分钟是本系统的可配置默认值，非官方）；记录不带区域类别，按规则定：街道/乡镇代码在 ARRIVE_AREA_CLASSES 中的按其类别，否则按区县代码，都不在的算农村；默认郑州五个中心城区为城区，上街区、中牟县和三个功能区为近郊，五个县级市为农村；未到场且已往后推进（办理/答复/结警）的算“未记录”，未到场未推进且截至 as_of 已超时的算超时，未超时的算“待定” (110 on-time arrival: on scene within the limit of the place's class from dispatch — urban, suburban, rural; the texts say "as soon as possible" for rural, its limit is this product's configurable default, not official; records carry no class, so: a street/town code listed in ARRIVE_AREA_CLASSES gives its class, else the county code, else rural; by default Zhengzhou's five central districts are urban, 上街区, 中牟县 and the three zones suburban, the five county-level cities rural; no arrival but moved on = not recorded; no arrival, still open, past the limit as of as_of = late; within it = pending)` },
    { id: 'reply_clock_12345', setting: null,
      text: '12345 答复用时 = 受理 received_at → 答复 replied_at（含直接答复；已转出到 110 的不评判）；按时答复以记录的办结时限 due_at 为准（记录不带单独的答复时限）：replied_at 不晚于 due_at 为按时；无 due_at 的不评判；已办结、已答复（状态）或已回访却无答复时间的算“未记录”；未答复且截至 as_of 已过 due_at 的算超时，未过的算“待定” (12345 reply time = received_at → replied_at, direct answers included, orders handed to 110 not judged; on-time reply is judged against the record\'s due_at, the only deadline a record carries: replied at or before it is on time; no due_at = not judged; closed, replied by status or called back without replied_at = not recorded; unreplied past due_at as of as_of = late; before it = pending)' },
    { id: 'record_events', setting: null,
      text: '记录的事件（退回、重新派单、答复、办结、回访）只计发生在记录受理时刻之后、as_of 之前（含）的 (a record\'s events — returns, re-dispatches, replies, closures, callbacks — count only at or after the record\'s received_at and at or before as_of)' },
    { id: 'returns_12345', setting: null,
      text: '退回率：已派单的 12345 工单（含之后转出的）中至少有一次退回事件 returned 的占比 (return rate: of 12345 orders dispatched to a unit, handed-over ones included, those with at least one returned event)' },
    { id: 'rehandle_12345', setting: null,
      text: '重办：已答复或办结的 12345 工单，在一次答复、办结或回访事件之后又有重新派单事件 redispatched（如回访不满意重办）；退回后的改派发生在答复之前，不算重办；已转出到 110 的不评判 (re-handled: a 12345 order replied to or closed that got a redispatched event after an earlier replied, closed or callback event — e.g. re-handled after an unsatisfied callback; a re-dispatch after a return comes before any answer and is not re-handling; orders handed to 110 are not judged)' },
    { id: 'repeat_callers', setting: 'REPEAT_SPAN_12345_HOURS, REPEAT_SPAN_110_HOURS',
      text: `重复诉求/重复报警：同一平台上同一来电人（caller_key，号码的密钥哈希）在此前 ${repeatSpans(p).h12345} 小时（12345）/ ${repeatSpans(p).h110} 小时（110）内已有记录（任意区县、任意类别，含窗口之前的；同一时刻的按来源编号先后），本记录即为重复；无来电号码的算“未记录”，不进分母 (a repeat: the same caller — caller_key, a keyed hash of the number — already had a record on the same platform within the span before this one: 12345 ${repeatSpans(p).h12345} h, 110 ${repeatSpans(p).h110} h; any county or category, before the window too; records at the same instant are ordered by source id; records without a caller number are not recorded and left out)` },
    { id: 'transfer_counterpart', setting: null,
      text: '联动指标按转办事件所指的对方记录（to_platform, counterpart_id）判断：转办→签收用时 = 转办时刻 at → 对方记录受理 accepted_at（接收平台签收转来的工单）；对方记录未收到或未指明的算“未记录”；对方记录已往后推进却无受理时间、或受理早于转办的也算“未记录”；对方尚未受理的算“待定” (linkage metrics follow the transfer\'s counterpart record: transfer→sign time = the transfer\'s at → the counterpart\'s accepted_at, the receiving platform signing for the order; a counterpart not received or not named is not recorded; one moved on without accepted_at, or accepted before the transfer, is not recorded too; one not accepted yet is pending)' },
    { id: 'closed_loop', setting: null,
      text: '闭环：转办事件的对方记录截至 as_of 已反馈结果（答复 replied_at，无则办结 closed_at）；对方尚未反馈的进分母、不进分子；对方记录未收到或未指明、或已办结/答复（状态）却无时间的算“未记录”，不进分母 (closed loop: the transfer\'s counterpart record fed a result back by as_of — replied_at, else closed_at; counterparts without a result yet count in the denominator only; a counterpart not received or not named, or closed or replied by status without a time, is not recorded and left out)' },
    { id: 'handover_clock', setting: null,
      text: '接警→移交用时：110 转 12345 的每个转办事件，自其发出警单的受理时刻 received_at 起算；发出警单未收到、或转办早于受理的算“未记录” (call→handover time: each 110→12345 transfer, from its sending call\'s received_at; a sending call not received, or a transfer before it, is not recorded)' },
    { id: 'bounce_rate', setting: null,
      text: '来回转办率 = 来回转办的转办事件 / 转办事件，按发出平台 (bounce rate = bounce transfers / transfers, by the sending platform)' },
    { id: 'return_to_110', setting: null,
      text: '回流：110 分流到 12345 的转办，其 12345 对方记录此后（截至 as_of）又转回 110；未指明对方记录的转办无法追踪，算“未记录” (回流: a 110 transfer to 12345 whose 12345 counterpart later — by as_of — sent a transfer to 110; transfers naming no counterpart cannot be followed and are not recorded)' },
    { id: 'platform_filter', setting: null,
      text: 'platform= 同时筛选记录（按记录平台）与事件（按发出平台） (platform= filters records by their platform and events by the sending platform)' },
    { id: 'regions', setting: null,
      text: '记录按其区县，事件按发出记录的区县；发出记录未知（或区县不在本市代码表）的计入“未知区域”，各区相加等于全市 (records by their county, events by the county of the sending record; unknown sending records, or counties outside the code list, go to 未知区域, so regions add up to the city)' },
  ]
}

// Kind names go into the SQL as literals; config validated them, and only [A-Za-z0-9_] survive here anyway.
const sqlString = (s: string) => `'${s.replace(/[^A-Za-z0-9_]/g, '')}'`

// The matter goes on in the counterpart record on the other platform, so a handed-over record is not
// judged on response or satisfaction; it still counts in volume.
const IN_SCOPE = "status != 'transferred_out'"
const SATISFIED = "('satisfied', 'basically_satisfied')"
// Only a callback that reached the citizen yields an answer that is theirs (a missed call rates nothing).
const CONTACTED = 'callback_contacted = 1'

// On-time signing judges 12345 orders in scope dispatched to a unit; signed by status, or moved on,
// without a signing time is not recorded.
const SIGNING = `platform = '12345' AND ${IN_SCOPE} AND dispatched_at IS NOT NULL`
const SIGNED_NO_STAMP = `(status = 'signed' OR moved_on)`
// On-time closure judges 12345 orders in scope that carry their own deadline.
const CLOSURE = `platform = '12345' AND ${IN_SCOPE} AND due_at IS NOT NULL`
// Replied to or closed (by stamp or by status).
const ANSWERED = `(replied_at IS NOT NULL OR closed_at IS NOT NULL OR status IN ('replied', 'closed'))`

/** A cross-platform transfer, counted once: on the event the sending platform reports. */
export const TRANSFER_OUT = "type = 'transfer' AND platform = from_platform"

/**
 * The job that fills bounce_daily (jobs/bounce-job.ts): its windows in job_windows say how fresh the
 * table is. Named here, beside the definitions it counts by, so the metrics need not import a job.
 */
export const BOUNCE_JOB = 'bounce-daily'
/** …of a record that had earlier arrived by transfer from the other platform: the matter is sent back (来回转办). */
export const BOUNCED_BACK = 'bounced_back'

const FROM = `{from:DateTime64(3, 'Asia/Shanghai')}`
const TO = `{to:DateTime64(3, 'Asia/Shanghai')}`

/**
 * `col` in [{from}, {to}) (or bounds under other parameter names), for a table read FINAL and partitioned by month of `col`. With
 * do_not_merge_across_partitions_select_final, ClickHouse prunes *parts* by the min-max of `col` before
 * FINAL: a correction that moved `col` out of the window within the same month was pruned, and the
 * stale version it replaced showed instead. Whole months prune safely (every version of a key lives in
 * one month); the exact bounds go through identity(), which index analysis does not use, so they apply
 * after FINAL.
 */
export function windowFinal(col: string, lo = 'from', hi = 'to'): string {
  const from = lo === 'from' ? FROM : `{${lo}:DateTime64(3, 'Asia/Shanghai')}`
  const to = hi === 'to' ? TO : `{${hi}:DateTime64(3, 'Asia/Shanghai')}`
  return `${windowMonths(col, lo, hi)}
      AND identity(${col}) >= ${from} AND identity(${col}) < ${to}`
}

/** Only the months of [{lo}, {hi}) (parameter names): for reads that filter exactly elsewhere or read without FINAL. */
export function windowMonths(col: string, lo = 'from', hi = 'to'): string {
  const from = `{${lo}:DateTime64(3, 'Asia/Shanghai')}`
  const to = `{${hi}:DateTime64(3, 'Asia/Shanghai')}`
  return `toYYYYMM(${col}) BETWEEN toYYYYMM(${from}) AND toYYYYMM(${to} - toIntervalMillisecond(1))`
}

/**
 * Events occurring in [{from}, {to}), each with `bounced_back`: a transfer out of its record
 * (TRANSFER_OUT) whose record had been received by a transfer before it; 0 for every other event (only
 * transfers out can bounce, and the first transfers in are looked up only for the window's records that
 * send one). Shared by the metrics, the bounce job and the detectors so all count alike.
 */
export function eventsInWindow(where = '1'): string {
  // The transfers into the window's records are found among all history in two steps, because a FINAL
  // read of every event (and its merge) took most of a detection run: first the keys of events any
  // version of which is such a transfer (transfer_keys, sorted by counterpart: migration 018), then
  // only those keys FINAL (primary-key granules) with the condition applied again to their latest
  // version — the same rows as a FINAL read of everything. `where` (on events' own columns) narrows
  // the window's events before the join.
  return `(SELECT e.*, e.type = 'transfer' AND e.platform = e.from_platform AND ifNull(ti.first_in < e.at, 0) AS bounced_back
    FROM (SELECT * FROM events FINAL WHERE ${windowFinal('at')} AND (${where})) AS e
    LEFT JOIN (SELECT to_platform, counterpart_id, min(at) AS first_in FROM events FINAL
               WHERE ${TRANSFER_OUT} AND counterpart_id != ''
                 AND (platform, event_id) IN (SELECT platform, event_id FROM transfer_keys
                   WHERE platform = from_platform AND (to_platform, counterpart_id) IN (SELECT platform, record_id FROM events
                     WHERE ${windowMonths('at')} AND at >= ${FROM} AND at < ${TO} AND ${TRANSFER_OUT} AND (${where})))
               GROUP BY to_platform, counterpart_id) AS ti
      ON ti.to_platform = e.platform AND ti.counterpart_id = e.record_id)`
}

/**
 * Columns derived per record row that the definitions refer to. A 12345 handling unit's clock starts
 * when the order is dispatched to it (not when it signs: a clock that starts at signing rewards not
 * signing); a 110 incident's clock starts with the call. A 110 response is the first response or the
 * arrival on scene, whichever is recorded. Settings are inlined (validated numbers and kind names) so
 * the published SQL is complete but for the window and as_of.
 */
export function recordDerived(p: MetricParams): string {
  const excl = (p.responseExclude110Kinds ?? DEFAULT_EXCLUDE_110_KINDS).map(sqlString)
  // "Closed without police action": an excluded kind that no police were dispatched to and none arrived.
  const noPolice = excl.length ? `(kind IN (${excl.join(', ')}) AND dispatched_at IS NULL AND arrived_at IS NULL)` : '0'
  return `
  if(platform = '110', coalesce(first_response_at, arrived_at), first_response_at) AS resp_at,
  if(platform = '110', received_at, dispatched_at)
    + toIntervalMinute(if(platform = '110', ${Math.trunc(p.responseLimit110Min)}, ${Math.trunc(p.responseLimit12345Min)})) AS resp_deadline,
  (${IN_SCOPE} AND if(platform = '110', NOT ${noPolice}, dispatched_at IS NOT NULL)) AS resp_judged,
  (status IN ('handling', 'replied', 'closed') OR replied_at IS NOT NULL OR closed_at IS NOT NULL OR callback_at IS NOT NULL) AS moved_on,
  ${areaClassSql(p)} AS area_class,
  dispatched_at + toIntervalMinute(multiIf(area_class = 'urban', ${arriveLimits(p).urban}, area_class = 'suburban', ${arriveLimits(p).suburban}, ${arriveLimits(p).rural})) AS arrive_deadline`
}

/** Whole seconds from `a` to `b` (both DateTime64), truncated: the unit every duration metric sums. */
export const seconds = (a: string, b: string) => `intDiv(toUnixTimestamp64Milli(${b}) - toUnixTimestamp64Milli(${a}), 1000)`

// A record's events that count for it (policy record_events): at or after its receipt, at or before as_of.
const RECORD_EVENT_TYPES = "('returned', 'redispatched', 'replied', 'closed', 'callback')"
const ANSWER_EVENT = "type IN ('replied', 'closed', 'callback')"

/** Rows of records (`rows`: a SELECT of records' columns) with the derived columns, the extended facts 0: the non-extended records source. */
export function withDerived(p: MetricParams, rows: string): string {
  return `(SELECT *, 0 AS has_return, 0 AS has_rehandle, 0 AS is_repeat, ${recordDerived(p)}
    FROM (${rows}) AS rw)`
}

/**
 * Records received in [{from}, {to}) matching `where` (on records' own columns), read FINAL, with the
 * derived columns and, per record, what its events and its caller's earlier records say: has_return (a
 * returned event), has_rehandle (a redispatched event after an earlier reply, closure or callback
 * event) and is_repeat (the same caller_key on the same platform within the repeat span before it, the
 * span's earliest start being {rep_from}). Records no fact names get 0. Published as records_source_sql.
 */
export function recordsSource(p: MetricParams, where = '1'): string {
  if (p.extended === false) return withDerived(p, `SELECT * FROM records FINAL WHERE ${windowFinal('received_at')} AND (${where})`)
  const sp = repeatSpans(p)
  // (the records of the window, read again for the joins; every version of a key lives in one month)
  const windowKeys = `SELECT platform AS wp, source_id AS wid, received_at AS wr FROM records FINAL WHERE ${windowFinal('received_at')}`
  // (join_use_nulls is on: a record no fact names gets NULLs, turned into 0 here)
  return `(SELECT *, ifNull(rf_return, 0) AS has_return, ifNull(rf_rehandle, 0) AS has_rehandle, ifNull(rr_repeat, 0) AS is_repeat, ${recordDerived(p)}
    FROM (SELECT * FROM records FINAL WHERE ${windowFinal('received_at')} AND (${where})) AS rw
    LEFT JOIN (SELECT e.platform AS rf_platform, e.record_id AS rf_record,
                 countIf(e.type = 'returned') > 0 AS rf_return,
                 countIf(e.type = 'redispatched') > 0 AND countIf(e.${ANSWER_EVENT}) > 0
                   AND maxIf(e.at, e.type = 'redispatched') > minIf(e.at, e.${ANSWER_EVENT}) AS rf_rehandle
               FROM (SELECT platform, record_id, type, at FROM events FINAL
                     WHERE toYYYYMM(at) >= toYYYYMM({from:DateTime64(3, 'Asia/Shanghai')}) AND identity(at) <= ${AS_OF} AND type IN ${RECORD_EVENT_TYPES}) AS e
               INNER JOIN (${windowKeys}) AS w ON w.wp = e.platform AND w.wid = e.record_id
               WHERE e.at >= w.wr
               GROUP BY rf_platform, rf_record) AS rf
      ON rf.rf_platform = rw.platform AND rf.rf_record = rw.source_id
    LEFT JOIN (SELECT platform AS rr_platform, source_id AS rr_record, toUInt8(1) AS rr_repeat
               FROM (SELECT platform, source_id, received_at,
                       lagInFrame(toNullable(received_at), 1) OVER (PARTITION BY platform, caller_key ORDER BY received_at, source_id
                         ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS prev_at
                     FROM records FINAL
                     WHERE ${windowFinal('received_at', 'rep_from', 'to')} AND caller_key != ''
                       -- only callers of the window with two records or more since rep_from (any
                       -- versions, no FINAL: a superset; most callers call once, and ordering every
                       -- record of the span by caller was most of an overview's time)
                       AND (platform, caller_key) IN (SELECT platform, caller_key FROM records
                         WHERE ${windowMonths('received_at', 'rep_from', 'to')} AND received_at >= {rep_from:DateTime64(3, 'Asia/Shanghai')}
                           AND received_at < ${TO} AND caller_key != ''
                         GROUP BY platform, caller_key
                         HAVING count() >= 2 AND countIf(received_at >= ${FROM}) > 0))
               WHERE received_at >= {from:DateTime64(3, 'Asia/Shanghai')} AND prev_at IS NOT NULL
                 AND toUnixTimestamp64Milli(received_at) - toUnixTimestamp64Milli(prev_at) <= if(platform = '110', ${sp.h110 * 3_600_000}, ${sp.h12345 * 3_600_000})) AS rr
      ON rr.rr_platform = rw.platform AND rr.rr_record = rw.source_id)`
}

/**
 * The events the metrics read: eventsInWindow() and, for a transfer, what its counterpart record (the
 * record it names on the receiving platform) says — cp_found, cp_accepted_at (the receiving platform
 * signing for it), cp_fed_back_at (its reply, else its closure), cp_answered (replied or closed by
 * status), cp_moved_on (past receipt) — came_back: a 110→12345 transfer whose 12345 counterpart
 * later, by as_of, sent a transfer to 110 (回流) — and, for a 110 transfer, sr_received_at: when its
 * sending record (the call) was received. Published as events_source_sql. (The bounce job and the
 * detectors read eventsInWindow() itself, without these joins.)
 */
export function metricEventsSource(p: Pick<MetricParams, 'extended'> = {}, where = '1'): string {
  if (p.extended === false)
    return `(SELECT ev.*, 0 AS cp_found, CAST(NULL AS Nullable(DateTime64(3, 'Asia/Shanghai'))) AS cp_accepted_at,
      CAST(NULL AS Nullable(DateTime64(3, 'Asia/Shanghai'))) AS cp_fed_back_at, 0 AS cp_answered, 0 AS cp_moved_on, 0 AS came_back,
      CAST(NULL AS Nullable(DateTime64(3, 'Asia/Shanghai'))) AS sr_received_at
    FROM ${eventsInWindow(where)} AS ev)`
  if (where !== '1') throw new Error('metricEventsSource: a narrowing `where` is for the base events source only')
  const windowTransfers = (extra: string) => `SELECT to_platform, counterpart_id FROM events
                   WHERE ${windowMonths('at')} AND at >= ${FROM} AND at < ${TO} AND ${TRANSFER_OUT} AND counterpart_id != ''${extra}`
  // (join_use_nulls is on: a counterpart not found gives NULLs, turned into 0 here)
  return `(SELECT ev.*, ifNull(cp.cp_found, 0) AS cp_found, cp.cp_accepted_at AS cp_accepted_at, cp.cp_fed_back_at AS cp_fed_back_at,
      ifNull(cp.cp_answered, 0) AS cp_answered, ifNull(cp.cp_moved_on, 0) AS cp_moved_on, arrayExists(x -> x > ev.at, ifNull(bk.bk_ats, [])) AS came_back,
      sr.sr_received_at AS sr_received_at
    FROM ${eventsInWindow()} AS ev
    LEFT JOIN (SELECT platform AS sr_platform, source_id AS sr_id, received_at AS sr_received_at FROM records FINAL
               WHERE (platform, source_id) IN (SELECT platform, record_id FROM events
                 WHERE ${windowMonths('at')} AND at >= ${FROM} AND at < ${TO} AND ${TRANSFER_OUT} AND platform = '110')) AS sr
      ON sr.sr_platform = ev.platform AND sr.sr_id = ev.record_id
    LEFT JOIN (SELECT platform AS cp_platform, source_id AS cp_id, toUInt8(1) AS cp_found, accepted_at AS cp_accepted_at,
                 coalesce(replied_at, closed_at) AS cp_fed_back_at, status IN ('replied', 'closed') AS cp_answered,
                 (status != 'received' OR dispatched_at IS NOT NULL OR signed_at IS NOT NULL OR first_response_at IS NOT NULL OR arrived_at IS NOT NULL
                   OR replied_at IS NOT NULL OR closed_at IS NOT NULL OR callback_at IS NOT NULL) AS cp_moved_on
               FROM records FINAL WHERE (platform, source_id) IN (${windowTransfers('')})) AS cp
      ON cp.cp_platform = ev.to_platform AND cp.cp_id = ev.counterpart_id
    LEFT JOIN (SELECT '12345' AS bk_platform, record_id AS bk_record, groupArray(at) AS bk_ats FROM events FINAL
               WHERE ${TRANSFER_OUT} AND platform = '12345' AND to_platform = '110' AND identity(at) <= ${AS_OF}
                 AND record_id IN (SELECT counterpart_id FROM (${windowTransfers(" AND from_platform = '110'")}))
                 -- (their keys from the events' by-record projection, migration 017: FINAL then merges
                 -- only their granules instead of reading every event ever stored)
                 AND (platform, event_id) IN (SELECT platform, event_id FROM events WHERE platform = '12345' AND type = 'transfer'
                   AND record_id IN (SELECT counterpart_id FROM (${windowTransfers(" AND from_platform = '110'")})))
               GROUP BY record_id) AS bk
      ON bk.bk_platform = ev.to_platform AND bk.bk_record = ev.counterpart_id)`
}

// Response outcome of a judged record (see policy missing_not_late). resp_deadline is NULL only for
// 12345 orders never dispatched, which are not judged.
const R_ON_TIME = 'resp_judged AND resp_at IS NOT NULL AND resp_at <= resp_deadline'
const R_MEASURED = `resp_judged AND (resp_at IS NOT NULL OR (NOT moved_on AND resp_deadline <= ${AS_OF}))`
const R_NOT_RECORDED = 'resp_judged AND resp_at IS NULL AND moved_on'
const R_PENDING = `resp_judged AND resp_at IS NULL AND NOT moved_on AND resp_deadline > ${AS_OF}`

const SCOPES: Scope[] = ['12345', '110', 'both']
const onPlatform = (s: Scope, cond: string) => (s === 'both' ? cond : `platform = '${s}' AND ${cond}`)
const rateId = (base: string, s: Scope) => (s === 'both' ? base : `${base}_${s}`)
const WHO: Record<Scope, string> = { '12345': '12345 ', '110': '110 ', both: '' }
const WHO_EN: Record<Scope, string> = { '12345': '12345 ', '110': '110 ', both: 'combined ' }

/** Label of a metric as shown: over both platforms it says so, or which one a filter left. */
export function displayLabel(d: Pick<MetricDef, 'label' | 'platform'>, filter?: '12345' | '110'): string {
  if (d.platform !== 'both') return d.label
  return filter ? `${d.label}（仅 ${filter}）` : `${d.label}（两平台合计）`
}

export function metricDefs(p: MetricParams): MetricDef[] {
  const all = allMetricDefs(p)
  return p.extended === false ? all.filter((d) => !isExtended(d)) : all
}

function allMetricDefs(p: MetricParams): MetricDef[] {
  const lim = (s: Scope) =>
    s === '12345' ? `自派单起 ${p.responseLimit12345Min} 分钟` : s === '110' ? `自接警起 ${p.responseLimit110Min} 分钟` : `12345 自派单起 ${p.responseLimit12345Min} 分钟、110 自接警起 ${p.responseLimit110Min} 分钟`
  const rates = (s: Scope): MetricDef[] => [
    { id: rateId('response_rate', s), label: `${WHO[s]}响应率`, label_en: `${WHO_EN[s]}response rate`, unit: 'ratio', platform: s, source: 'records',
      num: onPlatform(s, R_ON_TIME), den: onPlatform(s, R_MEASURED),
      coverage: { not_recorded: onPlatform(s, R_NOT_RECORDED), pending: onPlatform(s, R_PENDING) },
      formula: `时限内响应数 / (有响应时间数 + 截至 as_of 仍未办结且已超时数)；时限 ${lim(s)}；评判范围与“未记录”见政策 (responded within the limit / (records with a response time + records still open past the limit as of as_of); scope and "not recorded" per policy)`,
      policies: ['window', 'per_platform', ...(s === 'both' ? ['response_scope_12345', 'response_scope_110'] : [`response_scope_${s}`]),
        'response_clock', 'missing_not_late', 'coverage', 'as_of', 'platform_filter', 'regions'] },
    { id: rateId('resolution_rate', s), label: `${WHO[s]}解决率`, label_en: `${WHO_EN[s]}resolution rate`, unit: 'ratio', platform: s, source: 'records',
      num: onPlatform(s, `${IN_SCOPE} AND ${CONTACTED} AND callback_solved = 1`),
      den: onPlatform(s, `${IN_SCOPE} AND ${CONTACTED} AND callback_solved IS NOT NULL`),
      formula: '回访联系上且表示已解决数 / 回访联系上且作答数 (citizen says solved on a callback that reached them / callbacks that reached the citizen with an answer)',
      policies: ['window', 'per_platform', 'callback_contacted', 'platform_filter', 'regions'] },
    { id: rateId('satisfaction_rate', s), label: `${WHO[s]}满意率`, label_en: `${WHO_EN[s]}satisfaction rate (final)`, unit: 'ratio', platform: s, source: 'records',
      num: onPlatform(s, `${IN_SCOPE} AND ${CONTACTED} AND satisfaction_final IN ${SATISFIED}`),
      den: onPlatform(s, `${IN_SCOPE} AND ${CONTACTED} AND satisfaction_final IS NOT NULL`),
      formula: '回访联系上且最终评价满意或基本满意数 / 回访联系上且有最终评价数 (final rating satisfied or basically satisfied / final ratings, both from callbacks that reached the citizen)',
      policies: ['window', 'per_platform', 'callback_contacted', 'platform_filter', 'regions'] },
    { id: rateId('satisfaction_first_rate', s), label: `${WHO[s]}首次满意率`, label_en: `${WHO_EN[s]}satisfaction rate (first)`, unit: 'ratio', platform: s, source: 'records',
      num: onPlatform(s, `${IN_SCOPE} AND ${CONTACTED} AND satisfaction_first IN ${SATISFIED}`),
      den: onPlatform(s, `${IN_SCOPE} AND ${CONTACTED} AND satisfaction_first IS NOT NULL`),
      formula: '回访联系上且首次评价满意或基本满意数 / 回访联系上且有首次评价数 (first rating satisfied or basically satisfied / first ratings, both from callbacks that reached the citizen)',
      policies: ['window', 'per_platform', 'callback_contacted', 'platform_filter', 'regions'] },
  ]
  const BOUNCE = `${TRANSFER_OUT} AND ${BOUNCED_BACK}`
  const sl = signLimits(p)
  const signDeadline = signDeadlineSql(p)
  return [
    { id: 'volume_12345', label: '12345 工单量', label_en: '12345 work orders', unit: 'count', platform: '12345', source: 'records',
      num: "platform = '12345'", formula: '窗口内受理的 12345 工单数 (records with platform=12345 and received_at in the window)', policies: ['window', 'platform_filter', 'regions'] },
    { id: 'volume_110', label: '110 警单量', label_en: '110 incidents', unit: 'count', platform: '110', source: 'records',
      num: "platform = '110'", formula: '窗口内接警的 110 警单数 (records with platform=110 and received_at in the window)', policies: ['window', 'platform_filter', 'regions'] },
    { id: 'transfers_to_110', label: '12345→110 转办', label_en: 'transfers 12345→110', unit: 'count', platform: '12345', source: 'events',
      num: `${TRANSFER_OUT} AND from_platform = '12345' AND to_platform = '110'`,
      formula: '窗口内 12345 发出的转 110 事件数 (transfer events reported by the sender, 12345 to 110, at in the window)', policies: ['window', 'transfer_once', 'platform_filter', 'regions'] },
    { id: 'transfers_to_12345', label: '110→12345 转办', label_en: 'transfers 110→12345', unit: 'count', platform: '110', source: 'events',
      num: `${TRANSFER_OUT} AND from_platform = '110' AND to_platform = '12345'`,
      formula: '窗口内 110 发出的转 12345 事件数 (transfer events reported by the sender, 110 to 12345, at in the window)', policies: ['window', 'transfer_once', 'platform_filter', 'regions'] },
    { id: 'bounce_transfers', label: '来回转办次数', label_en: 'bounce transfers (events)', unit: 'count', platform: 'both', source: 'events',
      num: BOUNCE,
      formula: '转办事件数：窗口内把此前由对方平台转入的记录又转回对方的转办事件 (transfer events in the window that send back a record which had earlier arrived by transfer from the other platform)',
      policies: ['window', 'transfer_once', 'bounces', 'platform_filter', 'regions'] },
    { id: 'bounced_records', label: '来回转办事项数', label_en: 'bounced records (distinct)', unit: 'count', platform: 'both', source: 'events',
      num: BOUNCE, distinct: '(platform, record_id)',
      formula: '记录数（去重）：窗口内至少被转回一次的发出记录 (distinct sending records with at least one bounce transfer in the window)',
      policies: ['window', 'transfer_once', 'bounces', 'platform_filter', 'regions'] },
    ...SCOPES.flatMap(rates),
    { id: 'ontime_signing_rate_12345', label: '12345 按时签收率', label_en: '12345 on-time signing rate', unit: 'ratio', platform: '12345', source: 'records',
      num: `${SIGNING} AND signed_at IS NOT NULL AND signed_at <= ${signDeadline}`,
      den: `${SIGNING} AND (signed_at IS NOT NULL OR (NOT ${SIGNED_NO_STAMP} AND ${signDeadline} <= ${AS_OF}))`,
      coverage: { not_recorded: `${SIGNING} AND signed_at IS NULL AND ${SIGNED_NO_STAMP}`, pending: `${SIGNING} AND signed_at IS NULL AND NOT ${SIGNED_NO_STAMP} AND ${signDeadline} > ${AS_OF}` },
      formula: `时限内签收数 / (有签收时间数 + 截至 as_of 仍未签收且已超时数)；时限自派单起 ${sl.lim} 分钟，紧急件 ${sl.limE} 分钟 (signed within the limit / (records with a signing time + records still unsigned past the limit as of as_of); the limit runs from dispatch)`,
      policies: ['window', 'per_platform', 'response_scope_12345', 'signing_clock', 'coverage', 'as_of', 'platform_filter', 'regions'] },
    { id: 'ontime_closure_rate_12345', label: '12345 按时办结率', label_en: '12345 on-time closure rate', unit: 'ratio', platform: '12345', source: 'records',
      num: `${CLOSURE} AND closed_at IS NOT NULL AND closed_at <= due_at`,
      den: `${CLOSURE} AND (closed_at IS NOT NULL OR (status != 'closed' AND due_at <= ${AS_OF}))`,
      coverage: { not_recorded: `${CLOSURE} AND closed_at IS NULL AND status = 'closed'`, pending: `${CLOSURE} AND closed_at IS NULL AND status != 'closed' AND due_at > ${AS_OF}` },
      formula: '按时办结数 / (按时办结数 + 超期办结数 + 截至 as_of 未办结且已超过办结时限数)；时限为记录的 due_at (closed on time / (closed on time + closed late + still open past due_at as of as_of); the limit is the record\'s due_at)',
      policies: ['window', 'per_platform', 'response_scope_12345', 'closure_clock', 'coverage', 'as_of', 'platform_filter', 'regions'] },
    { id: 'direct_answer_rate_12345', label: '12345 直接答复率', label_en: '12345 direct-answer rate', unit: 'ratio', platform: '12345', source: 'records',
      num: `platform = '12345' AND ${IN_SCOPE} AND dispatched_at IS NULL AND ${ANSWERED}`,
      den: `platform = '12345' AND ${IN_SCOPE} AND (dispatched_at IS NOT NULL OR ${ANSWERED})`,
      formula: '未派单即答复或办结数 / (已派单数 + 未派单即答复或办结数) (replied to or closed without dispatch / (dispatched + replied to or closed without dispatch))',
      policies: ['window', 'per_platform', 'direct_answer', 'platform_filter', 'regions'] },
    { id: 'non_police_share_110', label: '110 非警务警情占比', label_en: '110 non-police share', unit: 'ratio', platform: '110', source: 'records',
      num: `platform = '110' AND kind = 'non_police'`, den: `platform = '110'`,
      formula: '非警务警情数 / 110 警单数 (110 records of kind non_police / 110 records)',
      policies: ['window', 'per_platform', 'non_police', 'platform_filter', 'regions'] },
    { id: 'diversion_rate_110', label: '110 非警务分流率', label_en: '110 diversion rate (to 12345)', unit: 'ratio', platform: '110', source: 'records',
      num: `platform = '110' AND kind = 'non_police' AND status = 'transferred_out'`, den: `platform = '110' AND kind = 'non_police'`,
      formula: '已分流到 12345 的非警务警情数 / 非警务警情数 (non-police incidents handed to 12345 / non-police incidents)',
      policies: ['window', 'per_platform', 'non_police', 'diversion', 'platform_filter', 'regions'] },
    ...durations110(p),
    ...replies12345(),
    { id: 'return_rate_12345', label: '12345 退回率', label_en: '12345 return rate', unit: 'ratio', platform: '12345', source: 'records',
      num: `platform = '12345' AND dispatched_at IS NOT NULL AND has_return`, den: `platform = '12345' AND dispatched_at IS NOT NULL`,
      formula: '已派单且至少有一次退回事件的工单数 / 已派单工单数 (orders dispatched to a unit with at least one returned event / orders dispatched to a unit)',
      policies: ['window', 'per_platform', 'returns_12345', 'record_events', 'as_of', 'platform_filter', 'regions'] },
    { id: 'rehandle_rate_12345', label: '12345 重办率', label_en: '12345 re-handling rate', unit: 'ratio', platform: '12345', source: 'records',
      num: `platform = '12345' AND ${IN_SCOPE} AND ${ANSWERED} AND has_rehandle`, den: `platform = '12345' AND ${IN_SCOPE} AND ${ANSWERED}`,
      formula: '答复、办结或回访之后又被重新派单的工单数 / 已答复或办结的工单数 (orders re-dispatched after an earlier reply, closure or callback event / orders replied to or closed)',
      policies: ['window', 'per_platform', 'rehandle_12345', 'record_events', 'as_of', 'platform_filter', 'regions'] },
    ...(['12345', '110'] as const).map((pl): MetricDef => {
      const sp = repeatSpans(p)
      const base = `platform = '${pl}' AND caller_key != ''`
      return pl === '12345'
        ? { id: 'repeat_appeal_rate_12345', label: '12345 重复诉求率', label_en: '12345 repeat-appeal rate', unit: 'ratio', platform: '12345', source: 'records',
            num: `${base} AND is_repeat`, den: base, coverage: { not_recorded: `platform = '12345' AND caller_key = ''`, pending: '0' },
            formula: `同一来电人 ${sp.h12345} 小时内再次来电的工单数 / 有来电号码的工单数 (orders whose caller had another 12345 order within the previous ${sp.h12345} h / orders with a caller number)`,
            policies: ['window', 'per_platform', 'repeat_callers', 'coverage', 'platform_filter', 'regions'] }
        : { id: 'repeat_alarm_rate_110', label: '110 重复报警率', label_en: '110 repeat-alarm rate', unit: 'ratio', platform: '110', source: 'records',
            num: `${base} AND is_repeat`, den: base, coverage: { not_recorded: `platform = '110' AND caller_key = ''`, pending: '0' },
            formula: `同一来电人 ${sp.h110} 小时内再次报警的警单数（分子即重复报警数） / 有来电号码的警单数 (calls whose caller had another 110 call within the previous ${sp.h110} h — the numerator is the count of repeat alarms / calls with a caller number)`,
            policies: ['window', 'per_platform', 'repeat_callers', 'coverage', 'platform_filter', 'regions'] }
    }),
    ...SCOPES.flatMap(linkage),
    { id: 'backflow_rate_110', label: '110 回流率', label_en: '110 backflow rate (diverted, came back to 110)', unit: 'ratio', platform: '110', source: 'events',
      num: `${TRANSFER_OUT} AND from_platform = '110' AND to_platform = '12345' AND counterpart_id != '' AND came_back`,
      den: `${TRANSFER_OUT} AND from_platform = '110' AND to_platform = '12345' AND counterpart_id != ''`,
      coverage: { not_recorded: `${TRANSFER_OUT} AND from_platform = '110' AND to_platform = '12345' AND counterpart_id = ''`, pending: '0' },
      formula: '110 转 12345 后其对方记录截至 as_of 又转回 110 的转办事件数 / 指明对方记录的 110 转 12345 转办事件数 (110→12345 transfers whose 12345 counterpart later sent a transfer to 110, by as_of / 110→12345 transfers naming their counterpart)',
      policies: ['window', 'per_platform', 'transfer_once', 'return_to_110', 'coverage', 'as_of', 'platform_filter', 'regions'] },
    { id: 'handover_time_110', label: '110 平均接警→移交 12345 用时', label_en: '110 mean call→handover to 12345 time', unit: 'seconds', platform: '110', source: 'events',
      num: `${HANDOVER} AND sr_received_at IS NOT NULL AND at >= sr_received_at`, sum: seconds('sr_received_at', 'at'),
      den: `${HANDOVER} AND sr_received_at IS NOT NULL AND at >= sr_received_at`,
      coverage: { not_recorded: `${HANDOVER} AND (sr_received_at IS NULL OR at < sr_received_at)`, pending: '0' },
      formula: '110 警单受理 received_at → 其转 12345 的转办时刻 at 总秒数 / 发出警单可查的 110 转 12345 转办事件数 (total seconds from the call\'s received_at to its transfer to 12345 / 110→12345 transfers whose sending call is stored)',
      policies: ['window', 'per_platform', 'transfer_once', 'durations', 'handover_clock', 'coverage', 'platform_filter', 'regions'] },
  ]
}
const HANDOVER = `${TRANSFER_OUT} AND platform = '110' AND to_platform = '12345'`

// Outcome of a 110 arrival (policy arrive_clock): on scene (not before dispatch), or still to come.
const DISPATCHED_110 = "platform = '110' AND dispatched_at IS NOT NULL"
const ARRIVED_OK = 'arrived_at IS NOT NULL AND arrived_at >= dispatched_at'
const ARRIVE_GONE = "(moved_on OR status = 'transferred_out')"
const ARRIVE_NR = `${DISPATCHED_110} AND ((arrived_at IS NULL AND ${ARRIVE_GONE}) OR ifNull(arrived_at < dispatched_at, 0))`
const PAST_RECEIPT = `(status != 'received' OR dispatched_at IS NOT NULL OR signed_at IS NOT NULL OR first_response_at IS NOT NULL OR arrived_at IS NOT NULL
    OR replied_at IS NOT NULL OR closed_at IS NOT NULL OR callback_at IS NOT NULL)`

function durations110(p: MetricParams): MetricDef[] {
  const al = arriveLimits(p)
  const pol = ['window', 'per_platform', 'durations', 'police_times_110', 'coverage', 'platform_filter', 'regions']
  const POLICE_SENT = "platform = '110' AND (dispatched_at IS NOT NULL OR arrived_at IS NOT NULL)"
  const ATTENDED = `platform = '110' AND ${IN_SCOPE} AND arrived_at IS NOT NULL`
  return [
    { id: 'answer_time_110', label: '110 平均接警用时', label_en: '110 mean answer time', unit: 'seconds', platform: '110', source: 'records',
      num: `platform = '110' AND accepted_at IS NOT NULL AND accepted_at >= received_at`, sum: seconds('received_at', 'accepted_at'),
      den: `platform = '110' AND accepted_at IS NOT NULL AND accepted_at >= received_at`,
      coverage: { not_recorded: `platform = '110' AND accepted_at IS NULL AND ${PAST_RECEIPT}`, pending: `platform = '110' AND accepted_at IS NULL AND NOT ${PAST_RECEIPT}` },
      formula: '报警→接警总秒数 / 有接警时间的警单数 (total seconds from the call to its answer, received_at → accepted_at / calls with an answer time)', policies: pol },
    { id: 'dispatch_time_110', label: '110 平均接警→派警用时', label_en: '110 mean answer→dispatch time', unit: 'seconds', platform: '110', source: 'records',
      num: `${POLICE_SENT} AND accepted_at IS NOT NULL AND dispatched_at >= accepted_at`, sum: seconds('accepted_at', 'dispatched_at'),
      den: `${POLICE_SENT} AND accepted_at IS NOT NULL AND dispatched_at >= accepted_at`,
      coverage: { not_recorded: `${POLICE_SENT} AND (accepted_at IS NULL OR dispatched_at IS NULL OR dispatched_at < accepted_at)`, pending: '0' },
      formula: '接警→派警总秒数 / 已派警且两时刻齐全的警单数 (total seconds accepted_at → dispatched_at / calls police were sent to with both stamps)', policies: pol },
    { id: 'arrive_time_110', label: '110 平均派警→到场用时', label_en: '110 mean dispatch→arrive time', unit: 'seconds', platform: '110', source: 'records',
      num: `${DISPATCHED_110} AND ${ARRIVED_OK}`, sum: seconds('dispatched_at', 'arrived_at'), den: `${DISPATCHED_110} AND ${ARRIVED_OK}`,
      coverage: { not_recorded: ARRIVE_NR, pending: `${DISPATCHED_110} AND arrived_at IS NULL AND NOT ${ARRIVE_GONE}` },
      formula: '派警→到场总秒数 / 已派警且已到场的警单数 (total seconds dispatched_at → arrived_at / dispatched calls with an arrival)', policies: pol },
    { id: 'ontime_arrival_rate_110', label: '110 按时到场率', label_en: '110 on-time arrival rate', unit: 'ratio', platform: '110', source: 'records',
      num: `${DISPATCHED_110} AND ${ARRIVED_OK} AND arrived_at <= arrive_deadline`,
      den: `${DISPATCHED_110} AND (${ARRIVED_OK} OR (arrived_at IS NULL AND NOT ${ARRIVE_GONE} AND arrive_deadline <= ${AS_OF}))`,
      coverage: { not_recorded: ARRIVE_NR, pending: `${DISPATCHED_110} AND arrived_at IS NULL AND NOT ${ARRIVE_GONE} AND arrive_deadline > ${AS_OF}` },
      formula: `时限内到场数 / (已到场数 + 截至 as_of 未到场且已超时数)；时限自派警起：城区 ${al.urban}、近郊 ${al.suburban}、农村 ${al.rural} 分钟 (on scene within the limit / (arrivals + calls not attended past the limit as of as_of); from dispatch: urban ${al.urban}, suburban ${al.suburban}, rural ${al.rural} min)`,
      policies: ['window', 'per_platform', 'police_times_110', 'arrive_clock', 'coverage', 'as_of', 'platform_filter', 'regions'] },
    { id: 'close_time_110', label: '110 平均到场→结警用时', label_en: '110 mean arrive→close time', unit: 'seconds', platform: '110', source: 'records',
      num: `${ATTENDED} AND closed_at IS NOT NULL AND closed_at >= arrived_at`, sum: seconds('arrived_at', 'closed_at'),
      den: `${ATTENDED} AND closed_at IS NOT NULL AND closed_at >= arrived_at`,
      coverage: { not_recorded: `${ATTENDED} AND ((closed_at IS NULL AND status = 'closed') OR ifNull(closed_at < arrived_at, 0))`, pending: `${ATTENDED} AND closed_at IS NULL AND status != 'closed'` },
      formula: '到场→结警总秒数 / 已到场且已结警的警单数 (total seconds arrived_at → closed_at / attended calls with a closing time)', policies: pol },
  ]
}

function replies12345(): MetricDef[] {
  const G = `platform = '12345' AND ${IN_SCOPE}`
  const NO_STAMP = "(status IN ('replied', 'closed') OR closed_at IS NOT NULL OR callback_at IS NOT NULL)"
  const DUE = `${G} AND due_at IS NOT NULL`
  return [
    { id: 'reply_time_12345', label: '12345 平均答复用时', label_en: '12345 mean reply time', unit: 'seconds', platform: '12345', source: 'records',
      num: `${G} AND replied_at IS NOT NULL`, sum: seconds('received_at', 'replied_at'), den: `${G} AND replied_at IS NOT NULL`,
      coverage: { not_recorded: `${G} AND replied_at IS NULL AND ${NO_STAMP}`, pending: `${G} AND replied_at IS NULL AND NOT ${NO_STAMP}` },
      formula: '受理→答复总秒数 / 已答复的工单数 (total seconds received_at → replied_at / orders with a reply time)',
      policies: ['window', 'per_platform', 'durations', 'reply_clock_12345', 'coverage', 'platform_filter', 'regions'] },
    { id: 'ontime_reply_rate_12345', label: '12345 按时答复率', label_en: '12345 on-time reply rate', unit: 'ratio', platform: '12345', source: 'records',
      num: `${DUE} AND replied_at IS NOT NULL AND replied_at <= due_at`,
      den: `${DUE} AND (replied_at IS NOT NULL OR (NOT ${NO_STAMP} AND due_at <= ${AS_OF}))`,
      coverage: { not_recorded: `${DUE} AND replied_at IS NULL AND ${NO_STAMP}`, pending: `${DUE} AND replied_at IS NULL AND NOT ${NO_STAMP} AND due_at > ${AS_OF}` },
      formula: '办结时限 due_at 前答复数 / (有答复时间数 + 截至 as_of 未答复且已过 due_at 数) (replied by due_at / (orders with a reply time + unreplied orders past due_at as of as_of))',
      policies: ['window', 'per_platform', 'reply_clock_12345', 'coverage', 'as_of', 'platform_filter', 'regions'] },
  ]
}

// Linkage, per sending platform and over both: bounce rate, closed loop, transfer→sign time (policy transfer_counterpart).
function linkage(s: Scope): MetricDef[] {
  const T = onPlatform(s, TRANSFER_OUT)
  const FB_EARLY = 'ifNull(cp_fed_back_at < at, 0)'
  const FB_NO_STAMP = '(cp_answered AND cp_fed_back_at IS NULL)'
  const SIGN_OK = 'cp_found AND cp_accepted_at IS NOT NULL AND cp_accepted_at >= at'
  return [
    { id: rateId('bounce_rate', s), label: `${WHO[s]}来回转办率`, label_en: `${WHO_EN[s]}bounce rate`, unit: 'ratio', platform: s, source: 'events',
      num: `${T} AND ${BOUNCED_BACK}`, den: T,
      formula: '来回转办的转办事件数 / 转办事件数（按发出平台） (bounce transfers / transfers, by the sending platform)',
      policies: ['window', 'per_platform', 'transfer_once', 'bounces', 'bounce_rate', 'platform_filter', 'regions'] },
    { id: rateId('closed_loop_rate', s), label: `${WHO[s]}转办闭环率`, label_en: `${WHO_EN[s]}transfer closed-loop rate`, unit: 'ratio', platform: s, source: 'events',
      num: `${T} AND cp_found AND cp_fed_back_at IS NOT NULL AND cp_fed_back_at >= at AND cp_fed_back_at <= ${AS_OF}`,
      den: `${T} AND cp_found AND NOT ${FB_NO_STAMP} AND NOT ${FB_EARLY}`,
      coverage: { not_recorded: `${T} AND (NOT cp_found OR ${FB_NO_STAMP} OR ${FB_EARLY})`, pending: '0' },
      formula: '对方记录截至 as_of 已反馈结果的转办事件数 / 对方记录可查的转办事件数 (transfers whose counterpart fed a result back by as_of / transfers whose counterpart is known)',
      policies: ['window', 'per_platform', 'transfer_once', 'transfer_counterpart', 'closed_loop', 'coverage', 'as_of', 'platform_filter', 'regions'] },
    { id: rateId('transfer_sign_time', s), label: `${WHO[s]}平均转办→签收用时`, label_en: `${WHO_EN[s]}mean transfer→sign time`, unit: 'seconds', platform: s, source: 'events',
      num: `${T} AND ${SIGN_OK}`, sum: seconds('at', 'cp_accepted_at'), den: `${T} AND ${SIGN_OK}`,
      coverage: { not_recorded: `${T} AND (NOT cp_found OR (cp_accepted_at IS NULL AND cp_moved_on) OR ifNull(cp_accepted_at < at, 0))`,
        pending: `${T} AND cp_found AND cp_accepted_at IS NULL AND NOT cp_moved_on` },
      formula: '转办→对方受理总秒数 / 对方已受理的转办事件数 (total seconds from the transfer to the counterpart\'s accepted_at / transfers whose counterpart accepted them)',
      policies: ['window', 'per_platform', 'transfer_once', 'durations', 'transfer_counterpart', 'coverage', 'platform_filter', 'regions'] },
  ]
}

/** SELECT-list items: `<id>__n`, for ratios `<id>__d`, and with coverage `<id>__nr` and `<id>__p`. */
export function aggregateColumns(defs: MetricDef[]): string {
  return defs
    .flatMap((d) => [
      d.distinct ? `uniqExactIf(${d.distinct}, ${d.num}) AS ${d.id}__n` : d.sum ? `sumIf(${d.sum}, ${d.num}) AS ${d.id}__n` : `countIf(${d.num}) AS ${d.id}__n`,
      ...(d.den ? [`countIf(${d.den}) AS ${d.id}__d`] : []),
      ...(d.coverage ? [`countIf(${d.coverage.not_recorded}) AS ${d.id}__nr`, `countIf(${d.coverage.pending}) AS ${d.id}__p`] : []),
    ])
    .join(',\n  ')
}
