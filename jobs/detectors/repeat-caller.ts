// 重复来电 (issue 7, 3c): one hashed caller key with `minCalls` or more records received in the last
// `lookbackDays` up to the window's end, at least one of them in the window (so a caller is raised
// again only with new calls), about one matter (`sameMatter`: that many in one category) unless the
// language escalates. Records without a caller key ('') never group. The severity rises when
// the language escalates: a keyword of `escalationKeywords` in the title or content of any of the
// calls (high), one of `criticalKeywords` (critical). The title names neither the caller nor any text.
import type { Finding } from '../../model/finding'
import {
  type Db, type Window, DAY, DT, categoryName, clip, monthsOf, num, rangeFinal, recordsQuery, routing, rows, samplesOf,
  seriesOf, timeParams, wherePrefix,
} from './common'

export interface RepeatCallerConfig {
  /** Calls are counted over this many days up to the window's end. */
  lookbackDays: number
  /** Calls from one caller key that make a repeat caller. */
  minCalls: number
  /**
   * The calls must be about one matter: `minCalls` of them in one category (records without a category
   * count as one), unless the language escalates. Frequent callers about everything are not raised.
   */
  sameMatter: boolean
  /** …and that matter is at least this share of the caller's calls (frequent callers about everything are not raised). */
  minSameShare: number
  /** Words that show a dispute escalating (searched case-insensitively in title and content). */
  escalationKeywords: string[]
  /** Words that make the finding critical (self-harm, violence). */
  criticalKeywords: string[]
}

export const DEFAULT_REPEAT_CALLER: RepeatCallerConfig = {
  lookbackDays: 7,
  minCalls: 3,
  sameMatter: true,
  minSameShare: 0.5,
  escalationKeywords: [
    '再不解决', '投诉到底', '上访', '信访', '媒体', '曝光', '记者', '拼命', '讨说法', '讨个说法', '没完没了', '走极端',
    '自杀', '跳楼', '轻生', '不想活', '同归于尽', '报复', '闹大', '市长信箱', '12345没用', '不管不问', '忍无可忍',
  ],
  criticalKeywords: ['自杀', '跳楼', '轻生', '不想活', '同归于尽', '报复社会', '拼命'],
}

interface Row {
  caller_key: string; n: number; n_same: number; escalated: number; critical_n: number; first: number; last: number; in_window: number
  category: string; county: string; units: string[]; recs: [string, string, number][]
}

export async function detectRepeatCallers(db: Db, w: Window, cfg: RepeatCallerConfig = DEFAULT_REPEAT_CALLER): Promise<Finding[]> {
  const from = Math.min(w.from, w.to - cfg.lookbackDays * DAY)
  const params = {
    ...timeParams({ from, to: w.to, wfrom: w.from }),
    kw: cfg.escalationKeywords.length ? cfg.escalationKeywords : ['\u0000'],
    crit: cfg.criticalKeywords.length ? cfg.criticalKeywords : ['\u0000'],
    min: Math.max(1, Math.round(cfg.minCalls)),
    same: cfg.sameMatter ? 1 : 0,
    share: Math.max(0, cfg.minSameShare),
  }
  // Callers that may qualify, from every stored version without FINAL (cheap): at least `min` keys in
  // the lookback and one in the window. A superset of the callers the FINAL read below can raise (a
  // record's latest version is among its versions), so the heavy grouping runs on a few callers only.
  const candidates = `(SELECT caller_key FROM records
      WHERE ${monthsOf('received_at', 'from', 'to')} AND received_at >= {from:${DT}} AND received_at < {to:${DT}} AND caller_key != ''
      GROUP BY caller_key HAVING uniqExact(platform, source_id) >= {min:UInt32} AND countIf(received_at >= {wfrom:${DT}}) > 0)`
  // Per caller and category first (records without a category count as one matter), then per caller.
  const sql = `SELECT caller_key, sum(cnt) AS n, max(cnt) AS n_same, argMax(cat, cnt) AS category,
       sum(esc) AS escalated, sum(crit) AS critical_n,
       toUnixTimestamp64Milli(min(first_at)) AS first, toUnixTimestamp64Milli(max(last_at)) AS last, sum(inw) AS in_window,
       ifNull(topKIf(1)(cty, cty != '')[1], '') AS county,
       arrayDistinct(arrayFlatten(groupArray(us))) AS units,
       arraySort(x -> x.3, arrayFlatten(groupArray(rs))) AS recs
     FROM (SELECT caller_key, toString(category_code) AS cat, count() AS cnt, countIf(esc) AS esc, countIf(crit) AS crit,
             min(received_at) AS first_at, max(received_at) AS last_at, countIf(received_at >= {wfrom:${DT}}) AS inw,
             ifNull(topKIf(1)(toString(county_code), county_code != '')[1], '') AS cty,
             groupUniqArrayIf(toString(unit_code), unit_code != '') AS us,
             groupArray((platform, source_id, toUnixTimestamp64Milli(received_at))) AS rs
           FROM (SELECT platform, source_id, received_at, caller_key, category_code, county_code, unit_code,
                   multiSearchAnyCaseInsensitiveUTF8(concat(title, ' ', content), {kw:Array(String)}) AS esc,
                   multiSearchAnyCaseInsensitiveUTF8(concat(title, ' ', content), {crit:Array(String)}) AS crit
                 FROM records FINAL WHERE ${rangeFinal('received_at', 'from', 'to')} AND caller_key != ''
                   AND caller_key IN ${candidates})
           GROUP BY caller_key, cat)
     GROUP BY caller_key
     HAVING in_window > 0 AND n >= {min:UInt32} AND ({same:UInt8} = 0 OR (n_same >= {min:UInt32} AND n_same >= {share:Float64} * n) OR escalated > 0)`
  const found = await rows<Row>(db, sql, params)
  return found.map((r) => {
    const refs = r.recs.map(([platform, source_id]) => ({ platform, source_id }))
    const esc = num(r.escalated) > 0
    const crit = num(r.critical_n) > 0
    const days = Math.round((w.to - from) / DAY)
    const about = r.category ? `：${wherePrefix(r.county)}${categoryName(r.category)}` : r.county ? `：${wherePrefix(r.county).trim()}` : ''
    return {
      kind: 'repeat_caller' as const,
      fingerprint: `repeat_caller|${r.caller_key}`,
      title: clip(`同一来电人 ${days} 天内 ${num(r.n)} 次来电${about}${esc ? '（诉求升级）' : ''}`),
      severity: crit ? 'critical' as const : esc ? 'high' as const : 'medium' as const,
      county_code: r.county,
      category_code: r.category,
      units: [...r.units].sort(),
      first_seen: num(r.first),
      last_seen: num(r.last),
      counts: { calls: num(r.n), same_matter: num(r.n_same), escalated: num(r.escalated), critical: num(r.critical_n), in_window: num(r.in_window), days },
      series: seriesOf(r.recs.map((x) => num(x[2]))),
      samples: samplesOf(refs.slice(-20)),
      query: recordsQuery(refs),
      ...routing(r.category, r.units),
    }
  })
}
