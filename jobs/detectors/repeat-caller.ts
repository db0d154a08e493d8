// 重复来电 (issue 7, 3c): one hashed caller key with `minCalls` or more records received in the last
// `lookbackDays` up to the window's end, at least one of them in the window (so a caller is raised
// again only with new calls), about one matter (`sameMatter`: that many in one category) unless the
// language escalates. Records without a caller key ('') never group. The severity rises when
// the language escalates: a keyword of `escalationKeywords` in the title or content of any of the
// calls (high), one of `criticalKeywords` (critical). The title names neither the caller nor any text.
import type { Finding } from '../../model/finding'
import {
  type Db, type Window, DAY, dayWindows, DT, categoryName, clip, monthsOf, num, rangeFinal, recordsQuery, routing, rows, samplesOf,
  seriesOf, timeParams, wherePrefix,
} from './common'
import { mostCommon } from './risk-cluster'

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

interface Call { platform: string; source_id: string; t: number; caller_key: string; cat: string; county: string; unit: string; esc: number; crit: number }

export async function detectRepeatCallers(db: Db, w: Window, cfg: RepeatCallerConfig = DEFAULT_REPEAT_CALLER): Promise<Finding[]> {
  // A call longer than a day (a catch-up run) is judged day by day from one read: each day as a call
  // over it alone would judge it (the same findings, in order). 90 days of a large city: 3 calls, not 90.
  const subs = dayWindows(w)
  const lookback = cfg.lookbackDays * DAY
  const fromOf = (x: Window) => Math.min(x.from, x.to - lookback)
  const from = Math.min(...subs.map(fromOf))
  const min = Math.max(1, Math.round(cfg.minCalls))
  const params = {
    ...timeParams({ from, to: w.to, wfrom: w.from }),
    kw: cfg.escalationKeywords.length ? cfg.escalationKeywords : ['\u0000'],
    crit: cfg.criticalKeywords.length ? cfg.criticalKeywords : ['\u0000'],
    min,
  }
  // Callers that may qualify, from every stored version without FINAL (cheap): at least `min` keys over
  // the whole read and one in the call's window. A superset of the callers any day can raise (a
  // record's latest version is among its versions), so only their calls are read FINAL.
  const candidates = `(SELECT caller_key FROM records
      WHERE ${monthsOf('received_at', 'from', 'to')} AND received_at >= {from:${DT}} AND received_at < {to:${DT}} AND caller_key != ''
      GROUP BY caller_key HAVING uniqExact(platform, source_id) >= {min:UInt32} AND countIf(received_at >= {wfrom:${DT}}) > 0)`
  const calls = (await rows<Call>(db,
    `SELECT platform, source_id, toUnixTimestamp64Milli(received_at) AS t, caller_key, toString(category_code) AS cat,
       toString(county_code) AS county, toString(unit_code) AS unit,
       multiSearchAnyCaseInsensitiveUTF8(concat(title, ' ', content), {kw:Array(String)}) AS esc,
       multiSearchAnyCaseInsensitiveUTF8(concat(title, ' ', content), {crit:Array(String)}) AS crit
     FROM records FINAL WHERE ${rangeFinal('received_at', 'from', 'to')} AND caller_key != '' AND caller_key IN ${candidates}
     ORDER BY caller_key, t, platform, source_id`, params)).map((c) => ({ ...c, t: num(c.t), esc: num(c.esc), crit: num(c.crit) }))
  const byCaller = new Map<string, Call[]>()
  for (const c of calls) (byCaller.get(c.caller_key) ?? byCaller.set(c.caller_key, []).get(c.caller_key)!).push(c)
  const out: Finding[] = []
  for (const sub of subs) {
    const lo = fromOf(sub)
    const found: Finding[] = []
    for (const [key, all] of byCaller) {
      const cs = all.filter((c) => c.t >= lo && c.t < sub.to)
      const f = judgeCaller(key, cs, sub, lo, cfg)
      if (f) found.push(f)
    }
    // Most calls first, then the caller key: a stable order.
    out.push(...found.sort((a, b) => b.counts.calls - a.counts.calls || (a.fingerprint < b.fingerprint ? -1 : 1)))
  }
  return out
}

/** One caller's calls of [lo, sub.to) (sorted by time): a finding, or null. */
function judgeCaller(key: string, cs: Call[], sub: Window, lo: number, cfg: RepeatCallerConfig): Finding | null {
  const min = Math.max(1, Math.round(cfg.minCalls))
  const inWindow = cs.filter((c) => c.t >= sub.from).length
  if (!inWindow || cs.length < min) return null
  // Per category (records without a category count as one matter).
  const perCat = new Map<string, number>()
  for (const c of cs) perCat.set(c.cat, (perCat.get(c.cat) ?? 0) + 1)
  const same = Math.max(...perCat.values())
  // The matter: the category with the most calls; ties go to the latest call's.
  let category = ''
  for (const c of cs) if (perCat.get(c.cat) === same) category = c.cat
  const escalated = cs.filter((c) => c.esc === 1).length
  const critical = cs.filter((c) => c.crit === 1).length
  if (cfg.sameMatter && !(same >= min && same >= Math.max(0, cfg.minSameShare) * cs.length) && escalated === 0) return null
  const county = mostCommon(cs.map((c) => c.county))
  const units = [...new Set(cs.map((c) => c.unit).filter(Boolean))].sort()
  const refs = cs.map((c) => ({ platform: c.platform, source_id: c.source_id }))
  const esc = escalated > 0
  const days = Math.round((sub.to - lo) / DAY)
  const about = category ? `：${wherePrefix(county)}${categoryName(category)}` : county ? `：${wherePrefix(county).trim()}` : ''
  return {
    kind: 'repeat_caller',
    fingerprint: `repeat_caller|${key}`,
    title: clip(`同一来电人 ${days} 天内 ${cs.length} 次来电${about}${esc ? '（诉求升级）' : ''}`),
    severity: critical > 0 ? 'critical' : esc ? 'high' : 'medium',
    county_code: county,
    category_code: category,
    units,
    first_seen: cs[0].t,
    last_seen: cs[cs.length - 1].t,
    counts: { calls: cs.length, same_matter: same, escalated, critical, in_window: inWindow, days },
    series: seriesOf(cs.map((c) => c.t)),
    samples: samplesOf(refs.slice(-20)),
    query: recordsQuery(refs),
    ...routing(category, units),
  }
}
