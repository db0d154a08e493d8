// Labels and colours of consultation items (会商事项) shared by the consultation room and the wall.
// Chinese first, English second. The server's own labels (kind_label, status_label) are used where an
// answer carries them; these cover filters and forms, which need every value before any item exists.

export const KINDS: { id: string; zh: string; en: string }[] = [
  { id: 'disputed_category', zh: '高频争议事项', en: 'Disputed category' },
  { id: 'jurisdiction_conflict', zh: '管辖争议', en: 'Jurisdiction conflict' },
  { id: 'risk_cluster', zh: '风险隐患聚集', en: 'Risk cluster' },
  { id: 'repeat_caller', zh: '重复来电', en: 'Repeat caller' },
  { id: 'emergency_unreferred', zh: '紧急事项未移交110', en: 'Emergency not referred' },
  { id: 'cross_platform_place', zh: '警情与诉求同地关联', en: 'Same place, both platforms' },
  { id: 'surge', zh: '话务量激增', en: 'Surge' },
  { id: 'new_topic', zh: '新兴话题', en: 'New topic' },
  { id: 'overdue', zh: '超期督办', en: 'Overdue' },
  { id: 'hot_issue', zh: '热点问题', en: 'Hot issue' },
]

export const SEVERITIES: { id: string; zh: string; en: string; color: string }[] = [
  { id: 'critical', zh: '严重', en: 'Critical', color: '#ff5a5f' },
  { id: 'high', zh: '高', en: 'High', color: '#ff8a3d' },
  { id: 'medium', zh: '中', en: 'Medium', color: '#ffd24d' },
  { id: 'low', zh: '低', en: 'Low', color: '#5ad8ff' },
]
const SEV = new Map(SEVERITIES.map((s) => [s.id, s]))
export const severityColor = (s: string) => SEV.get(s)?.color ?? '#8196b3'
export const severityLabel = (s: string) => SEV.get(s)?.zh ?? s
export const severityEn = (s: string) => SEV.get(s)?.en ?? s

export const STATUSES: { id: string; zh: string; en: string; color: string }[] = [
  { id: 'open', zh: '待研判', en: 'Open', color: '#5ad8ff' },
  { id: 'under_review', zh: '会商中', en: 'Under review', color: '#ffd24d' },
  { id: 'decided', zh: '已决定', en: 'Decided', color: '#36d399' },
  { id: 'closed', zh: '已办结', en: 'Closed', color: '#8196b3' },
  { id: 'dismissed', zh: '已排除', en: 'Dismissed', color: '#8196b3' },
]
const ST = new Map(STATUSES.map((s) => [s.id, s]))
export const statusLabel = (s: string) => ST.get(s)?.zh ?? s
export const statusEn = (s: string) => ST.get(s)?.en ?? s
export const statusColor = (s: string) => ST.get(s)?.color ?? '#8196b3'

const KIND = new Map(KINDS.map((k) => [k.id, k]))
export const kindLabel = (k: string) => KIND.get(k)?.zh ?? k
export const kindEn = (k: string) => KIND.get(k)?.en ?? k

/** Evidence count keys in words (unknown keys are shown as they are). */
const COUNT_LABELS: Record<string, string> = {
  records: '诉求/警情', callers: '来电人', transfers: '转办', bounces: '来回转办', returns: '退回', redispatches: '重派',
  units: '涉及单位', unsigned: '超时未签收', platform_110: '110警情', copies: '重复件', incidents: '警情', complaints: '诉求',
  days: '天数', windows: '窗口数', overdue: '超期', expected: '基线', observed: '实际',
}
export const countLabel = (k: string) => COUNT_LABELS[k] ?? k

const TZ_OFFSET = 8 * 3600_000
/** An ISO instant as 'MM-DD HH:mm' in Asia/Shanghai ('—' when absent or unparsable). */
export function shortStamp(iso: string | null | undefined): string {
  const t = iso ? Date.parse(iso) : NaN
  if (!Number.isFinite(t)) return '—'
  const s = new Date(t + TZ_OFFSET).toISOString()
  return `${s.slice(5, 10)} ${s.slice(11, 16)}`
}
/** An ISO instant as 'YYYY-MM-DD HH:mm' in Asia/Shanghai. */
export function fullStamp(iso: string | null | undefined): string {
  const t = iso ? Date.parse(iso) : NaN
  if (!Number.isFinite(t)) return '—'
  const s = new Date(t + TZ_OFFSET).toISOString()
  return `${s.slice(0, 10)} ${s.slice(11, 16)}`
}
