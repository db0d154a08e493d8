// A small reference implementation of the metrics, written from the policies' words (GET
// /api/metrics/definitions → policies, README "Metrics"), not from the SQL: plain loops over what was
// sent. The property test compares the API with it.
import type { RecordInput, EventInput } from '../../model/record'

export interface RefSettings {
  lim12345: number; lim110: number; exclude110: string[]; minCoverage: number; signLim?: number; signLimE?: number
  /** Area class by county code (unlisted: rural) and the arrival limits from dispatch, minutes. */
  areaClasses: Record<string, 'urban' | 'suburban' | 'rural'>; arriveLim: { urban: number; suburban: number; rural: number }
  /** Repeat spans, hours. */
  repeat12345H: number; repeat110H: number
}
/** What a record's events and its caller's other records say (computed from everything stored). */
interface RecordFacts { returned: boolean; rehandled: boolean; repeat: boolean }
/** What a transfer's counterpart record and later transfers say. */
interface EventFacts { cp: RecordInput | undefined; cameBack: boolean; sender: RecordInput | undefined }
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
const SEC = 1000
const secs = (a: number, b: number) => Math.floor((b - a) / SEC)
const tally = (): Tally => ({ n: 0, d: 0, nr: 0, p: 0 })

/**
 * Every metric over the given records (already in the window and filter) and events (likewise, each
 * marked whether it sends a record back), by metric id.
 */
function compute(records: RecordInput[], events: { e: EventInput; bounce: boolean }[], s: RefSettings, asOf: number,
  rf: (r: RecordInput) => RecordFacts, ef: (e: EventInput) => EventFacts): Map<string, RefValue> {
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
  const own = ['ontime_signing_rate_12345', 'ontime_closure_rate_12345', 'direct_answer_rate_12345', 'non_police_share_110', 'diversion_rate_110',
    'answer_time_110', 'dispatch_time_110', 'arrive_time_110', 'ontime_arrival_rate_110', 'close_time_110', 'reply_time_12345', 'ontime_reply_rate_12345',
    'return_rate_12345', 'rehandle_rate_12345', 'repeat_appeal_rate_12345', 'repeat_alarm_rate_110', 'backflow_rate_110', 'handover_time_110',
    ...['bounce_rate', 'closed_loop_rate', 'transfer_sign_time'].flatMap((b) => [b, `${b}_12345`, `${b}_110`])]
  for (const id of own) rates.set(id, tally())
  const R = (id: string) => rates.get(id)!
  /** A duration: measured (adds its seconds), not recorded, or pending. */
  const dur = (id: string, x: { sec: number } | 'nr' | 'p') => {
    const y = R(id)
    if (x === 'nr') y.nr++
    else if (x === 'p') y.p++
    else { y.d++; y.n += x.sec }
  }
  for (const { e, bounce } of events) {
    if (!isTransferOut(e)) continue
    const at = t(e.at)!
    const { cp, cameBack, sender } = ef(e)
    for (const id of [e.platform, 'both'].map((pl) => (pl === 'both' ? '' : `_${pl}`))) {
      // Bounce rate: bounce transfers / transfers, by sender.
      const b = R(`bounce_rate${id}`)
      b.d++
      if (bounce) b.n++
      // Closed loop: the counterpart fed a result back (reply, else closure) by as_of; unknown counterpart,
      // answered by status without a time, or a result before the transfer: not recorded.
      const fb = cp ? t(cp.replied_at) ?? t(cp.closed_at) : null
      const c = R(`closed_loop_rate${id}`)
      if (!cp || (fb === null && (cp.status === 'replied' || cp.status === 'closed')) || (fb !== null && fb < at)) c.nr++
      else { c.d++; if (fb !== null && fb <= asOf) c.n++ }
      // Transfer→sign: to the counterpart's accepted_at.
      const acc = cp ? t(cp.accepted_at) : null
      dur(`transfer_sign_time${id}`, !cp ? 'nr' : acc !== null ? (acc >= at ? { sec: secs(at, acc) } : 'nr') : pastReceipt(cp) ? 'nr' : 'p')
    }
    // 回流: a 110 transfer to 12345 whose counterpart later sent one to 110.
    if (e.platform === '110' && e.to_platform === '12345') {
      const x = R('backflow_rate_110')
      if (!e.counterpart_id) x.nr++
      else { x.d++; if (cameBack) x.n++ }
      // Call→handover: from the sending call's receipt.
      const recv = sender ? t(sender.received_at)! : null
      dur('handover_time_110', recv !== null && at >= recv ? { sec: secs(recv, at) } : 'nr')
    }
  }
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
    const movedOn = ['handling', 'replied', 'closed'].includes(r.status) || r.replied_at != null || r.closed_at != null || r.callback?.at != null
    const facts = rf(r)
    if (r.platform === '110') {
      const recv = t(r.received_at)!, acc = t(r.accepted_at), disp = t(r.dispatched_at), arr = t(r.arrived_at), closed = t(r.closed_at)
      // Answer: the call to its answer, every call.
      dur('answer_time_110', acc !== null && acc >= recv ? { sec: secs(recv, acc) } : acc === null && !pastReceipt(r) ? 'p' : 'nr')
      // Answer→dispatch: calls police were sent to (dispatched or arrived).
      if (disp !== null || arr !== null) dur('dispatch_time_110', acc !== null && disp !== null && disp >= acc ? { sec: secs(acc, disp) } : 'nr')
      if (disp !== null) {
        // Dispatch→arrive and on-time arrival by the place's class; handed-over calls included.
        const gone = movedOn || r.status === 'transferred_out'
        const ok = arr !== null && arr >= disp
        const deadline = disp + s.arriveLim[s.areaClasses[r.county_code] ?? 'rural'] * MIN
        const x = R('ontime_arrival_rate_110')
        if (ok) { dur('arrive_time_110', { sec: secs(disp, arr!) }); x.d++; if (arr! <= deadline) x.n++ }
        else if (arr !== null || gone) { dur('arrive_time_110', 'nr'); x.nr++ } // before dispatch, or moved on without arriving
        else { dur('arrive_time_110', 'p'); if (deadline <= asOf) x.d++; else x.p++ } // still to come: late once past the limit
      }
      // Arrive→close: attended calls not handed over.
      if (arr !== null && !handedOver) dur('close_time_110', closed !== null ? (closed >= arr ? { sec: secs(arr, closed) } : 'nr') : r.status === 'closed' ? 'nr' : 'p')
    }
    if (r.platform === '12345') {
      // Returns: dispatched orders (handed over or not) with a returned event.
      if (r.dispatched_at != null) { const x = R('return_rate_12345'); x.d++; if (facts.returned) x.n++ }
    }
    // Repeat callers: every record with a caller number; without one not recorded.
    {
      const x = R(r.platform === '12345' ? 'repeat_appeal_rate_12345' : 'repeat_alarm_rate_110')
      if (!callerKey(r)) x.nr++
      else { x.d++; if (facts.repeat) x.n++ }
    }
    if (r.platform === '12345' && !handedOver) {
      const recv = t(r.received_at)!, rep = t(r.replied_at)
      const noStamp = r.status === 'replied' || r.status === 'closed' || r.closed_at != null || r.callback?.at != null
      // Reply time from receipt; on-time reply against due_at.
      dur('reply_time_12345', rep !== null ? { sec: secs(recv, rep) } : noStamp ? 'nr' : 'p')
      if (r.due_at != null) {
        const due = t(r.due_at)!
        const x = R('ontime_reply_rate_12345')
        if (rep !== null) { x.d++; if (rep <= due) x.n++ }
        else if (noStamp) x.nr++
        else if (due <= asOf) x.d++
        else x.p++
      }
      // Re-handling: answered orders re-dispatched after an earlier answer or callback event.
      const answeredAny = r.replied_at != null || r.closed_at != null || r.status === 'replied' || r.status === 'closed'
      if (answeredAny) { const x = R('rehandle_rate_12345'); x.d++; if (facts.rehandled) x.n++ }
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
    const isResponse = WITH_COVERAGE.test(id) // (the rates with a coverage)
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

const WITH_COVERAGE = /^(response_rate|ontime_|closed_loop_rate|repeat_|backflow_rate|.*_time(_|$))/ // (…_time: every duration)

/** Past receipt: any status but received, or any stamp after it. */
function pastReceipt(r: RecordInput): boolean {
  return r.status !== 'received' || [r.dispatched_at, r.signed_at, r.first_response_at, r.arrived_at, r.replied_at, r.closed_at, r.callback?.at].some((x) => x != null)
}
/** The caller as stored: its number's digits (the server keeps a keyed hash of the same), '' without one. */
function callerKey(r: RecordInput): string {
  let d = (r.caller_phone ?? '').replace(/\D/g, '')
  if (d.startsWith('0086')) d = d.slice(4)
  else if (d.startsWith('86') && d.length === 13) d = d.slice(2)
  return d
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
  // Per record: its events at or after its receipt and by as_of; its caller's earlier records on the platform.
  const evsOf = new Map<string, EventInput[]>()
  for (const e of evs) { const k = `${e.platform}|${e.record_id}`; (evsOf.get(k) ?? evsOf.set(k, []).get(k)!).push(e) }
  const recordFacts = (r: RecordInput): RecordFacts => {
    const recv = t(r.received_at)!
    const mine = (evsOf.get(`${r.platform}|${r.source_id}`) ?? []).filter((e) => t(e.at)! >= recv && t(e.at)! <= q.asOf)
    const answers = mine.filter((e) => e.type === 'replied' || e.type === 'closed' || e.type === 'callback').map((e) => t(e.at)!)
    const rehandled = mine.some((e) => e.type === 'redispatched' && answers.some((a) => a < t(e.at)!))
    const key = callerKey(r), span = (r.platform === '110' ? s.repeat110H : s.repeat12345H) * 3_600_000
    const repeat = key !== '' && recs.some((o) => o !== r && o.platform === r.platform && callerKey(o) === key
      && (t(o.received_at)! < recv || (t(o.received_at)! === recv && o.source_id < r.source_id)) && recv - t(o.received_at)! <= span)
    return { returned: mine.some((e) => e.type === 'returned'), rehandled, repeat }
  }
  const eventFacts = (e: EventInput): EventFacts => ({
    cp: e.counterpart_id ? byKeyAll.get(`${e.to_platform}|${e.counterpart_id}`) : undefined,
    cameBack: !!e.counterpart_id && arrivals.some((f) => f.platform === '12345' && f.to_platform === '110' && f.record_id === e.counterpart_id
      && t(f.at)! > t(e.at)! && t(f.at)! <= q.asOf),
    sender: byKeyAll.get(`${e.platform}|${e.record_id}`),
  })
  const known = new Set(counties)
  const regionOf = (county: string | undefined) => (county && known.has(county) ? county : UNKNOWN)
  const byKey = new Map(recs.map((r) => [`${r.platform}|${r.source_id}`, r]))
  const byKeyAll = byKey
  const regions = new Map<string, Map<string, RefValue>>()
  for (const code of [...counties, UNKNOWN])
    regions.set(code, compute(
      records.filter((r) => regionOf(r.county_code) === code),
      events.filter(({ e }) => regionOf(byKey.get(`${e.platform}|${e.record_id}`)?.county_code) === code),
      s, q.asOf, recordFacts, eventFacts))
  return { total: compute(records, events, s, q.asOf, recordFacts, eventFacts), regions }
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
