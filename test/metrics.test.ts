// Metrics over hand-made days whose values were worked out by hand; an evaluator's recomputation.
// knownDay() (test/helpers/fixtures.ts) is the everyday case; decisionsDay() below has one record or
// event per definition decision (issue 5, section C), each commented with why it counts as it does.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestApp, post, getJson, ndjson, type TestApp } from './helpers/app'
import { knownDay, KNOWN, record, at, transfer, shanghaiDate, testNow } from './helpers/fixtures'
import { Overview, ByRegion, Breakdown, Series, Definitions, Trace, Bounces, UNKNOWN_REGION, type MetricValue } from '../model/api'
import { Reference } from '../ingest/reference'
import type { RecordInput, EventInput } from '../model/record'
import { MetricsQueries, seriesBuckets } from '../analytics/metrics/queries'
import { parseWindow } from '../analytics/metrics/window'
import { loadConfig } from '../config'
import { DEFAULT_AREA_CLASSES, isExtended, metricDefs } from '../analytics/metrics/definitions'

const { prev: D0, day: D1, next: D2 } = KNOWN
/** Every limit of knownDay() has passed at this instant. */
const AS_OF = new Date(testNow()).toISOString()
const asOf = (iso: string) => `as_of=${encodeURIComponent(iso)}`
const parts = (m: MetricValue) => [m.numerator, m.denominator]

// The decisions day, far from KNOWN's window; judged at ASX unless said otherwise.
const DX = shanghaiDate(-20), DX1 = shanghaiDate(-19), DX2 = shanghaiDate(-18)
const ASX = at(`${DX1}T10:00`)
const ASX_LATER = at(`${DX2}T13:00`)
// A "dispatch log" day: times of response never exported.
const DY = shanghaiDate(-22)

function decisionsDay(): { records: RecordInput[]; events: EventInput[] } {
  const d = DX
  const p110 = { platform: '110' as const, county_code: '410103' }
  const closed = (received: string, m: number) => ({ received_at: at(received), updated_at: at(received, m), status: 'closed' as const, closed_at: at(received, m) })
  const records: RecordInput[] = [
    // 110 scope: closed without police action, kinds excluded by RESPONSE_EXCLUDE_110_KINDS → not judged
    record({ source_id: 'DX-J-INV', ...p110, kind: 'invalid_alarm', ...closed(`${d}T08:00`, 42), first_response_at: at(`${d}T08:00`, 40), replied_at: at(`${d}T08:00`, 41) }),
    record({ source_id: 'DX-J-CONS', ...p110, kind: 'consult_only', ...closed(`${d}T08:05`, 3), replied_at: at(`${d}T08:05`, 2) }),
    // non-police, but police were sent: judged (late: on scene after 50 min)
    record({ source_id: 'DX-J-NP', ...p110, kind: 'non_police', ...closed(`${d}T08:10`, 110), dispatched_at: at(`${d}T08:10`, 1), arrived_at: at(`${d}T08:10`, 50) }),
    // on time
    record({ source_id: 'DX-J-OK1', ...p110, kind: 'crime', ...closed(`${d}T09:00`, 60), arrived_at: at(`${d}T09:00`, 10) }),
    record({ source_id: 'DX-J-OK2', ...p110, kind: 'traffic', ...closed(`${d}T09:30`, 60), first_response_at: at(`${d}T09:30`, 5) }),
    // closed with no response or arrival time: not recorded, not late
    record({ source_id: 'DX-J-NOSTAMP', ...p110, kind: 'traffic', ...closed(`${d}T10:00`, 60) }),
    // still open, dispatched, past the limit, no response: a miss
    record({ source_id: 'DX-J-OPEN', ...p110, kind: 'crime', received_at: at(`${d}T10:30`), updated_at: at(`${d}T10:31`), status: 'dispatched', dispatched_at: at(`${d}T10:31`) }),
    // 12345: four on time
    ...[1, 2, 3, 4].map((i) => record({ source_id: `DX-G-OK${i}`, received_at: at(`${d}T09:00`), updated_at: at(`${d}T10:00`), status: 'handling',
      dispatched_at: at(`${d}T09:10`), first_response_at: at(`${d}T10:00`) })),
    // dispatched at 12:00, limit at 12:00 the next day: pending at ASX, a miss at ASX_LATER
    record({ source_id: 'DX-G-PEND', received_at: at(`${d}T11:00`), updated_at: at(`${d}T12:00`), status: 'dispatched', dispatched_at: at(`${d}T12:00`) }),
    // replied and closed without a recorded first contact: not recorded
    record({ source_id: 'DX-G-REPLIED', received_at: at(`${d}T11:30`), updated_at: at(`${d}T16:00`), status: 'closed', dispatched_at: at(`${d}T11:40`),
      replied_at: at(`${d}T15:00`), closed_at: at(`${d}T16:00`) }),
    // callbacks: a rating from a call that never reached the citizen does not count
    record({ source_id: 'DX-G-CB-MISS', kind: 'consult', received_at: at(`${d}T13:00`), updated_at: at(`${d}T14:00`), status: 'closed', replied_at: at(`${d}T13:05`), closed_at: at(`${d}T13:06`),
      callback: { at: at(`${d}T14:00`), contacted: false, solved: false, satisfaction_first: 'unsatisfied', satisfaction_final: 'unsatisfied' } }),
    record({ source_id: 'DX-G-CB-OK', kind: 'consult', received_at: at(`${d}T13:00`), updated_at: at(`${d}T14:00`), status: 'closed', replied_at: at(`${d}T13:05`), closed_at: at(`${d}T13:06`),
      callback: { at: at(`${d}T14:00`), contacted: true, solved: true, satisfaction_first: 'satisfied', satisfaction_final: 'satisfied' } }),
    // a matter sent back and forth (both handed over, so neither is judged on response)
    record({ source_id: 'DX-G-P', received_at: at(`${d}T14:00`), updated_at: at(`${d}T14:30`), county_code: '410105', status: 'transferred_out' }),
    record({ source_id: 'DX-J-P', ...p110, kind: 'crime', received_at: at(`${d}T14:01`), updated_at: at(`${d}T14:30`), status: 'transferred_out' }),
  ]
  const events: EventInput[] = [
    // sent from records this system never received: their district is unknown
    transfer('DX-E0', '12345', 'DX-G-GHOST', '110', 'DX-J-GHOST', at(`${d}T14:00`)),
    transfer('DX-E1', '12345', 'DX-G-P', '110', 'DX-J-P', at(`${d}T14:01`)),
    transfer('DX-E2', '110', 'DX-J-P', '12345', 'DX-G-P', at(`${d}T14:10`)), // bounce: J-P came from 12345
    transfer('DX-E3', '12345', 'DX-G-P', '110', 'DX-J-P', at(`${d}T14:20`)), // bounce: G-P came back from 110
    transfer('DX-E4', '110', 'DX-J-P', '12345', 'DX-G-P', at(`${d}T14:30`)), // bounce: J-P again
    transfer('DX-E5', '110', 'DX-J-GHOST', '12345', 'DX-G-NEW', at(`${d}T14:40`)), // bounce, unknown sender
  ]
  // The dispatch log: one call with an arrival time, nine closed without any
  records.push(record({ source_id: 'DY-J-0', ...p110, kind: 'crime', ...closed(`${DY}T09:00`, 60), arrived_at: at(`${DY}T09:00`, 5) }))
  for (let i = 1; i <= 9; i++) records.push(record({ source_id: `DY-J-${i}`, ...p110, kind: 'crime', ...closed(`${DY}T10:0${i}`, 60) }))
  return { records, events }
}

// The indicator day: on-time closure, direct answers, non-police share and diversion (worked out below).
const DZ = shanghaiDate(-40), DZ5 = shanghaiDate(-35), DZ20 = shanghaiDate(-20)
function indicatorsDay(): { records: RecordInput[]; events: EventInput[] } {
  const d = DZ
  const sg = { signed_at: at(`${d}T08:20`) }
  const g = (id: string, o: Partial<RecordInput>) => record({ source_id: `DZ-G-${id}`, county_code: '410102', received_at: at(`${d}T08:00`), updated_at: at(`${d}T20:00`), dispatched_at: at(`${d}T08:10`), ...o })
  const j = (id: string, o: Partial<RecordInput>) => record({ source_id: `DZ-J-${id}`, platform: '110', county_code: '410103', received_at: at(`${d}T09:00`), updated_at: at(`${d}T20:00`), status: 'closed', closed_at: at(`${d}T10:00`), kind: 'crime', ...o })
  return {
    records: [
      // closed before due (twice), closed after due, open past due, open before due, closed without a time, no due, handed over
      // (all of them signed in time: 10 minutes after dispatch)
      g('ONTIME1', { status: 'closed', due_at: at(`${d}T18:00`), closed_at: at(`${d}T12:00`), ...sg }),
      g('ONTIME2', { status: 'closed', due_at: at(`${d}T18:00`), closed_at: at(`${d}T18:00`), ...sg }), // exactly at due: on time
      g('LATE', { status: 'closed', due_at: at(`${d}T10:00`), closed_at: at(`${d}T11:00`), ...sg }),
      g('OVERDUE', { status: 'handling', due_at: at(`${d}T10:30`), ...sg }),
      g('PENDING', { status: 'handling', due_at: at(`${DZ20}T10:00`), ...sg }),
      g('NOSTAMP', { status: 'closed', due_at: at(`${d}T18:00`), ...sg }),
      g('NODUE', { status: 'closed', closed_at: at(`${d}T12:00`), ...sg }),
      g('HANDED', { status: 'transferred_out', due_at: at(`${d}T10:00`), dispatched_at: undefined }),
      // signing: on time; a day and more after dispatch; an emergency after 30 minutes; never signed (past the
      // limit); signed by status without a time; dispatched late and not signed yet at as_of
      g('S-ON', { status: 'signed', signed_at: at(`${d}T09:00`) }),
      g('S-LATE', { status: 'signed', signed_at: at(`${d}T08:11`, 24 * 60) }),
      g('S-EMERG', { status: 'signed', urgency: 'emergency', signed_at: at(`${d}T08:40`) }),
      g('S-NEVER', { status: 'dispatched' }),
      g('S-NOSTAMP', { status: 'signed' }),
      g('S-PEND', { status: 'dispatched', updated_at: at(`${DZ5}T11:50`), dispatched_at: at(`${DZ5}T11:50`) }),
      // answered without dispatch (closed; replied), and not decided yet
      g('DIRECT1', { status: 'closed', closed_at: at(`${d}T08:05`), dispatched_at: undefined }),
      g('DIRECT2', { status: 'replied', replied_at: at(`${d}T08:05`), dispatched_at: undefined }),
      g('UNDECIDED', { status: 'received', dispatched_at: undefined }),
      // 110: three non-police calls (two handed to 12345), a crime, a traffic call
      j('NP1', { kind: 'non_police', status: 'transferred_out', closed_at: undefined }),
      j('NP2', { kind: 'non_police', status: 'transferred_out', closed_at: undefined }),
      j('NP3', { kind: 'non_police' }),
      j('CR', { kind: 'crime' }),
      j('TR', { kind: 'traffic' }),
    ],
    events: [],
  }
}

// The linkage-and-times day (issue 8, second part): 110 stage times and on-time arrival by area class,
// 12345 replies, returns, re-handling, repeat callers, and the linkage rates. Judged at ASW unless said.
const DW = shanghaiDate(-50), DW1 = shanghaiDate(-49), DW2 = shanghaiDate(-48), DW3 = shanghaiDate(-47)
const ASW = at(`${DW1}T12:00`)
const ASW_LATER = at(`${DW3}T12:00`)
const phone = (n: number) => `1390000${String(n).padStart(4, '0')}`
function linkageDay(): { records: RecordInput[]; events: EventInput[] } {
  const d = DW
  const s = (hhmm: string, sec = 0) => at(`${d}T${hhmm}`, sec / 60)
  // 110 calls: 410102 is urban (5 min on scene), 410122 suburban (10 min), 410185 rural (30 min)
  const j = (id: string, o: Partial<RecordInput>) => record({ source_id: `DW-J-${id}`, platform: '110', kind: 'crime', county_code: '410102', updated_at: at(`${DW1}T08:00`), ...o })
  // 12345 orders in 金水区
  const g = (id: string, o: Partial<RecordInput>) => record({ source_id: `DW-G-${id}`, county_code: '410105', updated_at: at(`${DW1}T11:00`), ...o })
  const ev = (id: string, platform: '12345' | '110', rec: string, type: EventInput['type'], when: string): EventInput => ({ event_id: `DW-EV-${id}`, platform, record_id: rec, type, at: when })
  return {
    records: [
      // A: answered after 30 s, dispatched 90 s later, on scene 4 min after (urban: on time), closed an hour later
      j('A', { received_at: s('09:00'), accepted_at: s('09:00', 30), dispatched_at: s('09:02'), arrived_at: s('09:06'), status: 'closed', closed_at: s('10:06'), caller_phone: phone(1) }),
      // B (suburban): 60 s, 120 s, on scene after 12 min (late: 10), closed after 30 min
      j('B', { county_code: '410122', received_at: s('10:00'), accepted_at: s('10:01'), dispatched_at: s('10:03'), arrived_at: s('10:15'), status: 'closed', closed_at: s('10:45'), caller_phone: phone(2) }),
      // C (rural): 20 s, 280 s, on scene after 25 min (on time: 30), closed an hour later; its caller called 23 h before
      j('C', { county_code: '410185', received_at: s('11:00'), accepted_at: s('11:00', 20), dispatched_at: s('11:05'), arrived_at: s('11:30'), status: 'closed', closed_at: s('12:30'), caller_phone: phone(3) }),
      // D: 10 s, 50 s, still not on scene (open, past its 5 min): a miss; A's caller again 3 h later
      j('D', { received_at: s('12:00'), accepted_at: s('12:00', 10), dispatched_at: s('12:01'), status: 'dispatched', caller_phone: phone(1) }),
      // E: no answer time (not recorded for answer and answer→dispatch), on scene 3 min after dispatch, closed 25 min later; A's caller a third time
      j('E', { received_at: s('13:00'), dispatched_at: s('13:02'), arrived_at: s('13:05'), status: 'closed', closed_at: s('13:30'), caller_phone: phone(1) }),
      // F: an invalid alarm answered in 5 s, no police sent; no caller number
      j('F', { kind: 'invalid_alarm', received_at: s('14:00'), accepted_at: s('14:00', 5), status: 'closed', closed_at: s('14:02'), caller_phone: null }),
      // G: not answered yet (pending); its caller called 49 h before (beyond the 24 h span)
      j('G', { received_at: s('15:00'), status: 'received', caller_phone: phone(4) }),
      // H (suburban): 30 s, 90 s, closed without an arrival time: not recorded on arrival
      j('H', { county_code: '410122', received_at: s('16:00'), accepted_at: s('16:00', 30), dispatched_at: s('16:02'), status: 'closed', closed_at: s('16:40'), caller_phone: phone(5) }),
      // I: a non-police call answered in 10 s, handed to 12345 (EV-1)
      j('I', { kind: 'non_police', received_at: s('17:00'), accepted_at: s('17:00', 10), status: 'transferred_out', caller_phone: phone(6) }),
      // K: 30 s, 30 s, on scene 3 min after dispatch, still handling: close time pending
      j('K', { received_at: s('18:00'), accepted_at: s('18:00', 30), dispatched_at: s('18:01'), arrived_at: s('18:04'), status: 'handling', caller_phone: phone(7) }),
      // BACK: the 110 record of EV-2 (from 12345), answered (signed for) 20 s after the transfer, replied at 18:20
      j('BACK', { received_at: s('18:00'), accepted_at: s('18:00', 20), status: 'closed', replied_at: s('18:20'), closed_at: s('18:30'), caller_phone: phone(8) }),
      // earlier calls of C's and G's callers, before the window
      j('PRE3', { county_code: '410103', received_at: at(`${shanghaiDate(-51)}T12:00`), updated_at: at(`${shanghaiDate(-51)}T12:00`), status: 'received', caller_phone: phone(3) }),
      j('PRE4', { county_code: '410103', received_at: at(`${shanghaiDate(-52)}T14:00`), updated_at: at(`${shanghaiDate(-52)}T14:00`), status: 'received', caller_phone: phone(4) }),

      // G1: dispatched, returned and re-dispatched before its reply (EV-R1, EV-R2, EV-R3): a return, not re-handling; replied in 7200 s, before due
      g('1', { received_at: s('09:00'), dispatched_at: s('09:10'), replied_at: s('11:00'), due_at: s('18:00'), status: 'closed', closed_at: s('12:00'), caller_phone: phone(101) }),
      // G2: replied a day later (86400 s, after due); re-dispatched after its callback (EV-R4..6): re-handled; its caller wrote 29 days before
      g('2', { received_at: s('09:00'), dispatched_at: s('09:10'), replied_at: at(`${DW1}T09:00`), due_at: s('18:00'), status: 'closed', closed_at: at(`${DW1}T10:00`), caller_phone: phone(102) }),
      // G3: open past due (late reply); a returned event before its receipt does not count; G1's caller an hour later
      g('3', { received_at: s('10:00'), dispatched_at: s('10:10'), due_at: s('12:00'), status: 'handling', caller_phone: phone(101) }),
      // G4: closed without a reply time (not recorded); returned only after ASW (EV-R8)
      g('4', { received_at: s('11:00'), dispatched_at: s('11:10'), due_at: at(`${shanghaiDate(-45)}T12:00`), status: 'closed', closed_at: s('15:00'), caller_phone: phone(103) }),
      // G5: answered directly in 300 s; no caller number
      g('5', { received_at: s('12:00'), replied_at: s('12:05'), status: 'closed', closed_at: s('12:06'), caller_phone: null }),
      // G6: dispatched, due in five days: pending; its caller wrote 40 days before (beyond 30 days)
      g('6', { received_at: s('13:00'), dispatched_at: s('13:10'), due_at: at(`${shanghaiDate(-45)}T12:00`), status: 'dispatched', caller_phone: phone(104) }),
      // G7: replied in 10800 s, before due
      g('7', { received_at: s('14:00'), dispatched_at: s('14:10'), replied_at: s('17:00'), due_at: s('18:00'), status: 'replied', caller_phone: phone(105) }),
      // IN: from 110 (EV-1), accepted 600 s after the transfer, sent back to 110 (EV-2)
      g('IN', { received_at: s('17:05'), accepted_at: s('17:15'), status: 'transferred_out', caller_phone: phone(106) }),
      // IN2: from 110 (EV-3), accepted 120 s after, replied at 20:00 (10200 s after receipt): the loop is closed
      g('IN2', { received_at: s('17:10'), accepted_at: s('17:12'), replied_at: s('20:00'), status: 'closed', closed_at: s('20:30'), caller_phone: phone(107) }),
      // IN3: from 110 (EV-5), not accepted yet
      g('IN3', { received_at: s('17:20'), status: 'received', caller_phone: phone(108) }),
      g('PRE2', { received_at: at(`${shanghaiDate(-79)}T10:00`), updated_at: at(`${shanghaiDate(-79)}T10:00`), status: 'received', caller_phone: phone(102) }),
      g('PRE6', { received_at: at(`${shanghaiDate(-90)}T10:00`), updated_at: at(`${shanghaiDate(-90)}T10:00`), status: 'received', caller_phone: phone(104) }),
    ],
    events: [
      transfer('DW-EV-1', '110', 'DW-J-I', '12345', 'DW-G-IN', s('17:05')),
      transfer('DW-EV-2', '12345', 'DW-G-IN', '110', 'DW-J-BACK', s('18:00')), // a bounce, and 回流 of EV-1
      transfer('DW-EV-3', '110', 'DW-J-NP2', '12345', 'DW-G-IN2', s('17:10')), // (its sender was never received)
      transfer('DW-EV-4', '110', 'DW-J-NP3', '12345', '', s('17:15')), // names no counterpart
      transfer('DW-EV-5', '110', 'DW-J-NP4', '12345', 'DW-G-IN3', s('17:20')),
      transfer('DW-EV-6', '12345', 'DW-G-IN3', '110', 'DW-J-NEW', at(`${DW2}T09:00`)), // 回流 of EV-5, after ASW
      transfer('DW-EV-7', '12345', 'DW-G-GHOST', '110', 'DW-J-GHOST', s('09:30')), // counterpart never received
      ev('R1', '12345', 'DW-G-1', 'returned', s('09:30')),
      ev('R2', '12345', 'DW-G-1', 'redispatched', s('09:40')),
      ev('R3', '12345', 'DW-G-1', 'replied', s('11:00')),
      ev('R4', '12345', 'DW-G-2', 'replied', at(`${DW1}T09:00`)),
      ev('R5', '12345', 'DW-G-2', 'callback', at(`${DW1}T11:00`)),
      ev('R6', '12345', 'DW-G-2', 'redispatched', at(`${DW1}T11:30`)),
      ev('R7', '12345', 'DW-G-3', 'returned', s('09:50')),
      ev('R8', '12345', 'DW-G-4', 'returned', at(`${DW2}T10:00`)),
    ],
  }
}

let app: TestApp
beforeAll(async () => {
  // No shared answers between requests: repeated requests must be recomputed to show they agree.
  // (the extended indicators too: they are off by default, see MetricParams.extended)
  app = await startTestApp({ METRICS_CACHE_MS: '0', METRICS_EXTENDED: 'true' })
  for (const { records, events } of [knownDay(), decisionsDay(), indicatorsDay(), linkageDay()]) {
    expect((await post(app, 'records', ndjson(records))).body.rejected).toBe(0)
    if (events.length) expect((await post(app, 'events', ndjson(events))).body.rejected).toBe(0)
  }
})
afterAll(async () => { await app?.stop() })

const overview = async (q: string) => Overview.parse((await getJson(app, `/api/metrics/overview?${q}`)).body)
const byRegion = async (q: string) => ByRegion.parse((await getJson(app, `/api/metrics/by-region?${q}`)).body)

describe('GET /api/metrics/overview', () => {
  it('computes volumes, transfers, bounces and every rate per platform, with numerators and formulas', async () => {
    const o = await overview(`from=${D1}&to=${D1}&${asOf(AS_OF)}`)
    const m = o.metrics
    expect(m.volume_12345.value).toBe(6) // A B C D H I
    expect(m.volume_110.value).toBe(2) // E F
    expect(m.transfers_to_110.value).toBe(1) // EV-1
    expect(m.transfers_to_12345.value).toBe(2) // EV-2 EV-3
    expect(m.bounce_transfers.value).toBe(1) // EV-2
    expect(m.bounced_records.value).toBe(1) // J-F
    // response: in time A, H (12345, clock from dispatch), E (110); judged A B C H and E F (D handed over, I answered directly)
    expect(parts(m.response_rate_12345)).toEqual([2, 4])
    expect(parts(m.response_rate_110)).toEqual([1, 2])
    expect(parts(m.response_rate)).toEqual([3, 6])
    expect(m.response_rate.value).toBeCloseTo(0.5)
    expect(m.response_rate_110.coverage).toEqual({ judged: 2, measured: 2, not_recorded: 0, pending: 0, ratio: 1, min: 0.8 })
    expect(parts(m.resolution_rate_12345)).toEqual([1, 2])
    expect(parts(m.resolution_rate_110)).toEqual([1, 1])
    expect(parts(m.resolution_rate)).toEqual([2, 3])
    expect(parts(m.satisfaction_rate)).toEqual([2, 3])
    expect(parts(m.satisfaction_first_rate_12345)).toEqual([0, 2])
    expect(parts(m.satisfaction_first_rate)).toEqual([1, 3])
    expect(m.response_rate_12345.formula).toContain('1440')
    expect(m.response_rate_110.formula).toContain('30 分钟')
    // per platform, and a figure over both says so
    expect(m.response_rate_12345).toMatchObject({ label: '12345 响应率', platform: '12345' })
    expect(m.response_rate).toMatchObject({ label: '响应率（两平台合计）', platform: 'both' })
    expect(m.bounce_transfers.label).toBe('来回转办次数（两平台合计）')
    expect(o.window).toEqual({ from: `${D1}T00:00:00.000+08:00`, to: `${D2}T00:00:00.000+08:00`, tz: 'Asia/Shanghai' })
    expect(o.trend).toEqual([{ bucket: `${D1}`, volume_12345: 6, volume_110: 2, transfers_to_110: 1, transfers_to_12345: 2 }])
  })

  it('fills every bucket of the trend; platform= filters records and, by sending platform, events', async () => {
    const o = await overview(`from=${D0}&to=${D2}&platform=110&${asOf(AS_OF)}`)
    expect(o.platform).toBe('110')
    expect(o.trend.map((p) => p.bucket)).toEqual([`${D0}`, `${D1}`, `${D2}`])
    expect(o.trend.map((p) => p.volume_110)).toEqual([0, 2, 0])
    expect(o.trend.map((p) => p.volume_12345)).toEqual([0, 0, 0])
    // EV-5 (19th) and EV-1 were sent by 12345: not 110's
    expect(o.trend.map((p) => p.transfers_to_110)).toEqual([0, 0, 0])
    expect(o.metrics.transfers_to_110.value).toBe(0)
    expect(o.metrics.transfers_to_12345.value).toBe(2)
    expect(parts(o.metrics.response_rate)).toEqual([1, 2])
    expect(o.metrics.response_rate.label).toBe('响应率（仅 110）')
    const hourly = await overview(`from=${D1}T08:00:00%2B08:00&to=${D1}T12:00:00%2B08:00&bucket=hour&${asOf(AS_OF)}`)
    expect(hourly.trend.map((p) => [p.bucket, p.volume_12345, p.volume_110])).toEqual([
      [`${D1} 08:00`, 0, 0], [`${D1} 09:00`, 4, 0], [`${D1} 10:00`, 2, 0], [`${D1} 11:00`, 0, 1],
    ])
  })

  it('answers a bad window or as_of with 400 and a reason', async () => {
    const r = await getJson(app, '/api/metrics/overview?from=yesterday')
    expect(r.status).toBe(400)
    expect(r.body.error).toMatch(/from: not a date/)
    expect((await getJson(app, `/api/metrics/overview?from=${D2}&to=${D1}`)).status).toBe(400)
    expect((await getJson(app, '/api/metrics/overview?bucket=week')).status).toBe(400)
    const bad = await getJson(app, '/api/metrics/overview?as_of=soon')
    expect(bad.status).toBe(400)
    expect(bad.body.error).toMatch(/as_of/)
  })
})

describe('the indicator set (issue 8)', () => {
  it('on-time closure counts open overdue orders; direct answers leave undecided ones out; non-police share and diversion', async () => {
    const m = (await overview(`from=${DZ}&to=${DZ}&${asOf(at(`${DZ5}T12:00`))}`)).metrics
    // closed on time ONTIME1 ONTIME2; late LATE; overdue OVERDUE; NOSTAMP not recorded; PENDING pending; NODUE, HANDED not judged
    expect(parts(m.ontime_closure_rate_12345)).toEqual([2, 4])
    expect(m.ontime_closure_rate_12345.value).toBeCloseTo(0.5)
    expect(m.ontime_closure_rate_12345.coverage).toEqual({ judged: 6, measured: 4, not_recorded: 1, pending: 1, ratio: 0.8, min: 0.8 })
    // dispatched: the seven above and the six S- (13); answered without dispatch: DIRECT1 DIRECT2
    expect(parts(m.direct_answer_rate_12345)).toEqual([2, 15])
    // signed in time: the seven and S-ON; late: S-LATE, S-EMERG (15 min limit), S-NEVER; not recorded S-NOSTAMP; pending S-PEND
    expect(parts(m.ontime_signing_rate_12345)).toEqual([8, 11])
    expect(m.ontime_signing_rate_12345.coverage).toMatchObject({ judged: 13, measured: 11, not_recorded: 1, pending: 1 })
    expect(m.ontime_signing_rate_12345.formula).toContain('1440 分钟，紧急件 15 分钟')
    expect(parts(m.non_police_share_110)).toEqual([3, 5])
    expect(parts(m.diversion_rate_110)).toEqual([2, 3])
    // a day later nothing changes but the pending order stays pending (its due is two weeks away)
    const later = (await overview(`from=${DZ}&to=${DZ}&${asOf(at(`${DZ5}T13:00`))}`)).metrics
    expect(later.ontime_closure_rate_12345.coverage?.pending).toBe(1)
    // judged before OVERDUE's due: it is pending, not overdue (and coverage 3/4 is below the minimum: no value)
    const early = (await overview(`from=${DZ}&to=${DZ}&${asOf(at(`${DZ}T10:15`))}`)).metrics
    expect(parts(early.ontime_closure_rate_12345)).toEqual([2, 3])
    expect(early.ontime_closure_rate_12345.coverage).toMatchObject({ pending: 2, not_recorded: 1 })
    expect(early.ontime_closure_rate_12345.value).toBeNull()
  })
})

describe('the indicator set, second part (issue 8): times, arrivals, replies, returns, repeats, linkage', () => {
  const qw = (asOfIso = ASW) => `from=${DW}&to=${DW}&${asOf(asOfIso)}`
  const cov = (m: MetricValue) => m.coverage && { measured: m.coverage.measured, not_recorded: m.coverage.not_recorded, pending: m.coverage.pending }

  it('110 stage times: mean seconds with the seconds and the calls behind them', async () => {
    const m = (await overview(qw())).metrics
    // answer: A 30 + B 60 + C 20 + D 10 + F 5 + H 30 + I 10 + K 30 + BACK 20 = 215 s over 9; E not recorded (closed, no answer time); G pending
    expect(parts(m.answer_time_110)).toEqual([215, 9])
    expect(cov(m.answer_time_110)).toEqual({ measured: 9, not_recorded: 1, pending: 1 })
    expect(m.answer_time_110).toMatchObject({ unit: 'seconds', value: 215 / 9, platform: '110' })
    // answer→dispatch, calls police were sent to: A 90 + B 120 + C 280 + D 50 + H 90 + K 30 = 660 s over 6; E not recorded
    expect(parts(m.dispatch_time_110)).toEqual([660, 6])
    expect(cov(m.dispatch_time_110)).toEqual({ measured: 6, not_recorded: 1, pending: 0 })
    // dispatch→arrive: A 240 + B 720 + C 1500 + E 180 + K 180 = 2820 s over 5; H not recorded (closed, no arrival); D pending (open)
    expect(parts(m.arrive_time_110)).toEqual([2820, 5])
    expect(cov(m.arrive_time_110)).toEqual({ measured: 5, not_recorded: 1, pending: 1 })
    expect(m.arrive_time_110.value).toBe(564)
    // arrive→close: A 3600 + B 1800 + C 3600 + E 1500 = 10500 s over 4; K pending (handling)
    expect(parts(m.close_time_110)).toEqual([10500, 4])
    expect(cov(m.close_time_110)).toEqual({ measured: 4, not_recorded: 0, pending: 1 })
    expect(m.close_time_110.formula).toMatch(/arrived_at → closed_at/)
  })

  it('110 on-time arrival against the limit of the place\'s area class, judged as of', async () => {
    const m = (await overview(qw())).metrics
    // on time: A (4 ≤ 5, urban), C (25 ≤ 30, rural), E, K (3 ≤ 5); late: B (12 > 10, suburban), D (open past 12:06); H not recorded
    expect(parts(m.ontime_arrival_rate_110)).toEqual([4, 6])
    expect(cov(m.ontime_arrival_rate_110)).toEqual({ measured: 6, not_recorded: 1, pending: 0 })
    expect(m.ontime_arrival_rate_110.formula).toContain('城区 5、近郊 10、农村 30 分钟')
    // at 12:03, D's 5 minutes have not passed: pending
    const early = (await overview(qw(at(`${DW}T12:03`)))).metrics
    expect(parts(early.ontime_arrival_rate_110)).toEqual([4, 5])
    expect(early.ontime_arrival_rate_110.coverage?.pending).toBe(1)
    // the area classes and limits are settings: all urban at 5 minutes makes C late as well
    const w = parseWindow({ from: DW, to: DW })
    const urban = new MetricsQueries(app.db, { responseLimit12345Min: 1440, responseLimit110Min: 30, areaClasses: { 410102: 'urban', 410122: 'urban', 410185: 'urban' } })
    expect(parts((await urban.overview(w, 'day', undefined, Date.parse(ASW))).metrics.ontime_arrival_rate_110)).toEqual([3, 6])
    // a street/town code wins over its county; unlisted places are rural (B's county unlisted: 12 ≤ 30)
    const towns = new MetricsQueries(app.db, { responseLimit12345Min: 1440, responseLimit110Min: 30, arriveLimitRuralMin: 15, areaClasses: { 410102: 'urban' } })
    expect(parts((await towns.overview(w, 'day', undefined, Date.parse(ASW))).metrics.ontime_arrival_rate_110)).toEqual([4, 6]) // C late (25 > 15), B on time
  })

  it('12345 reply time and on-time reply against due_at', async () => {
    const m = (await overview(qw())).metrics
    // replied: G1 7200 + G2 86400 + G5 300 + G7 10800 + IN2 10200 = 114900 s over 5; G4 not recorded (closed, no reply time);
    // pending G3 G6 IN3; IN handed over, not judged
    expect(parts(m.reply_time_12345)).toEqual([114900, 5])
    expect(cov(m.reply_time_12345)).toEqual({ measured: 5, not_recorded: 1, pending: 3 })
    expect(m.reply_time_12345.value).toBe(22980)
    // with due_at: on time G1 G7; late G2 (replied after due), G3 (open past due); G4 not recorded; G6 pending
    expect(parts(m.ontime_reply_rate_12345)).toEqual([2, 4])
    expect(cov(m.ontime_reply_rate_12345)).toEqual({ measured: 4, not_recorded: 1, pending: 1 })
    expect(m.ontime_reply_rate_12345.value).toBe(0.5)
  })

  it('returns, re-handling and repeat callers', async () => {
    const m = (await overview(qw())).metrics
    // dispatched: G1 G2 G3 G4 G6 G7; returned: G1 (G3's return precedes its receipt, G4's comes after ASW)
    expect(parts(m.return_rate_12345)).toEqual([1, 6])
    // answered: G1 G2 G4 G5 G7 IN2; re-dispatched after an answer or callback: G2 (G1's re-dispatch came before its reply)
    expect(parts(m.rehandle_rate_12345)).toEqual([1, 6])
    // callers: G2 (wrote 29 days before) and G3 (G1's caller) repeat; G6's earlier order is 40 days back; G5 has no number
    expect(parts(m.repeat_appeal_rate_12345)).toEqual([2, 9])
    expect(cov(m.repeat_appeal_rate_12345)).toEqual({ measured: 9, not_recorded: 1, pending: 0 })
    // 110, 24 h: D and E (A's caller), C (23 h after an earlier call); G's earlier call is 49 h back; F has no number
    expect(parts(m.repeat_alarm_rate_110)).toEqual([3, 10])
    expect(cov(m.repeat_alarm_rate_110)).toEqual({ measured: 10, not_recorded: 1, pending: 0 })
    // later, G4's return has happened
    expect(parts((await overview(qw(ASW_LATER))).metrics.return_rate_12345)).toEqual([2, 6])
    // the spans are settings: 12345 within 28 days leaves G2 out; 110 within 2 days takes G in
    const w = parseWindow({ from: DW, to: DW })
    const short = new MetricsQueries(app.db, { responseLimit12345Min: 1440, responseLimit110Min: 30, repeatSpan12345Hours: 28 * 24, repeatSpan110Hours: 49 })
    const sm = (await short.overview(w, 'day', undefined, Date.parse(ASW))).metrics
    expect([parts(sm.repeat_appeal_rate_12345), parts(sm.repeat_alarm_rate_110)]).toEqual([[1, 9], [4, 10]])
  })

  it('linkage: bounce rate, closed loop and transfer→sign time by sending platform; 110 backflow', async () => {
    const m = (await overview(qw())).metrics
    // sent by 12345: EV-2 (a bounce: IN came from 110), EV-7; by 110: EV-1 EV-3 EV-4 EV-5
    expect([parts(m.bounce_rate_12345), parts(m.bounce_rate_110), parts(m.bounce_rate)]).toEqual([[1, 2], [0, 4], [1, 6]])
    // closed loop: EV-3 (IN2 replied) and EV-2 (BACK replied) fed back; EV-1 (IN sent it back) and EV-5 (IN3 open) not yet;
    // EV-4 (no counterpart) and EV-7 (counterpart never received) not recorded
    expect([parts(m.closed_loop_rate_110), parts(m.closed_loop_rate_12345), parts(m.closed_loop_rate)]).toEqual([[1, 3], [1, 1], [2, 4]])
    expect(cov(m.closed_loop_rate)).toEqual({ measured: 4, not_recorded: 2, pending: 0 })
    expect(m.closed_loop_rate_110.value).toBeNull() // coverage 3/4 is under 0.8
    // transfer→sign: EV-1 600 s (IN accepted at 17:15), EV-3 120 s, EV-2 20 s; EV-5 pending; EV-4, EV-7 not recorded
    expect([parts(m.transfer_sign_time_110), parts(m.transfer_sign_time_12345), parts(m.transfer_sign_time)]).toEqual([[720, 2], [20, 1], [740, 3]])
    expect(cov(m.transfer_sign_time)).toEqual({ measured: 3, not_recorded: 2, pending: 1 })
    // 回流: of EV-1 EV-3 EV-5 (EV-4 names no counterpart), EV-1 came back (EV-2); EV-5 comes back only after ASW (EV-6)
    expect(parts(m.backflow_rate_110)).toEqual([1, 3])
    expect(cov(m.backflow_rate_110)).toEqual({ measured: 3, not_recorded: 1, pending: 0 })
    expect(parts((await overview(qw(ASW_LATER))).metrics.backflow_rate_110)).toEqual([2, 3])
    // call→handover: EV-1 300 s after J-I's call at 17:00; EV-3 EV-4 EV-5 come from calls never received
    expect(parts(m.handover_time_110)).toEqual([300, 1])
    expect(cov(m.handover_time_110)).toEqual({ measured: 1, not_recorded: 3, pending: 0 })
    // platform= keeps the sender's events only
    const only110 = (await overview(`${qw()}&platform=110`)).metrics
    expect([parts(only110.closed_loop_rate), parts(only110.transfer_sign_time)]).toEqual([[1, 3], [720, 2]])
  })

  it('without METRICS_EXTENDED (the default) the joined indicators are left out and every other value is the same', async () => {
    const p = { responseLimit12345Min: 1440, responseLimit110Min: 30 }
    const ext = metricDefs(p).filter(isExtended).map((d) => d.id)
    // returns, re-handling, repeats, linkage and 回流 need the joins; stage, arrival and reply times do not
    expect(ext).toEqual(expect.arrayContaining(['return_rate_12345', 'rehandle_rate_12345', 'repeat_alarm_rate_110', 'repeat_appeal_rate_12345',
      'closed_loop_rate', 'transfer_sign_time', 'backflow_rate_110', 'handover_time_110']))
    expect(ext).not.toContain('bounce_rate') // (bounces come with the events themselves)
    expect(ext).not.toContain('answer_time_110')
    expect(ext).not.toContain('ontime_reply_rate_12345')
    const w = parseWindow({ from: DW, to: DW })
    const asOfMs = Date.parse(ASW)
    const on = (await new MetricsQueries(app.db, p).overview(w, 'day', undefined, asOfMs)).metrics
    const off = (await new MetricsQueries(app.db, { ...p, extended: false }).overview(w, 'day', undefined, asOfMs)).metrics
    expect(Object.keys(off).sort()).toEqual(Object.keys(on).filter((id) => !ext.includes(id)).sort())
    for (const [id, v] of Object.entries(off)) expect(v, id).toEqual(on[id])
    const defs = new MetricsQueries(null as never, { ...p, extended: false }).definitions()
    expect(defs.settings.METRICS_EXTENDED).toBe(false)
    expect(defs.events_source_sql).not.toMatch(/cp_platform/)
  })

  it('every new metric adds up over regions and over any dimension', async () => {
    const o = (await overview(qw())).metrics
    const r = await byRegion(qw())
    const rows = (dim: string) => getJson(app, `/api/metrics/breakdown?dim=${dim}&${qw()}`).then((x) => Breakdown.parse(x.body).rows)
    for (const groups of [r.regions, await rows('county'), await rows('unit'), await rows('channel')]) {
      for (const [id, total] of Object.entries(o)) {
        const sum = (f: (m: MetricValue) => number | null | undefined) => groups.reduce((n, g) => n + (f(g.metrics[id]) ?? 0), 0)
        expect(sum((m) => m.numerator), id).toBe(total.numerator)
        if (total.denominator !== null) expect(sum((m) => m.denominator), id).toBe(total.denominator)
        if (total.coverage) expect([sum((m) => m.coverage?.not_recorded), sum((m) => m.coverage?.pending)], id).toEqual([total.coverage.not_recorded, total.coverage.pending])
      }
    }
  })
})

describe('GET /api/metrics/breakdown', () => {
  const breakdown = async (q: string) => Breakdown.parse((await getJson(app, `/api/metrics/breakdown?${q}`)).body)
  it('groups by any dimension, largest first, and the rows add up to the overview', async () => {
    const by = await breakdown(`dim=county&from=${DZ}&to=${DZ}&${asOf(at(`${DZ5}T12:00`))}`)
    expect(by.rows.map((r) => [r.key, r.metrics.volume_12345.value, r.metrics.volume_110.value])).toEqual([['410102', 17, 0], ['410103', 0, 5]])
    expect(by.rows[0].name).toBe(Reference.load().countyByCode.get('410102')!.name)
    for (const dim of ['category', 'unit', 'channel', 'county', 'town'] as const) {
      const o = (await overview(`from=${D1}&to=${D1}&${asOf(AS_OF)}`)).metrics
      const rows = (await breakdown(`dim=${dim}&from=${D1}&to=${D1}&${asOf(AS_OF)}`)).rows
      for (const id of ['volume_12345', 'volume_110', 'transfers_to_110', 'transfers_to_12345', 'response_rate_12345', 'satisfaction_rate', 'ontime_signing_rate_12345']) {
        expect(rows.reduce((n, r) => n + (r.metrics[id].numerator ?? 0), 0), `${dim} ${id}`).toBe(o[id].numerator)
        if (o[id].denominator !== null) expect(rows.reduce((n, r) => n + (r.metrics[id].denominator ?? 0), 0), `${dim} ${id}`).toBe(o[id].denominator)
      }
    }
  })

  it('filters on each dimension; events count under their sending record', async () => {
    const f = await breakdown(`dim=channel&county=410103&from=${DZ}&to=${DZ}&${asOf(at(`${DZ5}T12:00`))}`)
    expect(f.filters).toEqual({ county: '410103' })
    expect(f.rows.map((r) => r.key)).toEqual(['phone'])
    expect(parts(f.rows[0].metrics.non_police_share_110)).toEqual([3, 5])
    expect(f.rows[0].metrics.volume_12345.value).toBe(0)
    // knownDay's transfers by the sending record's county: the filtered breakdown holds only that county's
    const all = await breakdown(`dim=county&from=${D1}&to=${D1}&${asOf(AS_OF)}`)
    for (const row of all.rows.filter((r) => r.key)) {
      const one = await breakdown(`dim=county&county=${row.key}&from=${D1}&to=${D1}&${asOf(AS_OF)}`)
      expect(one.rows.map((r) => r.key), row.key).toEqual([row.key])
      expect(one.rows[0].metrics.transfers_to_110.value).toBe(row.metrics.transfers_to_110.value)
      expect(one.rows[0].metrics.transfers_to_12345.value).toBe(row.metrics.transfers_to_12345.value)
    }
  })

  it('names the parameter of a bad request', async () => {
    for (const [q, what] of [['dim=colour', /dim/], ['dim=county&colour=red', /colour/], ['dim=county&county=abc', /county/], ['', /dim/], ['dim=unit&from=2026-02-30x', /from/]] as const) {
      const r = await getJson(app, `/api/metrics/breakdown?${q}`)
      expect(r.status, q).toBe(400)
      expect(r.body.error, q).toMatch(what)
    }
  })
})

describe('GET /api/metrics/series', () => {
  const series = async (q: string) => Series.parse((await getJson(app, `/api/metrics/series?${q}`)).body)
  it('gives every metric per bucket; a bucket equals the overview of its span, and buckets add up', async () => {
    const s = await series(`bucket=day&from=${D0}&to=${D2}&${asOf(AS_OF)}`)
    expect(s.points.map((p) => p.bucket)).toEqual([D0, D1, D2])
    const day = (await overview(`from=${D1}&to=${D1}&${asOf(AS_OF)}`)).metrics
    for (const id of Object.keys(day)) expect(parts(s.points[1].metrics[id]), id).toEqual(parts(day[id]))
    // months over the indicator day up to the known days: numerators and denominators add up to the whole window
    const from = DZ, to = D2
    const months = await series(`bucket=month&from=${from}&to=${to}&${asOf(AS_OF)}`)
    expect(months.points.length).toBeGreaterThanOrEqual(2)
    expect(months.points.every((p) => /^\d{4}-\d{2}$/.test(p.bucket))).toBe(true)
    const whole = (await overview(`from=${from}&to=${to}&${asOf(AS_OF)}`)).metrics
    for (const id of ['volume_12345', 'volume_110', 'transfers_to_110', 'response_rate_12345', 'ontime_closure_rate_12345', 'non_police_share_110'])
      expect([0, 1].map((k) => months.points.reduce((n, p) => n + (parts(p.metrics[id])[k] ?? 0), 0)), id).toEqual(parts(whole[id]).map((x) => x ?? 0))
  })

  it('takes multi-year windows by month, quarter or year, and refuses them by day, naming the window', async () => {
    const years = await series(`bucket=year&from=2019-06-01&to=2026-01-31&${asOf(AS_OF)}`)
    expect(years.points.map((p) => p.bucket)).toEqual(['2019', '2020', '2021', '2022', '2023', '2024', '2025', '2026'])
    const quarters = await series(`bucket=quarter&from=2025-11-15&to=2026-04-01&${asOf(AS_OF)}`)
    expect(quarters.points.map((p) => p.bucket)).toEqual(['2025-Q4', '2026-Q1', '2026-Q2'])
    const r = await getJson(app, `/api/metrics/series?bucket=day&from=2019-06-01&to=2026-01-31`)
    expect(r.status).toBe(400)
    expect(r.body.error).toMatch(/from–to: window longer than 400 days/)
    const bad = await getJson(app, `/api/metrics/series?bucket=fortnight`)
    expect(bad.status).toBe(400)
    expect(bad.body.error).toMatch(/bucket/)
  })

  it('labels weeks by their Monday, across a year end', () => {
    const t = (s: string) => Date.parse(`${s}T00:00:00+08:00`)
    expect(seriesBuckets({ from: t('2025-12-27'), to: t('2026-01-13') }, 'week')).toEqual(['2025-12-22', '2025-12-29', '2026-01-05', '2026-01-12'])
    expect(seriesBuckets({ from: t('2026-01-31'), to: t('2026-03-01') }, 'month')).toEqual(['2026-01', '2026-02'])
    expect(seriesBuckets({ from: t('2026-01-01') + 22 * 3_600_000, to: t('2026-01-02') + 1 }, 'hour')).toEqual(['2026-01-01 22:00', '2026-01-01 23:00', '2026-01-02 00:00'])
  })
})

describe('CSV answers (?format=csv)', () => {
  /** RFC 4180 lines (quoted fields may hold commas, quotes and line breaks). */
  function parseCsv(text: string): string[][] {
    const rows: string[][] = []
    let row: string[] = [], f = '', q = false
    for (let i = 0; i < text.length; i++) {
      const c = text[i]
      if (q) { if (c === '"' && text[i + 1] === '"') { f += '"'; i++ } else if (c === '"') q = false; else f += c; continue }
      if (c === '"') q = true
      else if (c === ',') { row.push(f); f = '' }
      else if (c === '\r') continue
      else if (c === '\n') { row.push(f); rows.push(row); row = []; f = '' }
      else f += c
    }
    return rows
  }
  it('carry the same values as the JSON answer, with the window, as_of and versions on every line', async () => {
    for (const [path, q] of [['breakdown', `dim=county&from=${D1}&to=${D1}`], ['series', `bucket=day&from=${D0}&to=${D2}`], ['by-region', `from=${D1}&to=${D1}`], ['overview', `from=${D1}&to=${D1}`]] as const) {
      const url = `${app.url}/api/metrics/${path}?${q}&${asOf(AS_OF)}`
      const json = await (await fetch(url)).json()
      const r = await fetch(`${url}&format=csv`)
      expect(r.status, path).toBe(200)
      expect(r.headers.get('content-type')).toMatch(/^text\/csv/)
      const bytes = new Uint8Array(await r.arrayBuffer())
      expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]) // the byte-order mark
      const [head, ...lines] = parseCsv(new TextDecoder().decode(bytes))
      const col = (name: string) => head.indexOf(name)
      const groups: { metrics: Record<string, MetricValue> }[] = path === 'overview' ? [json] : path === 'by-region' ? json.regions : path === 'series' ? json.points : json.rows
      expect(lines.length, path).toBe(groups.reduce((n, g) => n + Object.keys(g.metrics).length, 0))
      const all = groups.flatMap((g) => Object.values(g.metrics))
      lines.forEach((l, i) => {
        expect(l[col('window_from')]).toBe(json.window.from)
        expect(l[col('window_from')]).toMatch(/\+08:00$/)
        expect(l[col('as_of')]).toMatch(/\+08:00$/)
        expect(l[col('metric_id')]).toBe(all[i].id)
        expect(Number(l[col('metric_version')])).toBeGreaterThanOrEqual(1)
        expect(l[col('value')]).toBe(all[i].value === null ? '' : String(all[i].value))
        expect(l[col('numerator')]).toBe(String(all[i].numerator))
        expect(l[col('label')]).toBe(all[i].label)
      })
    }
  })
})

describe('definition decisions (issue 5 C)', () => {
  const qx = `from=${DX}&to=${DX}&${asOf(ASX)}`

  it('response scope: 110 calls closed without police action are not judged, like 12345 direct answers', async () => {
    const m = (await overview(qx)).metrics
    // judged: NP OK1 OK2 NOSTAMP OPEN (INV and CONS are excluded kinds no police were sent to)
    expect(m.response_rate_110.coverage?.judged).toBe(5)
    expect(parts(m.response_rate_110)).toEqual([2, 4])
  })

  it('missing is not late: moved on without a response time is "not recorded"; open past the limit is a miss', async () => {
    const m = (await overview(qx)).metrics
    // 110: on time OK1 OK2; late NP; missed OPEN; not recorded NOSTAMP → 2 / 4, coverage 4 / 5
    expect(m.response_rate_110).toMatchObject({ value: 0.5, reason: null })
    expect(m.response_rate_110.coverage).toMatchObject({ measured: 4, not_recorded: 1, pending: 0, ratio: 0.8 })
    // 12345: four on time; REPLIED not recorded; PEND within its limit at ASX → 4 / 4
    expect(m.response_rate_12345).toMatchObject({ value: 1, numerator: 4, denominator: 4 })
    expect(m.response_rate_12345.coverage).toMatchObject({ judged: 6, measured: 4, not_recorded: 1, pending: 1 })
  })

  it('shows "no data" with a reason rather than a rate when few judged records carry the timestamps', async () => {
    const m = (await overview(`from=${DY}&to=${DY}&${asOf(ASX)}`)).metrics
    // one arrival time among ten closed calls: not a 10% response rate
    expect(m.response_rate_110.value).toBeNull()
    expect(m.response_rate_110.reason).toMatch(/无数据.*10\.0%/)
    expect(parts(m.response_rate_110)).toEqual([1, 1])
    expect(m.response_rate_110.coverage).toEqual({ judged: 10, measured: 1, not_recorded: 9, pending: 0, ratio: 0.1, min: 0.8 })
    // nothing to judge at all: no value either, and a reason
    expect(m.response_rate_12345).toMatchObject({ value: null, numerator: 0, denominator: 0 })
    expect(m.response_rate_12345.reason).toMatch(/无数据/)
  })

  it('excluded 110 kinds and the coverage minimum are settings', async () => {
    const w = parseWindow({ from: DX, to: DX })
    const none = new MetricsQueries(app.db, { responseLimit12345Min: 1440, responseLimit110Min: 30, responseExclude110Kinds: [], minCoverage: 0 })
    const m = (await none.overview(w, 'day', undefined, Date.parse(ASX))).metrics
    // INV is judged now (late: first response after 40 min), CONS is not recorded
    expect(parts(m.response_rate_110)).toEqual([2, 5])
    expect(m.response_rate_110.coverage).toMatchObject({ judged: 7, not_recorded: 2 })
    const strict = new MetricsQueries(app.db, { responseLimit12345Min: 1440, responseLimit110Min: 30, minCoverage: 0.9 })
    const s = (await strict.overview(w, 'day', undefined, Date.parse(ASX))).metrics
    expect(s.response_rate_110.value).toBeNull() // coverage 0.8 < 0.9
    expect(s.response_rate_12345.value).toBeNull()
    expect(none.definitions().settings).toMatchObject({ RESPONSE_EXCLUDE_110_KINDS: [], METRICS_MIN_COVERAGE: 0 })
  })

  it('the settings are validated: unknown 110 kinds are named, none excludes nothing', () => {
    expect(() => loadConfig({ RESPONSE_EXCLUDE_110_KINDS: 'non_police,prank' })).toThrow(/RESPONSE_EXCLUDE_110_KINDS: not 110 kinds: prank/)
    expect(() => loadConfig({ METRICS_MIN_COVERAGE: '1.5' })).toThrow(/METRICS_MIN_COVERAGE/)
    expect(loadConfig({ RESPONSE_EXCLUDE_110_KINDS: 'none' }).RESPONSE_EXCLUDE_110_KINDS).toEqual([])
    expect(loadConfig({}).RESPONSE_EXCLUDE_110_KINDS).toEqual(['non_police', 'invalid_alarm', 'consult_only'])
    // area classes: county or street/town codes, one of three classes; unset, Zhengzhou's
    expect(loadConfig({}).ARRIVE_AREA_CLASSES).toEqual(DEFAULT_AREA_CLASSES)
    expect(loadConfig({ ARRIVE_AREA_CLASSES: '{"410102": "urban", "410122101": "rural"}' }).ARRIVE_AREA_CLASSES).toEqual({ 410102: 'urban', 410122101: 'rural' })
    expect(() => loadConfig({ ARRIVE_AREA_CLASSES: '{"410102": "downtown"}' })).toThrow(/ARRIVE_AREA_CLASSES/)
    expect(() => loadConfig({ ARRIVE_AREA_CLASSES: '{"4101": "urban"}' })).toThrow(/ARRIVE_AREA_CLASSES.*county/)
    expect(() => loadConfig({ REPEAT_SPAN_110_HOURS: '0' })).toThrow(/REPEAT_SPAN_110_HOURS/)
    // a target reads "higher is better": refused on a duration
    expect(() => loadConfig({ METRIC_TARGETS: '{"arrive_time_110": {"target": 300}}' })).toThrow(/targets on durations are not supported yet: arrive_time_110/)
  })

  it('judged as of: the answer names as_of, the same as_of gives the same answer, a later one may differ', async () => {
    const a = await overview(qx)
    await new Promise((r) => setTimeout(r, 50))
    const b = await overview(qx)
    expect(a.as_of).toBe(`${DX1}T10:00:00.000+08:00`)
    expect({ ...b, generated_at: '' }).toEqual({ ...a, generated_at: '' })
    // at ASX_LATER the pending order's limit has passed: a miss
    const later = await overview(`from=${DX}&to=${DX}&${asOf(ASX_LATER)}`)
    expect(parts(later.metrics.response_rate_12345)).toEqual([4, 5])
    expect(later.metrics.response_rate_12345.coverage).toMatchObject({ measured: 5, not_recorded: 1, pending: 0 })
    // without a window, as_of also ends the default one (the last 14 days up to as_of)
    const dflt = await overview(asOf(ASX))
    expect(dflt.window.to).toBe(`${DX1}T10:00:00.000+08:00`)
    expect(dflt.metrics.volume_110.value).toBe(18) // DX's 8 and DY's 10
  })

  it('satisfaction counts only ratings from callbacks that reached the citizen', async () => {
    const m = (await overview(qx)).metrics
    expect(parts(m.satisfaction_rate_12345)).toEqual([1, 1])
    expect(parts(m.satisfaction_first_rate_12345)).toEqual([1, 1])
    expect(parts(m.resolution_rate_12345)).toEqual([1, 1])
    expect(m.satisfaction_rate_110).toMatchObject({ value: null, denominator: 0 })
  })

  it('bounces: transfer events and distinct records sent back are counted apart', async () => {
    const m = (await overview(qx)).metrics
    expect(m.transfers_to_110.value).toBe(3) // E0 E1 E3
    expect(m.transfers_to_12345.value).toBe(3) // E2 E4 E5
    expect(m.bounce_transfers.value).toBe(4) // E2 E3 E4 E5
    expect(m.bounced_records.value).toBe(3) // J-P G-P J-GHOST
    expect(m.bounce_transfers.formula).toMatch(/转办事件/)
    expect(m.bounced_records.formula).toMatch(/去重/)
    const only110 = (await overview(`${qx}&platform=110`)).metrics
    expect([only110.transfers_to_110.value, only110.transfers_to_12345.value, only110.bounce_transfers.value, only110.bounced_records.value]).toEqual([0, 3, 3, 2])
    const only12345 = (await overview(`${qx}&platform=12345`)).metrics
    expect([only12345.transfers_to_110.value, only12345.transfers_to_12345.value, only12345.bounce_transfers.value, only12345.bounced_records.value]).toEqual([3, 0, 1, 1])
  })

  it('regions add up: unknown senders in 未知区域, every count and rate part sums to the city', async () => {
    for (const platform of ['', '&platform=110', '&platform=12345']) {
      const o = await overview(`${qx}${platform}`)
      const r = await byRegion(`${qx}${platform}`)
      expect(r.as_of).toBe(o.as_of)
      const unknown = r.regions.find((x) => x.county_code === UNKNOWN_REGION)!
      expect(unknown.name).toBe('未知区域')
      if (!platform) {
        expect([unknown.metrics.transfers_to_110.value, unknown.metrics.transfers_to_12345.value]).toEqual([1, 1]) // E0, E5
        expect([unknown.metrics.bounce_transfers.value, unknown.metrics.bounced_records.value]).toEqual([1, 1])
      }
      for (const [id, total] of Object.entries(o.metrics)) {
        const sum = (f: (m: MetricValue) => number | null | undefined) => r.regions.reduce((s, x) => s + (f(x.metrics[id]) ?? 0), 0)
        expect(sum((m) => m.numerator), id).toBe(total.numerator)
        if (total.denominator !== null) expect(sum((m) => m.denominator), id).toBe(total.denominator)
        if (total.coverage) expect(sum((m) => m.coverage?.not_recorded), id).toBe(total.coverage.not_recorded)
        if (total.coverage) expect(sum((m) => m.coverage?.pending), id).toBe(total.coverage.pending)
      }
    }
  })
})

describe('latest versions only', () => {
  it('a correction that moves a record or event out of the window within its month takes it out', async () => {
    // Each version in its own insert (its own part): ClickHouse must not prune the newer part by its
    // time range and then show the stale version left in the window.
    const DZ = shanghaiDate(-25)
    const v1 = record({ source_id: 'DZ-MOVED', received_at: at(`${DZ}T09:00`), updated_at: at(`${DZ}T09:00`) })
    const v2 = { ...v1, received_at: at(`${DZ}T11:00`), updated_at: at(`${DZ}T12:00`) }
    const e1 = { ...transfer('DZ-EV', '12345', 'DZ-MOVED', '110', 'DZ-J', at(`${DZ}T09:30`)), updated_at: at(`${DZ}T09:30`) }
    const e2 = { ...e1, at: at(`${DZ}T11:30`), updated_at: at(`${DZ}T12:00`) }
    for (const [kind, item] of [['records', v1], ['events', e1], ['records', v2], ['events', e2]] as const)
      expect((await post(app, kind, ndjson([item]))).body.rejected).toBe(0)
    const inWindow = (await overview(`from=${DZ}T08:00:00%2B08:00&to=${DZ}T10:00:00%2B08:00&${asOf(AS_OF)}`)).metrics
    expect([inWindow.volume_12345.value, inWindow.transfers_to_110.value]).toEqual([0, 0])
    const later = (await overview(`from=${DZ}T10:00:00%2B08:00&to=${DZ}T13:00:00%2B08:00&${asOf(AS_OF)}`)).metrics
    expect([later.volume_12345.value, later.transfers_to_110.value]).toEqual([1, 1])
  })
})

describe('GET /api/metrics/by-region', () => {
  it('lists every district of Zhengzhou with its volumes, transfers and rates, then 未知区域', async () => {
    const r = await byRegion(`from=${D1}&to=${D1}&${asOf(AS_OF)}`)
    const by = Object.fromEntries(r.regions.map((x) => [x.county_code, x.metrics]))
    const v = (code: string, id: string) => by[code][id].value
    expect(r.regions.find((x) => x.county_code === '410105')?.name).toBe('金水区')
    expect([v('410105', 'volume_12345'), v('410105', 'volume_110')]).toEqual([2, 0])
    expect(parts(by['410105'].response_rate_12345)).toEqual([1, 2])
    expect([v('410102', 'volume_12345'), v('410102', 'transfers_to_110')]).toEqual([2, 1])
    expect([v('410103', 'volume_110'), v('410103', 'transfers_to_12345')]).toEqual([1, 1])
    expect([v('410104', 'volume_110'), v('410104', 'transfers_to_12345'), v('410104', 'bounce_transfers')]).toEqual([1, 1, 1])
    expect(v('410185', 'volume_12345')).toBe(1)
    expect(v('410185', 'response_rate_12345')).toBe(1)
    expect(v('410106', 'volume_12345')).toBe(1)
    expect(by['410106'].response_rate.denominator).toBe(0)
    expect(v('410122', 'volume_12345')).toBe(0)
    expect(v('410122', 'response_rate')).toBeNull()
    expect(r.regions.length).toBeGreaterThanOrEqual(13)
    expect(r.regions.at(-1)).toMatchObject({ county_code: UNKNOWN_REGION, name: '未知区域' })
  })
})

describe('evaluator and analyst endpoints', () => {
  it('exports the records behind the metrics, from which an evaluator recomputes them', async () => {
    const res = await fetch(`${app.url}/api/export/records?from=${D1}&to=${D1}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/ndjson/)
    const rows = (await res.text()).trim().split('\n').map((l) => JSON.parse(l))
    const o = await overview(`from=${D1}&to=${D1}&${asOf(AS_OF)}`)
    expect(rows.filter((r) => r.platform === '12345').length).toBe(o.metrics.volume_12345.value)
    expect(rows.filter((r) => r.platform === '110').length).toBe(o.metrics.volume_110.value)
    // The response rate by hand from the exported rows, following its published policies.
    const ms = (s: string | null) => (s ? Date.parse(s.replace(' ', 'T') + '+08:00') : null)
    const excluded = ['non_police', 'invalid_alarm', 'consult_only']
    const judged = rows.filter((r) => r.status !== 'transferred_out' &&
      (r.platform === '110' ? !(excluded.includes(r.kind) && !r.dispatched_at && !r.arrived_at) : r.dispatched_at))
    let num = 0, den = 0
    for (const r of judged) {
      const resp = r.platform === '110' ? ms(r.first_response_at) ?? ms(r.arrived_at) : ms(r.first_response_at)
      const deadline = (r.platform === '110' ? ms(r.received_at)! + 30 * 60_000 : ms(r.dispatched_at)! + 1440 * 60_000)
      const movedOn = ['handling', 'replied', 'closed'].includes(r.status) || r.replied_at || r.closed_at || r.callback_at
      if (resp !== null && resp <= deadline) num++
      if (resp !== null || (!movedOn && deadline <= Date.parse(AS_OF))) den++
    }
    expect([num, den]).toEqual(parts(o.metrics.response_rate))
    expect(Object.keys(rows[0])).not.toContain('caller_key')
    expect(Object.keys(rows[0])).not.toContain('content')
    // any window up to about ten years (streamed month by month); longer is refused, naming the window
    expect((await fetch(`${app.url}/api/export/records?from=2026-01-01&to=2026-03-01`)).status).toBe(200)
    const long = await fetch(`${app.url}/api/export/records?from=2010-01-01&to=2026-03-01`)
    expect(long.status).toBe(400)
    expect((await long.json()).error).toMatch(/from–to: window longer than 3700 days/)
  })

  it('publishes every metric definition with its SQL, policies and settings', async () => {
    const d = Definitions.parse((await getJson(app, '/api/metrics/definitions')).body)
    const o = await overview('')
    expect(d.metrics.map((m) => m.id).sort()).toEqual(Object.keys(o.metrics).sort())
    for (const base of ['response_rate', 'resolution_rate', 'satisfaction_rate', 'satisfaction_first_rate'])
      expect(d.metrics.filter((m) => [base, `${base}_12345`, `${base}_110`].includes(m.id)).map((m) => m.platform).sort()).toEqual(['110', '12345', 'both'])
    const resp = d.metrics.find((m) => m.id === 'response_rate_110')!
    expect(resp.denominator_sql).toContain('resp_deadline')
    expect(resp.denominator_sql).toContain('{as_of:')
    expect(resp.not_recorded_sql).toContain('moved_on')
    expect(JSON.stringify(d)).not.toContain('now64')
    expect(d.records_derived_sql).toContain('dispatched_at')
    expect(d.records_derived_sql).toContain("'invalid_alarm'")
    expect(d.events_source_sql).toContain('bounced_back')
    const policyIds = new Set(d.policies.map((p) => p.id))
    for (const m of d.metrics) for (const p of m.policies) expect(policyIds.has(p), `${m.id}: ${p}`).toBe(true)
    expect(d.policies.find((p) => p.id === 'response_scope_110')?.setting).toBe('RESPONSE_EXCLUDE_110_KINDS')
    expect(d.policies.find((p) => p.id === 'coverage')?.setting).toBe('METRICS_MIN_COVERAGE')
    expect(d.settings).toEqual({ RESPONSE_LIMIT_12345_MIN: 1440, RESPONSE_LIMIT_110_MIN: 30, RESPONSE_EXCLUDE_110_KINDS: ['non_police', 'invalid_alarm', 'consult_only'], METRICS_MIN_COVERAGE: 0.8, SIGN_LIMIT_12345_MIN: 1440, SIGN_LIMIT_EMERGENCY_MIN: 15,
      ARRIVE_LIMIT_URBAN_MIN: 5, ARRIVE_LIMIT_SUBURBAN_MIN: 10, ARRIVE_LIMIT_RURAL_MIN: 30, ARRIVE_AREA_CLASSES: DEFAULT_AREA_CLASSES,
      REPEAT_SPAN_12345_HOURS: 720, REPEAT_SPAN_110_HOURS: 24, METRICS_EXTENDED: true })
  })

  it('traces a matter across both platforms through its transfers', async () => {
    const t = Trace.parse((await getJson(app, '/api/trace/12345/G-D')).body)
    expect(t.records.map((r) => `${r.platform}:${r.source_id}`).sort()).toEqual(['110:J-F', '12345:G-D'])
    expect(t.events.map((e) => e.event_id)).toEqual(['EV-1', 'EV-4', 'EV-2'])
    // from the other end, the same matter
    const back = Trace.parse((await getJson(app, '/api/trace/110/J-F')).body)
    expect(back.records.length).toBe(2)
    expect(JSON.stringify(t)).not.toMatch(/1381234/)
    expect((await getJson(app, '/api/trace/12345/NOPE')).status).toBe(404)
    expect((await getJson(app, '/api/trace/119/G-D')).status).toBe(400)
  })

  it('says the bounce job has not run yet rather than that there are no bounces', async () => {
    const b = Bounces.parse((await getJson(app, '/api/metrics/bounces')).body)
    expect(b).toEqual({ computed_at: null, rows: [] })
  })
})
