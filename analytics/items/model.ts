// Consultation items (会商事项): what an item is, its lifecycle states and the decision it can carry.
// An item is identified by its finding's fingerprint (model/finding.ts), so the same issue found again
// next week, or after a restart, updates its item instead of creating a new one.
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { SEVERITIES, type FindingKind, type RecordRef, type Severity } from '../../model/finding'
import { Reference } from '../../ingest/reference'

export const STATUSES = ['open', 'under_review', 'decided', 'closed', 'dismissed'] as const
export type Status = (typeof STATUSES)[number]

export const STATUS_LABELS: Record<Status, string> = {
  open: '待研判', under_review: '会商中', decided: '已决定', closed: '已办结', dismissed: '已排除',
}
export const SEVERITY_LABELS: Record<Severity, string> = { low: '低', medium: '中', high: '高', critical: '严重' }

export const ACTIONS = ['review', 'decide', 'dismiss', 'close', 'reopen'] as const
export type Action = (typeof ACTIONS)[number]

/** The item id: derived from the fingerprint alone (the same fingerprint always gives the same id). */
export function itemId(fingerprint: string): string {
  return 'it_' + createHash('sha256').update(fingerprint, 'utf8').digest('hex').slice(0, 20)
}
export const ITEM_ID = /^it_[0-9a-f]{20}$/

export const severityRank = (s: string) => SEVERITIES.indexOf(s as Severity)

export interface Evidence {
  counts: Record<string, number>
  series: { day: string; n: number }[]
  samples: RecordRef[]
  query: string
}

/** Who may be named lead or assisting unit: the routing list's unit types, or either platform. */
export function unitNames(): Record<string, string> {
  const ref = Reference.load()
  const departments = (ref.categories as unknown as { departments?: Record<string, string> }).departments ?? {}
  return { '12345': '12345热线', '110': '110报警服务台', ...departments }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/
const validDay = (s: string) => DAY.test(s) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s

export const Decision = z.object({
  lead: z.string().min(1).max(32),
  assist: z.array(z.string().min(1).max(32)).max(20).default([]),
  norm: z.string().trim().min(1, 'the handling norm (处置规范) is required').max(4000),
  start_date: z.string().refine(validDay, 'start_date: a date YYYY-MM-DD'),
}).superRefine((d, ctx) => {
  const units = unitNames()
  for (const [i, u] of [d.lead, ...d.assist].entries())
    if (!(u in units)) ctx.addIssue({ code: 'custom', path: i === 0 ? ['lead'] : ['assist', i - 1], message: `unknown unit ${u}: use 12345, 110 or a unit type of the routing list (${Object.keys(units).join(', ')})` })
  if (d.assist.includes(d.lead)) ctx.addIssue({ code: 'custom', path: ['assist'], message: 'the lead unit cannot also assist' })
})
export type Decision = z.infer<typeof Decision>

export interface Item {
  id: string
  fingerprint: string
  kind: FindingKind
  kind_label: string
  title: string
  severity: Severity
  status: Status
  status_label: string
  county_code: string
  category_code: string
  units: string[]
  /** ISO 8601, Asia/Shanghai */
  first_seen: string
  last_seen: string
  raised_at: string
  escalated_at: string | null
  evidence: Evidence
  suggested_lead: string
  suggested_assist: string[]
  /** The reason given with the last status change (required when dismissing). */
  status_reason: string
  decision: Decision | null
  decided_at: string | null
  decided_by: string
  /** The routing list version the decision created; null when none. */
  routing_version: number | null
  version: number
  updated_at: string
  updated_by: string
}

export interface HistoryRow {
  item_id: string
  version: number
  at: string
  actor: string
  role: string
  action: string
  from_status: string
  to_status: string
  reason: string
  detail: string
}

export interface TransitionRequest {
  action: Action
  expected_version: number
  actor: string
  role: string
  reason?: string
  decision?: Decision
}

/** A request the store refuses: statusCode is what the API answers (400, 404 or 409). */
export class ItemError extends Error {
  constructor(readonly statusCode: 400 | 404 | 409, message: string, readonly current?: { version: number; status: Status }) {
    super(message)
  }
}
