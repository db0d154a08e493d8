// 四类紧急事项未移交110 (issue 7, 3d): a 12345 record that looks like one of the four emergencies 12345
// must hand to 110 at once — personal extreme acts, threats of revenge on society, mass gatherings,
// danger to public, personal or property safety — and was not transferred to 110 within `limitMin`.
//
// "Looks like": a keyword or pattern of the type in its title or content (danger words only outside the
// categories the routing list keeps with 12345), or its unified category is one of the type's, or
// the source marked it urgency 'emergency' and its category is a police one (see `urgency`). A record
// is judged in the window that holds its deadline (received_at + limit), so a run over a short window
// ending "now" raises it as soon as the limit has passed. Transferred means a transfer event from this
// 12345 record to 110 at or before the deadline (a transfer after it is still a late one). A record
// 110 itself diverted to 12345 (the counterpart of a 110→12345 transfer) is not judged: 110 has it.
import type { Finding } from '../../model/finding'
import {
  type Db, type Window, DAY, DT, MIN, categoryInfo, categoryOwners, clip, eventKeys, keysIn, monthsOf, num, rangeFinal, recordsQuery, rows, timeParams,
  wherePrefix, shDay,
} from './common'

export const EMERGENCY_TYPES = ['extreme', 'revenge', 'gathering', 'danger'] as const
export type EmergencyType = (typeof EMERGENCY_TYPES)[number]
export const EMERGENCY_LABEL: Record<EmergencyType, string> = {
  extreme: '个人极端事件', revenge: '扬言报复社会', gathering: '群体性聚集', danger: '危及公共人身财产安全',
}

export interface EmergencyConfig {
  /** Minutes 12345 has to hand the matter to 110. */
  limitMin: number
  /** Words per type, searched case-insensitively in title and content. */
  keywords: Record<EmergencyType, string[]>
  /** RE2 regular expressions per type (for what one word cannot say, e.g. people gathering, not dogs). */
  patterns: Record<EmergencyType, string[]>
  /** Unified categories per type: a record of one of them matches whatever its text. */
  categories: Record<EmergencyType, string[]>
  /**
   * Types whose words count only outside the categories the routing list gives to 12345 (owner
   * '12345'): danger words are everyday in 12345 matters ("井盖…差点掉进去", "围墙倒塌") that the
   * list keeps with 12345. Extreme acts, threats and gatherings count in any category.
   */
  textOnlyOutside12345: EmergencyType[]
  /**
   * Words of those types that count in any category all the same: violence against people ("持刀"
   * in front of a compound is no everyday 12345 matter, whatever category the operator picked).
   */
  keywordsAnyCategory: Partial<Record<EmergencyType, string[]>>
  /**
   * Urgency 'emergency' set by the source: 'off'; 'police' — counts when the category is a 110 one on
   * the routing list (owner '110'); 'all' — counts alone (12345 also marks burst mains and gas leaks
   * for the utilities' emergency repair that way, which are not 110's).
   */
  urgency: 'off' | 'police' | 'all'
}

export const DEFAULT_EMERGENCY: EmergencyConfig = {
  limitMin: 5,
  keywords: {
    extreme: ['自杀', '跳楼', '轻生', '不想活', '割腕', '喝农药', '服毒', '自焚', '寻短见', '站在楼顶', '爬上塔吊', '要跳河', '跳河', '烧炭'],
    revenge: ['报复社会', '同归于尽', '拉人垫背', '拉几个垫背', '砍人', '杀人', '放火烧', '弄死', '血洗', '炸掉', '炸了他们', '报复他们'],
    gathering: ['拉横幅', '打横幅', '围堵', '堵门', '集体上访', '群体上访', '集体到政府', '静坐', '上百人', '几十人', '数十人', '百余人', '聚众闹事'],
    danger: ['起火', '失火', '着火了', '爆炸', '坍塌', '塌方', '触电', '溺水', '生命危险', '燃气泄漏', '煤气泄漏', '天然气泄漏',
      '闻到煤气', '危化品', '被困', '倒塌'],
  },
  patterns: {
    extreme: [],
    revenge: [],
    gathering: ['(多人|很多人|一群人|人员|群众|业主|工人|村民|学生|家长|员工|商户)[^，。；！？]{0,12}聚集', '聚集[^，。；！？]{0,4}(上百|几十|数十|多名|百余|大量|很多)'],
    danger: [],
  },
  categories: {
    extreme: ['POL_EXTREME'],
    revenge: ['POL_THREAT'],
    gathering: ['POL_MASS_GATHERING', 'POL_STABILITY'],
    danger: ['RSC_PUBLIC_DANGER', 'RSC_DISASTER'],
  },
  textOnlyOutside12345: ['danger'],
  keywordsAnyCategory: { danger: ['持刀', '拿着刀', '拿刀', '提着刀', '持械', '行凶', '捅人', '砍伤'] },
  urgency: 'police',
}

interface Row {
  source_id: string; received: number; county_code: string; category_code: string; unit_code: string; urgency: string
  m: number[]; transferred: number | null
}

const nonEmpty = (a: string[]) => (a.length ? a : ['\u0000'])

export async function detectEmergencies(db: Db, w: Window, cfg: EmergencyConfig = DEFAULT_EMERGENCY): Promise<Finding[]> {
  const limit = Math.max(0, cfg.limitMin) * MIN
  const params: Record<string, unknown> = {
    ...timeParams({ from: w.from - limit, to: w.to - limit, efrom: w.from - limit, eto: w.to, dfrom: w.from - limit - DAY }),
    lim: Math.round(limit),
  }
  const { cats, owners } = categoryOwners()
  const owned12345 = cats.filter((_, i) => owners[i] === '12345')
  const police = cats.filter((_, i) => owners[i] === '110')
  params.c12345 = owned12345
  params.police = police
  for (const t of EMERGENCY_TYPES) {
    params[`kw_${t}`] = nonEmpty(cfg.keywords[t] ?? [])
    params[`re_${t}`] = (cfg.patterns[t] ?? []).join('|') || '$^'
    params[`cat_${t}`] = cfg.categories[t] ?? []
    params[`kwa_${t}`] = nonEmpty(cfg.keywordsAnyCategory?.[t] ?? [])
  }
  const text = `concat(title, ' ', content)`
  const match = EMERGENCY_TYPES.map((t) => {
    const words = `(multiSearchAnyCaseInsensitiveUTF8(${text}, {kw_${t}:Array(String)}) OR match(${text}, {re_${t}:String}))`
    const gated = cfg.textOnlyOutside12345.includes(t)
      ? `((${words} AND NOT has({c12345:Array(String)}, toString(category_code))) OR multiSearchAnyCaseInsensitiveUTF8(${text}, {kwa_${t}:Array(String)}))`
      : words
    return `(${gated} OR has({cat_${t}:Array(String)}, toString(category_code)))`
  })
  const byUrgency = cfg.urgency === 'all' ? `urgency = 'emergency'`
    : cfg.urgency === 'police' ? `(urgency = 'emergency' AND has({police:Array(String)}, toString(category_code)))` : '0'
  // Cheap first: any version of a 12345 record received in the window that may match (no FINAL, no
  // events). Most one-minute windows have none, and then the events are never read.
  const any = await rows<{ n: number }>(db,
    `SELECT count() AS n FROM records
     WHERE platform = '12345' AND ${monthsOf('received_at', 'from', 'to')} AND received_at >= {from:${DT}} AND received_at < {to:${DT}}
       AND (arrayExists(x -> x, [${match.join(', ')}]) OR ${byUrgency})`, params)
  if (!any.length || num(any[0].n) === 0) return []
  const sql = `SELECT r.source_id AS source_id, toUnixTimestamp64Milli(r.received_at) AS received, toString(r.county_code) AS county_code,
       toString(r.category_code) AS category_code, toString(r.unit_code) AS unit_code, toString(r.urgency) AS urgency, r.m AS m,
       toUnixTimestamp64Milli(t.first_transfer) AS transferred
     FROM (SELECT source_id, received_at, county_code, category_code, unit_code, urgency, [${match.join(', ')}] AS m
           FROM records FINAL
           WHERE platform = '12345' AND ${rangeFinal('received_at', 'from', 'to')}
             AND ${keysIn('from', 'to', `platform = '12345'`)}
             AND (arrayExists(x -> x, m) OR ${byUrgency})
             -- a matter 110 diverted to 12345 is known to 110 already (it attends first where needed)
             AND source_id NOT IN (SELECT counterpart_id FROM events FINAL
               WHERE platform = '110' AND type = 'transfer' AND from_platform = '110' AND to_platform = '12345'
                 AND ${rangeFinal('at', 'dfrom', 'eto')} AND ${eventKeys('dfrom', 'eto', `platform = '110' AND type = 'transfer'`)})) AS r
     LEFT JOIN (SELECT record_id, min(at) AS first_transfer FROM events FINAL
                WHERE platform = '12345' AND type = 'transfer' AND from_platform = '12345' AND to_platform = '110'
                  AND ${rangeFinal('at', 'efrom', 'eto')} AND ${eventKeys('efrom', 'eto', `platform = '12345' AND type = 'transfer'`)}
                GROUP BY record_id) AS t ON t.record_id = r.source_id
     WHERE t.first_transfer IS NULL OR toUnixTimestamp64Milli(t.first_transfer) > toUnixTimestamp64Milli(r.received_at) + {lim:Int64}
     ORDER BY received`
  const found = await rows<Row>(db, sql, params)
  const mins = Math.round(cfg.limitMin * 10) / 10
  return found.map((r) => {
    const types = EMERGENCY_TYPES.filter((_, i) => !!num(r.m[i]))
    const label = types.length ? types.map((t) => EMERGENCY_LABEL[t]).join('、') : '紧急事项'
    const ref = { platform: '12345' as const, source_id: r.source_id }
    const cat = r.category_code
    const transferredLate = r.transferred != null
    const counts: Record<string, number> = { records: 1, limit_min: mins, transferred_late: transferredLate ? 1 : 0 }
    for (const t of EMERGENCY_TYPES) counts[t] = types.includes(t) ? 1 : 0
    if (transferredLate) counts.transfer_after_min = Math.round((num(r.transferred) - num(r.received)) / MIN)
    return {
      kind: 'emergency_unreferred' as const,
      fingerprint: `emergency_unreferred|12345|${r.source_id}`,
      title: clip(`${wherePrefix(r.county_code)}12345 工单疑似${label}，${mins} 分钟内未移交 110${transferredLate ? '（已逾时移交）' : ''}`),
      severity: 'critical' as const,
      county_code: r.county_code,
      category_code: cat,
      units: r.unit_code ? [r.unit_code] : [],
      first_seen: num(r.received),
      last_seen: num(r.received),
      counts,
      series: [{ day: shDay(num(r.received)), n: 1 }],
      samples: [ref],
      query: recordsQuery([ref]),
      ...suggest(cat),
    }
  })
}

/**
 * The four emergencies go to 110 at once and to the local government too: the lead is the category's
 * police unit type when the routing list gives the category to 110, else the police station (PCS);
 * the street office / township (JD) and the category's own department assist.
 */
function suggest(cat: string): { suggested_lead: string; suggested_assist: string[] } {
  const info = cat ? categoryInfo(cat) : undefined
  const lead = info?.owner === '110' && info.dept ? info.dept : 'PCS'
  const assist = new Set(['JD'])
  if (info?.dept && info.dept !== lead && info.dept !== 'HOTLINE') assist.add(info.dept)
  return { suggested_lead: lead, suggested_assist: [...assist].sort() }
}
