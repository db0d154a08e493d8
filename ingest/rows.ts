// Converts validated input into ClickHouse rows: times as Asia/Shanghai wall-clock strings with ms,
// caller numbers as keyed hashes, free text masked.
import type { RecordParsed, EventParsed } from '../model/record'
import { callerKey, maskText } from './privacy'

const SHANGHAI_OFFSET_MS = 8 * 3600_000 // Asia/Shanghai has no daylight saving time.

const DAY_MS = 86_400_000
const pad2 = (n: number) => (n < 10 ? '0' : '') + n
const pad3 = (n: number) => (n < 10 ? '00' : n < 100 ? '0' : '') + n
// Formatting dates is a large share of converting a record (a dozen timestamps each): the date part
// is remembered per day and the time of day computed with integer arithmetic.
let cachedDay = NaN
let cachedDate = ''

/** Epoch ms → 'YYYY-MM-DD hh:mm:ss.sss' in Asia/Shanghai, the form DateTime64(3,'Asia/Shanghai') reads. */
export function chTime(ms: number): string
export function chTime(ms: number | null): string | null
export function chTime(ms: number | null): string | null {
  if (ms === null) return null
  const local = ms + SHANGHAI_OFFSET_MS
  const day = Math.floor(local / DAY_MS)
  if (day !== cachedDay) {
    cachedDay = day
    cachedDate = new Date(day * DAY_MS).toISOString().slice(0, 10)
  }
  let r = local - day * DAY_MS
  const h = Math.floor(r / 3_600_000)
  r -= h * 3_600_000
  const m = Math.floor(r / 60_000)
  r -= m * 60_000
  const s = Math.floor(r / 1000)
  return `${cachedDate} ${pad2(h)}:${pad2(m)}:${pad2(s)}.${pad3(r - s * 1000)}`
}

export function recordRow(r: RecordParsed, secret: string) {
  const cb = r.callback
  return {
    platform: r.platform,
    source_id: r.source_id,
    version: chTime(r.updated_at),
    channel: r.channel,
    received_at: chTime(r.received_at),
    county_code: r.county_code,
    town_code: r.town_code ?? '',
    lat: r.lat,
    lon: r.lon,
    source_category: r.source_category,
    category_code: r.category_code,
    kind: r.kind,
    urgency: r.urgency,
    title: maskText(r.title),
    content: maskText(r.content),
    caller_key: callerKey(secret, r.caller_phone),
    unit_code: r.unit_code,
    due_at: chTime(r.due_at),
    status: r.status,
    accepted_at: chTime(r.accepted_at),
    dispatched_at: chTime(r.dispatched_at),
    signed_at: chTime(r.signed_at),
    first_response_at: chTime(r.first_response_at),
    arrived_at: chTime(r.arrived_at),
    replied_at: chTime(r.replied_at),
    closed_at: chTime(r.closed_at),
    callback_at: chTime(cb?.at ?? null),
    callback_contacted: cb ? (cb.contacted ? 1 : 0) : null,
    callback_solved: cb?.solved == null ? null : cb.solved ? 1 : 0,
    satisfaction_first: cb?.satisfaction_first ?? null,
    satisfaction_final: cb?.satisfaction_final ?? null,
    confidential: r.confidential ? 1 : 0,
    is_deleted: 0,
  }
}
export type RecordRow = ReturnType<typeof recordRow>

// Epoch 0 in Asia/Shanghai, as a constant: formatting it would evict chTime's cached day on every event.
const NO_VERSION = '1970-01-01 08:00:00.000'

export function eventRow(e: EventParsed) {
  return {
    platform: e.platform,
    event_id: e.event_id,
    record_id: e.record_id,
    type: e.type,
    at: chTime(e.at),
    from_platform: e.from_platform ?? '',
    to_platform: e.to_platform ?? '',
    from_unit: e.from_unit,
    to_unit: e.to_unit,
    counterpart_id: e.counterpart_id,
    note: maskText(e.note),
    // The source's version of the event when it sends one; else 0, and the last one sent wins.
    version: e.updated_at === null ? NO_VERSION : chTime(e.updated_at),
    is_deleted: 0,
  }
}
export type EventRow = ReturnType<typeof eventRow>
