// The unified record model v1, shared by ingest, analytics, jobs and web.
// Inputs arrive from two platforms (12345 work orders 工单, 110 police incidents 警单);
// both are described by one shape so a matter can be followed across platforms.
import { z } from 'zod'

export const PLATFORMS = ['12345', '110'] as const
export const Platform = z.enum(PLATFORMS)
export type Platform = z.infer<typeof Platform>

// 12345 appeal kinds (咨询/求助/投诉/举报/建议) and 110 police classes share one field.
export const KINDS_12345 = ['consult', 'help', 'complaint', 'report', 'suggestion'] as const
export const KINDS_110 = [
  'crime', // 违法犯罪行为
  'mass_incident', // 群体性事件
  'traffic', // 道路交通管理
  'public_safety', // 治安灾害事故
  'assistance', // 群众救助服务
  'rescue', // 抢险抗灾救援
  'police_complaint', // 涉警投诉举报
  'non_police', // 非警务类
  // Calls that need no police: not judged on response when no police were sent (RESPONSE_EXCLUDE_110_KINDS).
  'invalid_alarm', // 无效报警 (prank, silent, misdialled)
  'consult_only', // 咨询 (a question answered on the phone)
] as const
export const Kind = z.enum([...KINDS_12345, ...KINDS_110])
export type Kind = z.infer<typeof Kind>

export const CHANNELS = ['phone', 'web', 'app', 'wechat', 'sms', 'mailbox', 'internet', 'iot', 'video'] as const
export const Channel = z.enum(CHANNELS)
export const Urgency = z.enum(['normal', 'urgent', 'emergency'])
export const Satisfaction = z.enum(['satisfied', 'basically_satisfied', 'unsatisfied'])
export type Satisfaction = z.infer<typeof Satisfaction>

export const STATUSES = [
  'received', // 受理/接警
  'dispatched', // 派单/派警
  'signed', // 签收
  'handling', // 办理/处警
  'replied', // 答复
  'closed', // 办结/结警
  'transferred_out', // handed to the other platform; the counterpart record carries on
] as const
export const Status = z.enum(STATUSES)

/**
 * Timestamps on input: ISO 8601 with an offset ("2026-11-25T09:30:00.120+08:00" or "...Z"),
 * or without one ("2026-11-25 09:30:00.120"), read as Asia/Shanghai. Stored as epoch ms.
 */
const TS = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(Z|([+-])(\d{2}):?(\d{2}))?$/
export function parseTimestamp(s: string): number | null {
  const m = TS.exec(s)
  if (!m) return null
  const [, y, mo, d, h, mi, se = '0', ms = '0', zone, sign, oh, om] = m
  // An offset needs the ISO 'T'; without one the wall clock is Asia/Shanghai (no daylight saving time).
  if (zone && s[10] !== 'T') return null
  if (+h > 23 || +mi > 59 || +se > 59 || (oh !== undefined && (+oh > 14 || +om > 59))) return null
  // Reject calendar overflow such as 2026-02-30, which Date.UTC (and Date.parse) silently roll over.
  const year = +y, month = +mo, day = +d
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null
  const offsetMs = !zone ? 8 * 3600_000 : zone === 'Z' ? 0 : (sign === '-' ? -1 : 1) * (+oh * 60 + +om) * 60_000
  return Date.UTC(year, month - 1, day, +h, +mi, +se, +ms.padEnd(3, '0')) - offsetMs
}

const DAYS_IN = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const daysIn = (y: number, m: number) => (m === 2 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0) ? 29 : DAYS_IN[m - 1])

// Plausible window for any timestamp: the linkage mechanism dates from 2022; nothing from the far future.
const MIN_TS = Date.UTC(2000, 0, 1)
const MAX_FUTURE_MS = 24 * 3600_000

function timestamp(maxFutureMs: number) {
  return z.string().transform((s, ctx) => {
    const t = parseTimestamp(s)
    if (t === null) {
      ctx.addIssue({ code: 'custom', message: `not a timestamp: "${s.slice(0, 40)}" (ISO 8601 expected, e.g. 2026-11-25T09:30:00.000+08:00)` })
      return z.NEVER
    }
    if (t < MIN_TS || t > Date.now() + maxFutureMs) {
      ctx.addIssue({ code: 'custom', message: `timestamp out of range: ${s}` })
      return z.NEVER
    }
    return t
  })
}

/** Something that happened: at most a day ahead of this clock (sources' clocks drift). */
export const Timestamp = timestamp(MAX_FUTURE_MS)
/** A deadline: may lie ahead, within a year. */
const Deadline = timestamp(366 * 24 * 3600_000).nullish().transform((v) => v ?? null)

const OptTs = Timestamp.nullish().transform((v) => v ?? null)

// GB/T 2260: 6-digit county-level code; street/town code is the county code plus 3 digits
// (the 12-digit statistical form is accepted and cut to 9).
export const CountyCode = z.string().regex(/^\d{6}$/, 'must be a 6-digit GB/T 2260 county code')
export const TownCode = z
  .string()
  .regex(/^\d{9}(\d{3})?$/, 'must be a 9-digit (or 12-digit) GB/T 2260 street/town code')
  .transform((s) => s.slice(0, 9))

export const Callback = z
  .object({
    at: OptTs,
    contacted: z.boolean(),
    solved: z.boolean().nullish().transform((v) => v ?? null), // citizen-reported on callback
    satisfaction_first: Satisfaction.nullish().transform((v) => v ?? null),
    satisfaction_final: Satisfaction.nullish().transform((v) => v ?? null),
  })
  .strict()

/** A record as a source sends it (one snapshot of a 工单 or 警单; re-sent as it progresses). */
export const RecordInput = z
  .object({
    platform: Platform,
    source_id: z.string().min(1).max(64),
    // Version of this snapshot at the source; later snapshots of the same record replace earlier ones.
    updated_at: Timestamp,
    channel: Channel,
    received_at: Timestamp,
    county_code: CountyCode,
    town_code: TownCode.nullish().transform((v) => v ?? null),
    lat: z.number().min(-90).max(90).nullish().transform((v) => v ?? null),
    lon: z.number().min(-180).max(180).nullish().transform((v) => v ?? null),
    source_category: z.string().max(200).default(''),
    category_code: z.string().max(32).default(''),
    kind: Kind,
    urgency: Urgency.default('normal'),
    title: z.string().max(500).default(''),
    content: z.string().max(20000).default(''),
    // Arrives in clear from the sources; only a keyed hash is ever stored.
    caller_phone: z.string().max(32).nullish().transform((v) => v ?? null),
    unit_code: z.string().max(64).default(''),
    due_at: Deadline,
    status: Status,
    accepted_at: OptTs,
    dispatched_at: OptTs,
    signed_at: OptTs,
    first_response_at: OptTs,
    arrived_at: OptTs, // 110 only: police on scene
    replied_at: OptTs,
    closed_at: OptTs,
    callback: Callback.nullish().transform((v) => v ?? null),
    // 保密件: the citizen asked for confidentiality; the text is withheld from everyone but admins.
    confidential: z.boolean().default(false),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.town_code && !r.town_code.startsWith(r.county_code))
      ctx.addIssue({ code: 'custom', path: ['town_code'], message: `town ${r.town_code} is not inside county ${r.county_code}` })
    if ((r.lat === null) !== (r.lon === null))
      ctx.addIssue({ code: 'custom', path: [r.lat === null ? 'lat' : 'lon'], message: 'lat and lon come together' })
    if (r.platform === '12345' && !(KINDS_12345 as readonly string[]).includes(r.kind))
      ctx.addIssue({ code: 'custom', path: ['kind'], message: `kind ${r.kind} is a 110 class, not a 12345 appeal kind` })
    if (r.platform === '110' && !(KINDS_110 as readonly string[]).includes(r.kind))
      ctx.addIssue({ code: 'custom', path: ['kind'], message: `kind ${r.kind} is a 12345 appeal kind, not a 110 class` })
    if (r.platform === '12345' && r.arrived_at !== null)
      ctx.addIssue({ code: 'custom', path: ['arrived_at'], message: 'arrived_at is for 110 incidents only' })
    // Lifecycle stamps cannot precede the receipt of the record.
    for (const f of ['accepted_at', 'dispatched_at', 'signed_at', 'first_response_at', 'arrived_at', 'replied_at', 'closed_at'] as const) {
      const v = r[f]
      if (v !== null && v < r.received_at)
        ctx.addIssue({ code: 'custom', path: [f], message: `${f} is before received_at` })
    }
    if (r.callback?.at != null && r.callback.at < r.received_at)
      ctx.addIssue({ code: 'custom', path: ['callback', 'at'], message: 'callback is before received_at' })
    if (r.updated_at < r.received_at)
      ctx.addIssue({ code: 'custom', path: ['updated_at'], message: 'updated_at is before received_at' })
  })
export type RecordInput = z.input<typeof RecordInput>
export type RecordParsed = z.output<typeof RecordInput>

export const EVENT_TYPES = [
  'accepted',
  'dispatched',
  'signed',
  'first_response',
  'arrived',
  'replied',
  'closed',
  'callback',
  'transfer', // cross-platform hand-over: 12345→110 or 110→12345 (from_platform/to_platform)
  'unit_transfer', // hand-over between handling units on one platform
  'returned', // 退回: a unit or the other platform sends the matter back
  'redispatched', // 重新派单 after a return
  'urged', // 催办
] as const
export const EventType = z.enum(EVENT_TYPES)

/** A lifecycle event of one record, as its platform reports it. */
export const EventInput = z
  .object({
    event_id: z.string().min(1).max(96),
    platform: Platform, // platform that reports the event and owns record_id
    record_id: z.string().min(1).max(64),
    type: EventType,
    at: Timestamp,
    from_platform: Platform.nullish().transform((v) => v ?? null),
    to_platform: Platform.nullish().transform((v) => v ?? null),
    from_unit: z.string().max(64).default(''),
    to_unit: z.string().max(64).default(''),
    // The record id of the same matter on the other platform, when the event links the two.
    counterpart_id: z.string().max(64).default(''),
    note: z.string().max(2000).default(''),
    // Version of this event at the source: a corrected event sent later with a later updated_at
    // replaces the stored one; without it the last one sent wins.
    updated_at: OptTs,
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.type === 'transfer') {
      if (!e.from_platform) ctx.addIssue({ code: 'custom', path: ['from_platform'], message: 'a transfer needs from_platform' })
      if (!e.to_platform) ctx.addIssue({ code: 'custom', path: ['to_platform'], message: 'a transfer needs to_platform' })
      if (e.from_platform && e.from_platform === e.to_platform)
        ctx.addIssue({ code: 'custom', path: ['to_platform'], message: 'a cross-platform transfer must change platform; use unit_transfer' })
    }
  })
export type EventInput = z.input<typeof EventInput>
export type EventParsed = z.output<typeof EventInput>

/** Labels for the UI: Chinese first. */
export const PLATFORM_LABEL: Record<Platform, string> = { '12345': '12345 热线', '110': '110 报警' }
export const KIND_LABEL: Record<Kind, string> = {
  consult: '咨询', help: '求助', complaint: '投诉', report: '举报', suggestion: '建议',
  crime: '违法犯罪', mass_incident: '群体性事件', traffic: '道路交通', public_safety: '治安灾害事故',
  assistance: '群众救助', rescue: '抢险救援', police_complaint: '涉警投诉', non_police: '非警务',
  invalid_alarm: '无效报警', consult_only: '咨询',
}
