// Every metric the product shows, defined once: its label, the formula an evaluator reads, and the
// SQL that computes numerator and denominator. Overview, trend and region queries all build from here.

export interface MetricDef {
  id: string
  label: string // Chinese first
  label_en: string
  unit: 'count' | 'ratio'
  /** Source table: record metrics count records received in the window, event metrics count events occurring in it. */
  source: 'records' | 'events'
  /** Boolean SQL over one row of the source: counted into the numerator (or the count). */
  num: string
  /** Boolean SQL: counted into the denominator (ratios only). */
  den?: string
  formula: string
}

export interface MetricParams { responseLimit12345Min: number; responseLimit110Min: number }

// The matter goes on in the counterpart record on the other platform, so a handed-over record is not
// judged on response; it still counts in volume.
const IN_SCOPE = "status != 'transferred_out'"
const SATISFIED = "('satisfied', 'basically_satisfied')"
// Response judges whoever must contact the citizen: a 12345 handling unit once an order is dispatched
// to it (orders the operator answered directly have no unit to judge), and the police for every 110 call.
const RESP_SCOPE = `${IN_SCOPE} AND (platform = '110' OR dispatched_at IS NOT NULL)`

/** A cross-platform transfer, counted once: on the event the sending platform reports. */
export const TRANSFER_OUT = "type = 'transfer' AND platform = from_platform"
/** …of a record that had earlier arrived by transfer from the other platform: the matter is sent back (来回转办). */
export const BOUNCED_BACK = 'bounced_back'

/**
 * Events occurring in [{from}, {to}), each with `bounced_back`: its record had been received by a
 * transfer before this event. Shared by the metrics and the bounce job so both count alike.
 */
export function eventsInWindow(): string {
  return `(SELECT e.*, ifNull(ti.first_in < e.at, 0) AS bounced_back
    FROM (SELECT * FROM events FINAL
          WHERE at >= {from:DateTime64(3, 'Asia/Shanghai')} AND at < {to:DateTime64(3, 'Asia/Shanghai')}) AS e
    LEFT JOIN (SELECT to_platform, counterpart_id, min(at) AS first_in FROM events FINAL
               WHERE ${TRANSFER_OUT} AND counterpart_id != '' GROUP BY to_platform, counterpart_id) AS ti
      ON ti.to_platform = e.platform AND ti.counterpart_id = e.record_id)`
}

export function metricDefs(p: MetricParams): MetricDef[] {
  return [
    { id: 'volume_12345', label: '12345 工单量', label_en: '12345 work orders', unit: 'count', source: 'records',
      num: "platform = '12345'", formula: '窗口内受理的 12345 工单数 (count of records with platform=12345 and received_at in window)' },
    { id: 'volume_110', label: '110 警单量', label_en: '110 incidents', unit: 'count', source: 'records',
      num: "platform = '110'", formula: '窗口内接警的 110 警单数 (count of records with platform=110 and received_at in window)' },
    { id: 'transfers_to_110', label: '12345→110 转办', label_en: 'transfers 12345→110', unit: 'count', source: 'events',
      num: `${TRANSFER_OUT} AND from_platform = '12345' AND to_platform = '110'`,
      formula: '窗口内 12345 发出的转 110 事件数 (transfer events reported by the sender, from 12345 to 110, at in window)' },
    { id: 'transfers_to_12345', label: '110→12345 转办', label_en: 'transfers 110→12345', unit: 'count', source: 'events',
      num: `${TRANSFER_OUT} AND from_platform = '110' AND to_platform = '12345'`,
      formula: '窗口内 110 发出的转 12345 事件数 (transfer events reported by the sender, from 110 to 12345, at in window)' },
    { id: 'bounce_count', label: '来回转办', label_en: 'bounced transfers', unit: 'count', source: 'events',
      num: `${TRANSFER_OUT} AND ${BOUNCED_BACK}`,
      formula: '把此前由对方平台转来的事项又转回对方的转办数 (transfers out of a record that had earlier arrived by transfer from the other platform)' },
    { id: 'response_rate', label: '响应率', label_en: 'response rate', unit: 'ratio', source: 'records',
      num: `${RESP_SCOPE} AND resp_at IS NOT NULL AND resp_at <= resp_deadline`,
      den: `${RESP_SCOPE} AND (resp_at IS NOT NULL OR resp_deadline <= now64(3))`,
      formula: `时限内首次响应数 / (已响应数 + 已超时未响应数)；12345 派单工单自派单起 ${p.responseLimit12345Min} 分钟内承办单位首次联系诉求人（话务员直接答复的不计），110 自接警起 ${p.responseLimit110Min} 分钟内首次响应或到场；不含已转出记录 (responded within the limit / (responded + unresponded past the limit); 12345: orders dispatched to a unit, clock from dispatch; 110: every call, clock from the call; transferred_out excluded)` },
    { id: 'resolution_rate', label: '解决率', label_en: 'resolution rate', unit: 'ratio', source: 'records',
      num: `${IN_SCOPE} AND callback_contacted = 1 AND callback_solved = 1`,
      den: `${IN_SCOPE} AND callback_contacted = 1 AND callback_solved IS NOT NULL`,
      formula: '回访中诉求人表示已解决数 / 回访联系上且作答数 (citizen says solved on callback / callbacks contacted with an answer)' },
    { id: 'satisfaction_rate', label: '满意率', label_en: 'satisfaction rate (final)', unit: 'ratio', source: 'records',
      num: `${IN_SCOPE} AND satisfaction_final IN ${SATISFIED}`,
      den: `${IN_SCOPE} AND satisfaction_final IS NOT NULL`,
      formula: '最终评价为满意或基本满意数 / 有最终评价数 (final satisfaction satisfied or basically satisfied / records with a final rating)' },
    { id: 'satisfaction_first_rate', label: '首次满意率', label_en: 'satisfaction rate (first)', unit: 'ratio', source: 'records',
      num: `${IN_SCOPE} AND satisfaction_first IN ${SATISFIED}`,
      den: `${IN_SCOPE} AND satisfaction_first IS NOT NULL`,
      formula: '首次评价为满意或基本满意数 / 有首次评价数 (first satisfaction satisfied or basically satisfied / records with a first rating)' },
  ]
}

/**
 * Columns derived per record row that the definitions refer to. A 12345 handling unit's clock starts
 * when the order is dispatched to it (not when it signs: a clock that starts at signing rewards not
 * signing); a 110 incident's clock starts with the call. A 110 response is the first response or the
 * arrival on scene, whichever is recorded.
 */
export const RECORD_DERIVED = `
  if(platform = '110', coalesce(first_response_at, arrived_at), first_response_at) AS resp_at,
  if(platform = '110', received_at, dispatched_at)
    + toIntervalMinute(if(platform = '110', {lim110:UInt32}, {lim12345:UInt32})) AS resp_deadline`

/** SELECT-list items: `<id>__n` and, for ratios, `<id>__d`. */
export function aggregateColumns(defs: MetricDef[]): string {
  return defs
    .flatMap((d) => [`countIf(${d.num}) AS ${d.id}__n`, ...(d.den ? [`countIf(${d.den}) AS ${d.id}__d`] : [])])
    .join(',\n  ')
}
