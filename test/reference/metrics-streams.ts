// Random streams of records and events for the metrics property test: both platforms, several
// districts, corrections with later updated_at, re-sends, any order, transfers naming records never sent.
// A case is drawn as offsets (minutes) and made concrete in a time slot with an id prefix by build().
import fc from 'fast-check'
import type { RecordInput, EventInput } from '../../model/record'

const MIN = 60_000
const HOUR = 60 * MIN

export const iso = (ms: number) => new Date(ms + 8 * HOUR).toISOString().replace('Z', '+08:00')
const COUNTIES = ['410102', '410103', '410105', '410122']
const SAT = fc.constantFrom('satisfied', 'basically_satisfied', 'unsatisfied') as fc.Arbitrary<'satisfied' | 'basically_satisfied' | 'unsatisfied'>
// Present half the time: records at every stage, with and without the stamps a metric needs.
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 2 }) // nil with probability 1/freq
/** Minutes after a start: near the 110 limit, exactly on a limit, or anywhere over two days. */
const after = fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constantFrom(30, 1440), fc.integer({ min: 0, max: 3000 }))
/** A minute of the 12-hour slot, with the window's edges (120, 600) likely. */
const slotMinute = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 719 }), weight: 4 }, { arbitrary: fc.constantFrom(119, 120, 599, 600), weight: 1 })

/** One snapshot of a record, as offsets; built into a RecordInput once the slot is known. */
const snapshot = (platform: '12345' | '110') => fc.record({
  county: fc.constantFrom(...COUNTIES),
  recv: slotMinute,
  kind: platform === '12345' ? fc.constantFrom('consult', 'complaint') : fc.constantFrom('crime', 'traffic', 'non_police', 'invalid_alarm', 'consult_only'),
  status: fc.constantFrom('received', 'dispatched', 'signed', 'handling', 'replied', 'closed', 'transferred_out'),
  // A quarter are still open (nothing past signing), so limits can be pending or missed.
  open: fc.integer({ min: 0, max: 3 }).map((x) => x === 0),
  dispatched: opt(fc.integer({ min: 0, max: 1500 })),
  // Answered (accepted), minutes after receipt; a caller from a small pool (repeats), or none.
  accepted: opt(fc.integer({ min: 0, max: 20 })),
  caller: opt(fc.integer({ min: 0, max: 3 })),
  response: opt(after),
  arrived: platform === '110' ? opt(after) : fc.constant(null),
  replied: opt(fc.integer({ min: 0, max: 3000 })),
  closed: opt(fc.integer({ min: 0, max: 3000 })),
  // The deadline to close by (on-time closure), minutes after receipt.
  due: opt(after),
  // Signed, minutes after dispatch (near the emergency limit, on the limits, or later); emergencies sign within 15 min.
  signed: opt(fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constantFrom(15, 1440), fc.integer({ min: 0, max: 3000 }))),
  urgency: fc.constantFrom('normal', 'normal', 'emergency'),
  callback: opt(fc.record({ at: opt(fc.integer({ min: 0, max: 4000 })), contacted: fc.boolean(), solved: opt(fc.boolean()), first: opt(SAT), final: opt(SAT) })),
})
type Snapshot = ReturnType<typeof snapshot> extends fc.Arbitrary<infer T> ? T : never

/** A record: its first snapshot, up to two corrections, and how often each is sent. */
const recordArb = fc.constantFrom('12345' as const, '110' as const).chain((platform) =>
  fc.record({ platform: fc.constant(platform), versions: fc.array(snapshot(platform), { minLength: 1, maxLength: 3 }), copies: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 3, maxLength: 3 }) }))

const eventArb = fc.record({
  platform: fc.constantFrom('12345' as const, '110' as const),
  type: fc.constantFrom('transfer', 'transfer', 'transfer', 'transfer', 'accepted', 'returned', 'returned', 'returned', 'redispatched', 'replied', 'closed', 'callback') as
    fc.Arbitrary<'transfer' | 'accepted' | 'returned' | 'redispatched' | 'replied' | 'closed' | 'callback'>,
  receiverReports: fc.integer({ min: 0, max: 9 }).map((x) => x < 2),
  versioned: fc.boolean(),
  // Corrections change when it happened and which record on the other side it names.
  versions: fc.array(fc.record({ at: slotMinute, record: fc.nat(), counterpart: fc.nat() }), { minLength: 1, maxLength: 2 }),
  copies: fc.integer({ min: 1, max: 2 }),
  // A reply, closure or callback is sometimes followed on its record by a re-dispatch this many minutes later (re-handling, 重办).
  redispatchAfter: fc.option(fc.integer({ min: 1, max: 600 }), { nil: null, freq: 4 }),
})

export const caseArb = fc.record({
  records: fc.array(recordArb, { maxLength: 8 }),
  events: fc.array(eventArb, { maxLength: 10 }),
  asOf: fc.oneof(fc.integer({ min: 0, max: 800 }), fc.integer({ min: 0, max: 4000 })), // minutes after the slot starts
  platform: fc.constantFrom(undefined, '12345' as const, '110' as const),
  order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 64, maxLength: 64 }), // send order
  chunks: fc.integer({ min: 1, max: 2 }),
})
export type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never

/** The stream a case sends: records and events with their ids, times and versions made concrete. */
export function build(c: Case, start: number, prefix: string) {
  const m = (x: number) => start + x * MIN
  // Strictly later updated_at for each correction, whatever its content.
  const version = (k: number) => iso(m(5000 * (k + 1)))
  const records: RecordInput[][] = c.records.map((r, i) => r.versions.map((s: Snapshot, k) => {
    const OPEN = ['received', 'dispatched', 'signed']
    const v = s.open ? { ...s, status: OPEN[s.status.length % 3], replied: null, closed: null, callback: null } : s
    const recv = m(v.recv)
    const disp = v.dispatched === null ? null : recv + v.dispatched * MIN
    const ts = (x: number | null, from = recv) => (x === null ? null : iso(from + x * MIN))
    return {
      platform: r.platform, source_id: `${prefix}-${r.platform === '12345' ? 'G' : 'J'}${i}`, updated_at: version(k), channel: 'phone',
      received_at: iso(recv), county_code: v.county, kind: v.kind as RecordInput['kind'], status: v.status as RecordInput['status'],
      dispatched_at: ts(v.dispatched), accepted_at: ts(v.accepted),
      // the case's own numbers (cases never share callers): 13 + slot + caller
      caller_phone: v.caller === null ? null : `13${prefix.slice(1).padStart(7, '0')}${String(v.caller).padStart(2, '0')}`,
      // 12345: first contact counted from dispatch when there is one; 110: from the call
      first_response_at: ts(v.response, r.platform === '12345' && disp !== null ? disp : recv),
      arrived_at: ts(v.arrived), replied_at: ts(v.replied), closed_at: ts(v.closed), due_at: ts(v.due),
      signed_at: disp === null ? null : ts(v.signed, disp), urgency: v.urgency as RecordInput['urgency'],
      callback: v.callback && { at: ts(v.callback.at), contacted: v.callback.contacted, solved: v.callback.solved, satisfaction_first: v.callback.first, satisfaction_final: v.callback.final },
    }
  }))
  const ids = (p: '12345' | '110') => [...records.map((vs) => vs[0]).filter((r) => r.platform === p).map((r) => r.source_id), `${prefix}-X${p}`]
  const events: EventInput[][] = c.events.map((e, i) => {
    const other = e.platform === '12345' ? '110' : '12345'
    const versioned = e.versioned || e.versions.length > 1
    return e.versions.map((v, k) => {
      const recordId = ids(e.platform)[v.record % ids(e.platform).length]
      // A record's own lifecycle events mostly follow its receipt (within 4 hours); transfers happen at any minute of the slot.
      const sent = records.find((vs) => vs[0].source_id === recordId)?.[0]
      const when = e.type !== 'transfer' && sent && v.at % 5 !== 0 ? Date.parse(sent.received_at) + (v.at % 240) * MIN : m(v.at)
      const base: EventInput = { event_id: `${prefix}-E${i}`, platform: e.platform, record_id: recordId, type: e.type, at: iso(when) }
      if (versioned) base.updated_at = version(k)
      if (e.type !== 'transfer') return base
      const names = [...ids(other), '']
      // Most transfers are reported by the sender; some by the receiver (not a second transfer).
      return { ...base, from_platform: e.receiverReports ? other : e.platform, to_platform: e.receiverReports ? e.platform : other, counterpart_id: names[v.counterpart % names.length] }
    })
  })
  // Every version sent once or twice, all in a shuffled order: stale versions may arrive last.
  const shuffle = <T>(xs: T[]) => xs.map((x, i) => ({ x, k: c.order[i % c.order.length] + i * 1e-9 })).sort((a, b) => a.k - b.k).map((y) => y.x)
  const recSends = shuffle(records.flatMap((vs, i) => vs.flatMap((v, k) => Array<RecordInput>(c.records[i].copies[k]).fill(v))))
  // (the follow-up re-dispatch goes with the event's first version, sent once)
  const followUps: EventInput[] = c.events.flatMap((e, i) => {
    const first = events[i][0]
    if (e.redispatchAfter === null || !['replied', 'closed', 'callback'].includes(e.type)) return []
    return [{ event_id: `${prefix}-E${i}R`, platform: first.platform, record_id: first.record_id, type: 'redispatched' as const, at: iso(Date.parse(first.at) + e.redispatchAfter * MIN) }]
  })
  const evSends = shuffle([...events.flatMap((vs, i) => vs.flatMap((v) => Array<EventInput>(c.events[i].copies).fill(v))), ...followUps])
  return { recSends, evSends }
}
