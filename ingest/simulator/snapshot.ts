// Reading a planned record at an instant: what its platform would report at time t.
// Pure functions of the plan, so re-sending gives the same snapshot and the same event ids.
import type { EventInput, RecordInput } from '../../model/record'
import { type MatterPlan, type RecordPlan, type StampField } from './matter'
import { TZ_OFFSET_MS } from './rhythm'

/** ISO 8601 in Asia/Shanghai with milliseconds, e.g. 2026-11-25T09:30:00.120+08:00. */
export function fmt(ms: number): string {
  return new Date(ms + TZ_OFFSET_MS).toISOString().replace('Z', '+08:00')
}


const STAMPS: StampField[] = ['accepted_at', 'dispatched_at', 'signed_at', 'first_response_at', 'arrived_at', 'replied_at', 'closed_at']

function lastAtOrBefore<T extends { at: number }>(list: T[], t: number): T | undefined {
  let found: T | undefined
  for (const x of list) {
    if (x.at > t) break
    found = x
  }
  return found
}

/** The record as known at time t, or null if it does not exist yet. */
export function recordAt(plan: RecordPlan, t: number): RecordInput | null {
  const f = plan.fixed
  if (t < f.received_at) return null
  let updated = f.received_at
  for (const c of plan.changes) {
    if (c > t) break
    updated = c
  }
  const stamp = (k: StampField) => {
    const v = plan.stamps[k]
    return v !== undefined && v <= t ? fmt(v) : null
  }
  const r: RecordInput = {
    platform: plan.platform,
    source_id: plan.source_id,
    updated_at: fmt(updated),
    channel: f.channel,
    received_at: fmt(f.received_at),
    county_code: f.county_code,
    town_code: f.town_code,
    lat: f.lat,
    lon: f.lon,
    source_category: f.source_category,
    category_code: f.category_code,
    kind: f.kind as RecordInput['kind'],
    urgency: f.urgency,
    title: f.title,
    content: f.content,
    caller_phone: f.caller_phone,
    unit_code: lastAtOrBefore(plan.units, t)!.code,
    due_at: f.due_at !== null ? fmt(f.due_at) : null,
    status: lastAtOrBefore(plan.statuses, t)!.status,
    accepted_at: null,
    dispatched_at: null,
    signed_at: null,
    first_response_at: null,
    arrived_at: null,
    replied_at: null,
    closed_at: null,
    callback: null,
  }
  for (const k of STAMPS) r[k] = stamp(k)
  const cb = plan.callback
  if (cb && cb.at <= t) {
    const fin = cb.final && cb.final.at <= t ? cb.final : null
    r.callback = {
      at: fmt(fin ? fin.at : cb.at), // the latest callback made so far
      contacted: cb.contacted,
      solved: fin ? fin.solved : cb.solved,
      satisfaction_first: cb.first,
      // With a second callback planned, the final word is unknown until it happens.
      satisfaction_final: fin ? fin.satisfaction : cb.final ? null : cb.first,
    }
  }
  return r
}

/** Events of the record with t0 < at <= t1; ids are stable: record id + type + occurrence number. */
export function eventsBetween(plan: RecordPlan, t0: number, t1: number): EventInput[] {
  const out: EventInput[] = []
  const seen = new Map<string, number>()
  for (const e of plan.events) {
    const n = (seen.get(e.type) ?? 0) + 1
    seen.set(e.type, n)
    if (e.at <= t0) continue
    if (e.at > t1) break
    const ev: EventInput = {
      event_id: `${plan.source_id}:${e.type}:${n}`,
      platform: plan.platform,
      record_id: plan.source_id,
      type: e.type,
      at: fmt(e.at),
    }
    if (e.from_platform) ev.from_platform = e.from_platform
    if (e.to_platform) ev.to_platform = e.to_platform
    if (e.from_unit) ev.from_unit = e.from_unit
    if (e.to_unit) ev.to_unit = e.to_unit
    if (e.counterpart_id) ev.counterpart_id = e.counterpart_id
    if (e.note) ev.note = e.note
    out.push(ev)
  }
  return out
}

/** Snapshots of the matter's records that changed in (t0, t1], as of t1, and their events. */
export function matterChanges(m: MatterPlan, t0: number, t1: number): { records: RecordInput[]; events: EventInput[] } {
  const records: RecordInput[] = []
  const events: EventInput[] = []
  for (const p of m.records) {
    if (p.changes.some((c) => c > t0 && c <= t1)) {
      const r = recordAt(p, t1)
      if (r) records.push(r)
    }
    events.push(...eventsBetween(p, t0, t1))
  }
  return { records, events }
}
