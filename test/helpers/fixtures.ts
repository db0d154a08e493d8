// Hand-made records whose metric values are known in advance, and the one clock every test reads.
import type { RecordInput, EventInput } from '../../model/record'

/**
 * The instant tests take as "now" when TEST_NOW is not set: fixed, so a test never depends on
 * the date it runs on. It lies in the past because the server refuses timestamps more than a day
 * ahead of the real clock.
 */
export const DEFAULT_TEST_NOW = '2026-11-20T12:00:00+08:00'

/**
 * "Now" for tests, epoch ms: TEST_NOW (any ISO 8601 instant, or a date meaning noon in Shanghai)
 * if set, else DEFAULT_TEST_NOW. Tests build data from this, never from Date.now().
 * `npm run test:dates` runs the date-sensitive tests over a range of simulated dates through it.
 */
export function testNow(): number {
  const raw = process.env.TEST_NOW?.trim() || DEFAULT_TEST_NOW
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T12:00:00+08:00` : raw)
  if (!Number.isFinite(t)) throw new Error(`TEST_NOW is not an ISO 8601 instant or date: "${raw}"`)
  // Only a sanity check of the setting (the data never depends on the real date).
  if (t > Date.now()) throw new Error(`TEST_NOW must lie in the past (the server refuses future timestamps): "${raw}"`)
  return t
}

/** ISO timestamp in Asia/Shanghai, `minutes` after `base` ('YYYY-MM-DDThh:mm'). */
export function at(base: string, minutes = 0): string {
  const t = Date.parse(`${base}:00+08:00`) + minutes * 60_000
  return new Date(t + 8 * 3600_000).toISOString().replace('Z', '+08:00')
}

export function record(over: Partial<RecordInput> & { source_id: string }): RecordInput {
  // Default: 09:00 on the test clock's day (2026-11-20 unless TEST_NOW says otherwise).
  const received = over.received_at ?? at(`${shanghaiDate(0)}T09:00`)
  return {
    platform: '12345',
    updated_at: received,
    channel: 'phone',
    received_at: received,
    county_code: '410105',
    kind: 'complaint',
    status: 'received',
    title: '小区门口路灯不亮',
    content: '金水区某小区门口路灯连续三天不亮，请尽快维修。',
    caller_phone: '13812345678',
    ...over,
  }
}

export function transfer(id: string, platform: '12345' | '110', recordId: string, to: '12345' | '110', counterpart: string, when: string): EventInput {
  return { event_id: id, platform, record_id: recordId, type: 'transfer', at: when, from_platform: platform, to_platform: to, counterpart_id: counterpart }
}

/** 'YYYY-MM-DD' in Asia/Shanghai, `offset` days from the test clock's today (testNow()). */
export function shanghaiDate(offset = 0, now = testNow()): string {
  return new Date(now + 8 * 3600_000 + offset * 86_400_000).toISOString().slice(0, 10)
}

/** The day of knownDay(): five days before testNow(), so every limit has passed and every job window is final. */
export const KNOWN = { prev: shanghaiDate(-6), day: shanghaiDate(-5), next: shanghaiDate(-4) }

/**
 * A small day (KNOWN.day, Asia/Shanghai) whose metrics are worked out by hand in test/metrics.test.ts.
 * Response limits: 12345 1440 min, 110 30 min (the defaults).
 */
export function knownDay(): { records: RecordInput[]; events: EventInput[] } {
  const d = KNOWN.day
  const records: RecordInput[] = [
    // A: responded in time, solved, final satisfied (first unsatisfied)
    record({ source_id: 'G-A', received_at: at(`${d}T09:00`), updated_at: at(`${d}T18:00`), county_code: '410105', status: 'closed',
      dispatched_at: at(`${d}T09:10`), first_response_at: at(`${d}T09:30`), closed_at: at(`${d}T17:00`),
      callback: { at: at(`${d}T18:00`), contacted: true, solved: true, satisfaction_first: 'unsatisfied', satisfaction_final: 'satisfied' } }),
    // B: responded two days late, not solved, unsatisfied
    record({ source_id: 'G-B', received_at: at(`${d}T09:00`), updated_at: at(`${d}T09:00`, 3 * 1440), county_code: '410105', status: 'closed',
      dispatched_at: at(`${d}T09:10`), first_response_at: at(`${d}T09:00`, 2 * 1440), closed_at: at(`${d}T09:00`, 3 * 1440),
      callback: { at: at(`${d}T09:00`, 3 * 1440), contacted: true, solved: false, satisfaction_first: 'unsatisfied', satisfaction_final: 'unsatisfied' } }),
    // C: never responded, limit long past
    record({ source_id: 'G-C', received_at: at(`${d}T10:00`), county_code: '410102', status: 'dispatched', dispatched_at: at(`${d}T10:05`) }),
    // D: handed over to 110 (J-F carries on): counts in volume, not in the rates
    record({ source_id: 'G-D', received_at: at(`${d}T10:30`), updated_at: at(`${d}T11:00`), county_code: '410102', status: 'transferred_out', kind: 'report' }),
    // E: 110, police on scene in 10 min, solved, basically satisfied
    record({ source_id: 'J-E', platform: '110', kind: 'assistance', received_at: at(`${d}T20:00`), updated_at: at(`${d}T22:00`), county_code: '410103', status: 'closed',
      arrived_at: at(`${d}T20:10`), closed_at: at(`${d}T21:00`),
      callback: { at: at(`${d}T22:00`), contacted: true, solved: true, satisfaction_first: 'basically_satisfied', satisfaction_final: 'basically_satisfied' } }),
    // F: 110 counterpart of G-D, on scene after 60 min (late)
    record({ source_id: 'J-F', platform: '110', kind: 'non_police', received_at: at(`${d}T11:00`), updated_at: at(`${d}T12:30`), county_code: '410104', status: 'closed',
      arrived_at: at(`${d}T12:00`), closed_at: at(`${d}T12:30`) }),
    // H: dispatched two days after receipt, contacted an hour after dispatch: in time for the unit
    record({ source_id: 'G-H', received_at: at(`${d}T09:00`), updated_at: at(`${d}T10:00`, 2 * 1440), county_code: '410185', status: 'handling',
      dispatched_at: at(`${d}T09:00`, 2 * 1440), first_response_at: at(`${d}T10:00`, 2 * 1440) }),
    // I: a consultation the operator answered directly: no unit, so not judged on response
    record({ source_id: 'G-I', kind: 'consult', received_at: at(`${d}T09:20`), updated_at: at(`${d}T09:30`), county_code: '410106', status: 'closed',
      replied_at: at(`${d}T09:25`), closed_at: at(`${d}T09:30`) }),
    // G: the day before, outside the window
    record({ source_id: 'G-G', received_at: at(`${KNOWN.prev}T09:00`), county_code: '410105', status: 'received' }),
  ]
  const events: EventInput[] = [
    transfer('EV-1', '12345', 'G-D', '110', 'J-F', at(`${d}T11:00`)),
    // J-F arrived by transfer from 12345 and is sent back: a bounce
    transfer('EV-2', '110', 'J-F', '12345', 'G-D', at(`${d}T12:30`)),
    transfer('EV-3', '110', 'J-E', '12345', 'G-X', at(`${d}T21:00`)),
    // the receiving side's record of the same hand-over is not a second transfer
    { event_id: 'EV-4', platform: '110', record_id: 'J-F', type: 'accepted', at: at(`${d}T11:00`) },
    transfer('EV-5', '12345', 'G-G', '110', 'J-G', at(`${KNOWN.prev}T09:30`)),
  ]
  return { records, events }
}
