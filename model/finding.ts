// What an early-warning detector found: the contract between the detectors (jobs/detectors), the
// consultation item store (analytics/items) and the API. Every finding becomes or updates one item,
// identified by its fingerprint, so the same issue found again next week updates its item.
import { z } from 'zod'

export const FINDING_KINDS = [
  'disputed_category', // 高频争议事项: a category × region with frequent, recurring disputes
  'jurisdiction_conflict', // 管辖争议: ping-pong, ≥3 units, unsigned beyond limit, 110 回流
  'risk_cluster', // 风险隐患: space–time burst / many appeals about one entity
  'repeat_caller', // 重复来电: one caller key ≥ N times in a window
  'emergency_unreferred', // 四类紧急警情 left with 12345 beyond the limit
  'cross_platform_place', // one place in a 110 dispute and in 12345 complaints within days
  'surge', // 话务量激增 against a seasonal baseline
  'new_topic', // a topic rising fast
  'overdue', // 督办: open past due / problem orders
  'hot_issue', // 热点问题 from the text
] as const
export const FindingKind = z.enum(FINDING_KINDS)
export type FindingKind = z.infer<typeof FindingKind>

export const KIND_LABELS: Record<FindingKind, string> = {
  disputed_category: '高频争议事项',
  jurisdiction_conflict: '管辖争议',
  risk_cluster: '风险隐患聚集',
  repeat_caller: '重复来电',
  emergency_unreferred: '紧急事项未移交110',
  cross_platform_place: '警情与诉求同地关联',
  surge: '话务量激增',
  new_topic: '新兴话题',
  overdue: '超期督办',
  hot_issue: '热点问题',
}

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const
export const Severity = z.enum(SEVERITIES)
export type Severity = z.infer<typeof Severity>

export const RecordRef = z.object({ platform: z.enum(['12345', '110']), source_id: z.string() })
export type RecordRef = z.infer<typeof RecordRef>

export const Finding = z.object({
  kind: FindingKind,
  /** Stable identity, independent of the run and the window: e.g. kind|category|county or kind|entity. */
  fingerprint: z.string().min(1).max(200),
  title: z.string().min(1).max(200), // plain Chinese, e.g. "XX小区 夜间施工噪音扰民"
  severity: Severity,
  county_code: z.string(), // '' when unknown or city-wide
  category_code: z.string(), // '' when none
  units: z.array(z.string()), // unit codes involved
  first_seen: z.number(), // epoch ms of the earliest evidence record
  last_seen: z.number(), // epoch ms of the latest evidence record
  counts: z.record(z.string(), z.number()), // e.g. { records: 12, callers: 7, transfers: 9 }
  series: z.array(z.object({ day: z.string(), n: z.number() })), // daily counts, 'YYYY-MM-DD' Shanghai
  samples: z.array(RecordRef).max(20), // evidence records (text is read masked, by role, through the API)
  query: z.string(), // SQL (with literal parameters) that lists the evidence records
  suggested_lead: z.string().default(''), // unit type from the routing list, '' when none
  suggested_assist: z.array(z.string()).default([]),
})
export type Finding = z.infer<typeof Finding>
