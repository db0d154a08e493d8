// A small reference implementation of the metrics, written from the policies' words (GET
// /api/metrics/definitions → policies, README "Metrics"), not from the SQL: plain loops over what was
// sent. The property test compares the API with it.
import type { RecordInput, EventInput } from '../../model/record'

export interface RefSettings { lim12345: number; lim110: number; exclude110: string[]; minCoverage: number; signLim?: number; signLimE?: number }
export interface RefQuery { from: number; to: number; asOf: number; platform?: '12345' | '110' }
export interface RefValue {
  value: number | null
  numerator: number
  denominator: number | null
  coverage: { judged: number; measured: number; not_recorded: number; pending: number } | null
}

const t = (s: string | null | undefined): number | null => (s == null ? null : Date.parse(s))
const MIN = 60_000

/** What is stored: per key the version with the latest updated_at; of equal ones, the last sent. */
function latest<T>(sent: T[], key: (x: T) => string, version: (x: T) => number): Map<string, T> {
  const out = new Map<string, T>()
  for (const x of sent) {
    const k = key(x), cur = out.get(k)
    if (!cur || version(x) >= version(cur)) out.set(k, x)
  }
  return out
}
export const storedRecords = (sent: RecordInput[]) => latest(sent, (r) => `${r.platform}|${r.source_id}`, (r) => t(r.updated_at)!)
export const storedEvents = (sent: EventInput[]) => latest(sent, (e) => `${e.platform}|${e.event_id}`, (e) => t(e.updated_at) ?? 0)

/** A transfer counts once: on the event its sending platform reports. */
const isTransferOut = (e: EventInput) => e.type === 'transfer' && e.platform === e.from_platform

interface Tally { n: number; d: number; nr: number; p: number }
const tally = (): Tally => ({ n: 0, d: 0, nr: 0, p: 0 })

/**
 * Every metric over the given records (already in the window and filter) and events (likewise, each
 * marked whether it sends a record back), by metric id.
 */
function compute(records: RecordInput[], events: { e: EventInput; bounce: boolean }[], s: RefSettings, asOf: number): Map<string, RefValue> {
  const counts = new Map<string, number>()
  const count = (id: string, k = 1) => counts.set(id, (counts.get(id) ?? 0) + k)
  for (const id of ['volume_12345', 'volume_110', 'transfers_to_110', 'transfers_to_12345', 'bounce_transfers', 'bounced_records']) count(id, 0)
  for (const r of records) count(`volume_${r.platform}`)
  const bounced = new Set<string>()
  for (const { e, bounce } of events) {
    if (!isTransferOut(e)) continue
    count(e.from_platform === '12345' ? 'transfers_to_110' : 'transfers_to_12345')
    if (bounce) { count('bounce_transfers'); bounced.add(`${e.platform}|${e.record_id}`) }
  }
  count('bounced_records', bounced.size)

  const rates = new Map<string, Tally>()
  const add = (base: string, platform: string, f: (x: Tally) => void) => {
    for (const id of [base, `${base}_${platform}`]) { if (!rates.has(id)) rates.set(id, tally()); f(rates.get(id)!) }
  }
  for (const base of ['response_rate', 'resolution_rate', 'satisfaction_rate', 'satisfaction_first_rate'])
    for (const id of [base, `${base}_12345`, `${base}_110`]) rates.set(id, tally())
  const own = ['ontime_signing_rate_12345', 'ontime_closure_rate_12345', 'direct_answer_rate_12345', 'non_police_share_110', 'diversion_rate_110']
  for (const id of own) rates.set(id, tally())
  const good = (x: string | null | undefined) => x === 'satisfied' || x === 'basically_satisfied'
  for (const r of records) {
    const handedOver = r.status === 'transferred_out'
    // 110: the non-police share of all calls; of non-police calls, those handed to 12345 (diverted).
    if (r.platform === '110') {
      const share = rates.get('non_police_share_110')!
      share.d++
      if (r.kind === 'non_police') {
        share.n++
        const div = rates.get('diversion_rate_110')!
        div.d++
        if (handedOver) div.n++
      }
    }
    if (r.platform === '12345' && !handedOver) {
      // Direct answers: replied to or closed without being dispatched; undecided orders left out.
      const answered = r.replied_at != null || r.closed_at != null || r.status === 'replied' || r.status === 'closed'
      const direct = rates.get('direct_answer_rate_12345')!
      if (r.dispatched_at != null) direct.d++
      else if (answered) { direct.d++; direct.n++ }
      // On-time signing: from dispatch, within the limit (shorter for emergencies).
      if (r.dispatched_at != null) {
        const deadline = t(r.dispatched_at)! + (r.urgency === 'emergency' ? s.signLimE ?? 15 : s.signLim ?? 1440) * MIN
        const signed = t(r.signed_at)
        const movedOn = ['handling', 'replied', 'closed'].includes(r.status) || r.replied_at != null || r.closed_at != null || r.callback?.at != null
        const x = rates.get('ontime_signing_rate_12345')!
        if (signed !== null) { x.d++; if (signed <= deadline) x.n++ } // signed: on time or late
        else if (r.status === 'signed' || movedOn) x.nr++ // signed or moved on without a signing time: not recorded
        else if (deadline <= asOf) x.d++ // still unsigned past the limit: late
        else x.p++ // unsigned within the limit: pending
      }
      // On-time closure against the record's own due_at.
      if (r.due_at != null) {
        const due = t(r.due_at)!, closed = t(r.closed_at)
        const c = rates.get('ontime_closure_rate_12345')!
        if (closed !== null) { c.d++; if (closed <= due) c.n++ } // closed: on time or late
        else if (r.status === 'closed') c.nr++ // closed without a closing time: not recorded
        else if (due <= asOf) c.d++ // still open past due: overdue, a miss
        else c.p++ // still open before due: pending
      }
    }
    // Response scope: 12345 orders dispatched to a unit; 110 calls except excluded kinds no police were sent to.
    const judged = !handedOver && (r.platform === '12345'
      ? r.dispatched_at != null
      : !(s.exclude110.includes(r.kind) && r.dispatched_at == null && r.arrived_at == null))
    if (judged) {
      const resp = r.platform === '12345' ? t(r.first_response_at) : t(r.first_response_at) ?? t(r.arrived_at)
      const start = r.platform === '12345' ? t(r.dispatched_at)! : t(r.received_at)!
      const deadline = start + (r.platform === '12345' ? s.lim12345 : s.lim110) * MIN
      const movedOn = ['handling', 'replied', 'closed'].includes(r.status) || r.replied_at != null || r.closed_at != null || r.callback?.at != null
      add('response_rate', r.platform, (x) => {
        if (resp !== null) { x.d++; if (resp <= deadline) x.n++ } // responded: on time or late
        else if (movedOn) x.nr++ // moved on without a response time: not recorded
        else if (deadline <= asOf) x.d++ // still open past the limit: a miss
        else x.p++ // still open within the limit: pending
      })
    }
    // Only answers from callbacks that reached the citizen; records handed over are left out.
    const cb = r.callback
    if (handedOver || !cb || !cb.contacted) continue
    if (cb.solved != null) add('resolution_rate', r.platform, (x) => { x.d++; if (cb.solved) x.n++ })
    if (cb.satisfaction_final != null) add('satisfaction_rate', r.platform, (x) => { x.d++; if (good(cb.satisfaction_final)) x.n++ })
    if (cb.satisfaction_first != null) add('satisfaction_first_rate', r.platform, (x) => { x.d++; if (good(cb.satisfaction_first)) x.n++ })
  }

  const out = new Map<string, RefValue>()
  for (const [id, n] of counts) out.set(id, { value: n, numerator: n, denominator: null, coverage: null })
  for (const [id, x] of rates) {
    const isResponse = id.startsWith('response_rate') || id === 'ontime_closure_rate_12345' || id === 'ontime_signing_rate_12345' // (the rates with a coverage)
    const ratio = x.d + x.nr > 0 ? x.d / (x.d + x.nr) : null
    // No data below the coverage minimum, or with nothing to judge.
    const value = isResponse && ratio !== null && ratio < s.minCoverage ? null : x.d === 0 ? null : x.n / x.d
    out.set(id, {
      value, numerator: x.n, denominator: x.d,
      coverage: isResponse ? { judged: x.d + x.nr + x.p, measured: x.d, not_recorded: x.nr, pending: x.p } : null,
    })
  }
  return out
}

export const UNKNOWN = 'unknown'

/**
 * Overview and per-region values. Records belong to their county, events to the county of the record
 * they were sent from (any time); unknown senders and counties outside `counties` belong to UNKNOWN.
 */
export function referenceMetrics(sentRecords: RecordInput[], sentEvents: EventInput[], q: RefQuery, s: RefSettings, counties: string[]) {
  const recs = [...storedRecords(sentRecords).values()]
  const evs = [...storedEvents(sentEvents).values()]
  const inWindow = (x: number) => x >= q.from && x < q.to
  const records = recs.filter((r) => inWindow(t(r.received_at)!) && (!q.platform || r.platform === q.platform))
  // A transfer sends a record back when that record had earlier arrived by a transfer from the other platform.
  const arrivals = evs.filter(isTransferOut)
  const events = evs
    .filter((e) => inWindow(t(e.at)!) && (!q.platform || e.platform === q.platform))
    .map((e) => ({ e, bounce: isTransferOut(e) && arrivals.some((a) => a.to_platform === e.platform && a.counterpart_id === e.record_id && t(a.at)! < t(e.at)!) }))
  const known = new Set(counties)
  const regionOf = (county: string | undefined) => (county && known.has(county) ? county : UNKNOWN)
  const byKey = new Map(recs.map((r) => [`${r.platform}|${r.source_id}`, r]))
  const regions = new Map<string, Map<string, RefValue>>()
  for (const code of [...counties, UNKNOWN])
    regions.set(code, compute(
      records.filter((r) => regionOf(r.county_code) === code),
      events.filter(({ e }) => regionOf(byKey.get(`${e.platform}|${e.record_id}`)?.county_code) === code),
      s, q.asOf))
  return { total: compute(records, events, s, q.asOf), regions }
}

/** Per Shanghai day in the window: volumes and transfers each way (the overview's trend). */
export function referenceTrend(sentRecords: RecordInput[], sentEvents: EventInput[], q: RefQuery) {
  const day = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10)
  const out = new Map<string, { volume_12345: number; volume_110: number; transfers_to_110: number; transfers_to_12345: number }>()
  const at = (d: string) => out.get(d) ?? out.set(d, { volume_12345: 0, volume_110: 0, transfers_to_110: 0, transfers_to_12345: 0 }).get(d)!
  for (const r of storedRecords(sentRecords).values()) {
    const x = t(r.received_at)!
    if (x >= q.from && x < q.to && (!q.platform || r.platform === q.platform)) at(day(x))[`volume_${r.platform}`]++
  }
  for (const e of storedEvents(sentEvents).values()) {
    const x = t(e.at)!
    if (x >= q.from && x < q.to && (!q.platform || e.platform === q.platform) && isTransferOut(e))
      at(day(x))[e.from_platform === '12345' ? 'transfers_to_110' : 'transfers_to_12345']++
  }
  return out
}
