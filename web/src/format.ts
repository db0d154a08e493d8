// Display formatters shared by the dashboard and its browser tests.
// Pure functions: no DOM, no Svelte, safe to import from Node.
import type { MetricValue } from '../../model/api'

export const EMPTY = '—'

/** Counts: thousands separators, zh-CN locale. null/undefined/NaN → '—'. */
export function formatCount(v: number | null | undefined): string {
  return v == null || !Number.isFinite(v) ? EMPTY : v.toLocaleString('zh-CN')
}

/** Ratios in [0,1] as a percentage with one decimal: 0.9234 → '92.3%'. null → '—'. */
export function formatRatio(v: number | null | undefined): string {
  return v == null || !Number.isFinite(v) ? EMPTY : (v * 100).toFixed(1) + '%'
}

/** A mean duration in seconds, in minutes with one decimal: 312 → '5.2 分钟'. null → '—'. */
export function formatSeconds(v: number | null | undefined): string {
  return v == null || !Number.isFinite(v) ? EMPTY : `${(v / 60).toFixed(1)} 分钟`
}

/** Shown instead of a rate when too few judged records carry the timestamps it needs. */
export const NO_DATA = '无数据'

/** True when a rate has no value because its timestamps' coverage is below the minimum. */
export function lowCoverage(m: Pick<MetricValue, 'value' | 'coverage'> | null | undefined): boolean {
  return !!m && m.value == null && m.coverage?.ratio != null && m.coverage.ratio < m.coverage.min
}

/** A MetricValue formatted by its unit; a missing metric or nothing to judge → '—'; low coverage → '无数据'. */
export function formatMetric(m: Pick<MetricValue, 'value' | 'unit'> & Partial<Pick<MetricValue, 'coverage'>> | null | undefined): string {
  if (!m) return EMPTY
  if (lowCoverage({ value: m.value, coverage: m.coverage ?? null })) return NO_DATA
  return m.unit === 'ratio' ? formatRatio(m.value) : m.unit === 'seconds' ? formatSeconds(m.value) : formatCount(m.value)
}

/** Hover text of a metric: label, formula, parts, coverage and why there is no value. */
export function metricTip(m: MetricValue | null | undefined, fallback = ''): string {
  if (!m) return fallback
  const lines = [`${m.label}：${m.formula}`]
  if (m.unit === 'ratio') lines.push(`${formatCount(m.numerator)} / ${formatCount(m.denominator)}`)
  if (m.unit === 'seconds') lines.push(`共 ${formatCount(m.numerator)} 秒 / ${formatCount(m.denominator)} 件`)
  const c = m.coverage
  if (c) lines.push(`评判 ${formatCount(c.judged)}：可判定 ${formatCount(c.measured)}，未记录 ${formatCount(c.not_recorded)}，待定 ${formatCount(c.pending)}；覆盖率 ${formatRatio(c.ratio)}（最低 ${formatRatio(c.min)}）`)
  if (m.reason) lines.push(m.reason)
  if (m.target != null) lines.push(`目标 ${m.unit === 'ratio' ? formatRatio(m.target) : formatCount(m.target)}${m.warn != null ? `，预警线 ${m.unit === 'ratio' ? formatRatio(m.warn) : formatCount(m.warn)}` : ''}（配置，非官方）`)
  return lines.join('\n')
}

/**
 * Where a value stands against its configured target: 'warn' below the warning level, 'below' under the
 * target, 'ok' at or above it; null without a target or a value.
 */
export function targetState(m: Pick<MetricValue, 'value' | 'target' | 'warn'> | null | undefined): 'ok' | 'below' | 'warn' | null {
  if (!m || m.value == null || m.target == null) return null
  if (m.warn != null && m.value < m.warn) return 'warn'
  return m.value < m.target ? 'below' : 'ok'
}

/** A count metric's value from a metrics map (0 when absent). */
export const countOf = (metrics: Record<string, MetricValue> | undefined, id: string): number => metrics?.[id]?.value ?? 0

/** 'numerator / denominator' for a ratio metric, '' when either part is missing. */
export function formatFraction(m: Pick<MetricValue, 'numerator' | 'denominator'> | null | undefined): string {
  if (!m || m.numerator == null || m.denominator == null) return ''
  return `${formatCount(m.numerator)} / ${formatCount(m.denominator)}`
}

const TZ = 'Asia/Shanghai'
const timeFmt = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
const dateFmt = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short' })
const shortDateFmt = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, month: '2-digit', day: '2-digit' })

/** hh:mm:ss in Asia/Shanghai. */
export function formatTime(t: number | Date | null | undefined): string {
  return t == null ? EMPTY : timeFmt.format(t)
}

/** 2026/11/25 周三 in Asia/Shanghai. */
export function formatDate(t: number | Date): string {
  return dateFmt.format(t)
}

/** An ISO timestamp as MM/DD in Asia/Shanghai ('—' if unparsable). */
export function formatIsoDay(iso: string | null | undefined): string {
  if (!iso) return EMPTY
  const t = Date.parse(iso)
  return Number.isFinite(t) ? shortDateFmt.format(t) : EMPTY
}

/** Trend bucket label: 'YYYY-MM-DD' → 'MM-DD', 'YYYY-MM-DD HH:00' → 'MM-DD HH时'. */
export function formatBucket(b: string): string {
  const m = /^\d{4}-(\d{2})-(\d{2})(?: (\d{2}):\d{2})?$/.exec(b)
  if (!m) return b
  return m[3] ? `${m[1]}-${m[2]} ${m[3]}时` : `${m[1]}-${m[2]}`
}

// Functional zones (功能区) carry long official names; wall displays use the common short forms.
const SHORT_NAMES: Record<string, string> = {
  郑州经济技术开发区: '经开区',
  郑州高新技术产业开发区: '高新区',
  郑州航空港经济综合实验区: '航空港区',
}

/** Short display name of a district: '郑州高新技术产业开发区' → '高新区'; ordinary names unchanged. */
export function shortRegionName(name: string): string {
  return SHORT_NAMES[name] ?? name
}

/** An ISO timestamp as hh:mm:ss when it is today (Asia/Shanghai), else 'MM/DD hh:mm'. */
export function formatStamp(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return EMPTY
  const t = Date.parse(iso)
  if (!Number.isFinite(t)) return EMPTY
  if (shortDateFmt.format(t) === shortDateFmt.format(now)) return timeFmt.format(t)
  return `${shortDateFmt.format(t)} ${timeFmt.format(t).slice(0, 5)}`
}
