// Every metric the product shows, defined once: its label, the policy decisions behind it, the formula
// an evaluator reads, and the SQL that computes numerator and denominator. Overview, trend and region
// queries all build from here; GET /api/metrics/definitions publishes all of it.

export type Scope = '12345' | '110' | 'both'

export interface MetricDef {
  id: string
  label: string // Chinese first; metrics over both platforms get （两平台合计） when shown
  label_en: string
  unit: 'count' | 'ratio'
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
}

export const DEFAULT_EXCLUDE_110_KINDS = ['non_police', 'invalid_alarm', 'consult_only']
/** Typical signing limits (domain notes): one working day, taken as 24 h; 15 min where life or property is at risk. */
export const DEFAULT_SIGN_LIMIT_MIN = 24 * 60
export const DEFAULT_SIGN_LIMIT_EMERGENCY_MIN = 15
const signLimits = (p: MetricParams) => ({
  lim: Math.trunc(p.signLimit12345Min ?? DEFAULT_SIGN_LIMIT_MIN), limE: Math.trunc(p.signLimitEmergencyMin ?? DEFAULT_SIGN_LIMIT_EMERGENCY_MIN),
})
export const DEFAULT_MIN_COVERAGE = 0.8

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
  (status IN ('handling', 'replied', 'closed') OR replied_at IS NOT NULL OR closed_at IS NOT NULL OR callback_at IS NOT NULL) AS moved_on`
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
  const signDeadline = `(dispatched_at + toIntervalMinute(if(urgency = 'emergency', ${sl.limE}, ${sl.lim})))`
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
  ]
}

/** SELECT-list items: `<id>__n`, for ratios `<id>__d`, and with coverage `<id>__nr` and `<id>__p`. */
export function aggregateColumns(defs: MetricDef[]): string {
  return defs
    .flatMap((d) => [
      d.distinct ? `uniqExactIf(${d.distinct}, ${d.num}) AS ${d.id}__n` : `countIf(${d.num}) AS ${d.id}__n`,
      ...(d.den ? [`countIf(${d.den}) AS ${d.id}__d`] : []),
      ...(d.coverage ? [`countIf(${d.coverage.not_recorded}) AS ${d.id}__nr`, `countIf(${d.coverage.pending}) AS ${d.id}__p`] : []),
    ])
    .join(',\n  ')
}
