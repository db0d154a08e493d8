// Detectors (issue 7: disputed categories, jurisdiction conflicts, repeat callers, emergencies left
// with 12345, surges, overdue supervision) on small constructed cases, each with a positive and a
// negative, stored through a real app; and the detect job's windows (idempotent, late data, catch-up,
// one failing detector). Each detector's cases use their own days, categories and counties, and
// every time derives from testNow().
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestApp, post, ndjson, type TestApp } from './helpers/app'
import { record, testNow } from './helpers/fixtures'
import type { RecordInput, EventInput } from '../model/record'
import { Finding } from '../model/finding'
import { queryRows } from '../analytics/clickhouse'
import {
  DETECTORS, detectDisputedCategories, detectJurisdiction, detectRepeatCallers, detectEmergencies, detectSurges, detectOverdue, poissonUpper, judgeSurge,
  DEFAULT_DISPUTED_CATEGORY, DEFAULT_JURISDICTION, DEFAULT_REPEAT_CALLER, DEFAULT_EMERGENCY, DEFAULT_SURGE, DEFAULT_OVERDUE,
  type DetectorSpec,
} from '../jobs/detectors'
import { runDetectJob } from '../jobs/detect-job'
import { ItemStore, WITHDRAWN_REASON } from '../analytics/items/store'
import { itemId } from '../analytics/items/model'

const MIN = 60_000, HOUR = 3_600_000, DAY = 86_400_000
const T = testNow()
/** Start of the Shanghai day `offset` days from T's day. */
const dayStart = (offset: number) => Math.floor((T + 8 * HOUR) / DAY) * DAY - 8 * HOUR + offset * DAY
/** ISO in Asia/Shanghai. */
const iso = (ms: number) => new Date(ms + 8 * HOUR).toISOString().replace('Z', '+08:00')

let app: TestApp
beforeAll(async () => { app = await startTestApp() })
afterAll(async () => { await app?.stop() })

/** A record with no caller (so repeat callers see only their own cases) unless one is given. */
function rec(id: string, receivedMs: number, over: Partial<RecordInput> = {}): RecordInput {
  return record({ source_id: id, received_at: iso(receivedMs), updated_at: iso(receivedMs + 30 * MIN), caller_phone: null, ...over })
}
let evSeq = 0
function ev(platform: '12345' | '110', recordId: string, type: EventInput['type'], atMs: number, over: Partial<EventInput> = {}): EventInput {
  return { event_id: `DET-EV-${++evSeq}`, platform, record_id: recordId, type, at: iso(atMs), ...over }
}
async function store(records: RecordInput[], events: EventInput[] = []) {
  if (records.length) {
    const r = await post(app, 'records', ndjson(records))
    expect(r.body.rejected, JSON.stringify(r.body.results?.filter((x: any) => x.status !== 'accepted'))).toBe(0)
  }
  if (events.length) {
    const e = await post(app, 'events', ndjson(events))
    expect(e.body.rejected, JSON.stringify(e.body.results?.filter((x: any) => x.status !== 'accepted'))).toBe(0)
  }
}
/** Every finding obeys the contract, its query runs and lists its samples. */
async function checkContract(fs: Finding[]) {
  for (const f of fs) {
    expect(() => Finding.parse(f)).not.toThrow()
    expect(f.samples.length).toBeGreaterThan(0)
    expect(f.samples.length).toBeLessThanOrEqual(20)
    expect(f.series.length).toBeGreaterThan(0)
    expect(f.query).not.toMatch(/\{\w+:/) // literal values only
    const listed = await queryRows<{ platform: string; source_id: string }>(app.db, f.query)
    const keys = new Set(listed.map((r) => `${r.platform}|${r.source_id}`))
    for (const s of f.samples) expect(keys.has(`${s.platform}|${s.source_id}`), `${f.fingerprint}: ${s.source_id} in its query`).toBe(true)
  }
}
const fp = (fs: Finding[]) => fs.map((f) => f.fingerprint)

describe('disputed categories (高频争议事项)', () => {
  // Window: the day before T's day. PUB_MANHOLE in 410102 disputed on 3 of the last 7 days (incl. the
  // window); ENV_GARBAGE in 410103 only in the window (a blip).
  const w = { from: dayStart(-1), to: dayStart(0) }
  beforeAll(async () => {
    const records: RecordInput[] = []
    const events: EventInput[] = []
    const disputedDay = (prefix: string, day: number, category: string, county: string, n: number) => {
      for (let i = 0; i < n; i++) {
        const id = `${prefix}-${day}-${i}`
        const t0 = dayStart(day) + 9 * HOUR + i * 10 * MIN
        records.push(rec(id, t0, { category_code: category, county_code: county, status: 'signed', dispatched_at: iso(t0 + MIN), signed_at: iso(t0 + 5 * HOUR) }))
        events.push(ev('12345', id, 'dispatched', t0 + MIN, { from_unit: 'ZZ-12345', to_unit: 'ZZ-ZY-CGJ' }))
        events.push(ev('12345', id, 'returned', t0 + HOUR, { from_unit: 'ZZ-ZY-CGJ', to_unit: 'ZZ-12345' }))
        events.push(ev('12345', id, 'redispatched', t0 + 2 * HOUR, { from_unit: 'ZZ-12345', to_unit: 'ZZ-ZY-JD001' }))
        events.push(ev('12345', id, 'returned', t0 + 3 * HOUR, { from_unit: 'ZZ-ZY-JD001', to_unit: 'ZZ-12345' }))
        events.push(ev('12345', id, 'redispatched', t0 + 4 * HOUR, { from_unit: 'ZZ-12345', to_unit: 'ZZ-ZY-ZJJ' }))
      }
    }
    for (const d of [-1, -2, -4]) disputedDay('DC-M', d, 'PUB_MANHOLE', '410102', 3) // 6 returns a day
    disputedDay('DC-G', -1, 'ENV_GARBAGE', '410103', 4) // 8 returns, one day only
    disputedDay('DC-S', -1, 'PUB_STREETLIGHT', '410102', 1) // 2 returns: not frequent
    disputedDay('DC-S', -3, 'PUB_STREETLIGHT', '410102', 1)
    await store(records, events)
  })

  it('raises a category × county whose disputes are frequent and recur', async () => {
    const fs = await detectDisputedCategories(app.db, w, DEFAULT_DISPUTED_CATEGORY)
    const f = fs.find((x) => x.fingerprint === 'disputed_category|PUB_MANHOLE|410102')
    expect(f, JSON.stringify(fp(fs))).toBeDefined()
    expect(f!.counts).toMatchObject({ disputes: 6, disputed_records: 3, returns: 6, redispatches: 6, windows_disputed: 3, records: 9 })
    expect(f!.counts.median_sign_min).toBeCloseTo(299, 0)
    expect(f!.title).toContain('井盖缺失')
    expect(f!.title).toContain('中原区')
    expect(f!.suggested_lead).toBe('CGJ')
    expect(f!.suggested_assist).toEqual(['JD'])
    expect(f!.units).toEqual(['ZZ-ZY-CGJ', 'ZZ-ZY-JD001'])
    expect(f!.series.map((s) => s.n)).toEqual([6, 6, 6])
    await checkContract(fs)
  })

  it('does not raise a one-day blip, nor a category with few disputes', async () => {
    const fs = await detectDisputedCategories(app.db, w, DEFAULT_DISPUTED_CATEGORY)
    expect(fp(fs)).not.toContain('disputed_category|ENV_GARBAGE|410103')
    expect(fp(fs)).not.toContain('disputed_category|PUB_STREETLIGHT|410102')
    // …and the recurring one is not raised on a day it had no disputes
    const quiet = await detectDisputedCategories(app.db, { from: dayStart(-3), to: dayStart(-2) }, DEFAULT_DISPUTED_CATEGORY)
    expect(fp(quiet)).not.toContain('disputed_category|PUB_MANHOLE|410102')
  })

  it('a call spanning several days gives, in order, what one call per day gives (catch-up runs span up to maxSpanMs)', async () => {
    // samples of records with equally many disputes come in no fixed order
    const norm = (fs: Finding[]) => fs.map((f) => ({ ...f, samples: [...f.samples].sort((a, b) => (a.source_id < b.source_id ? -1 : 1)) }))
    const cfg = { ...DEFAULT_DISPUTED_CATEGORY, recurWindows: 2 } // so that several days raise
    const span = await detectDisputedCategories(app.db, { from: dayStart(-6), to: dayStart(0) }, cfg)
    const daily: Finding[] = []
    for (let d = -6; d < 0; d++) daily.push(...await detectDisputedCategories(app.db, { from: dayStart(d), to: dayStart(d + 1) }, cfg))
    expect(daily.length).toBeGreaterThan(1)
    expect(norm(span)).toEqual(norm(daily))
  })
})

describe('jurisdiction conflicts (管辖争议)', () => {
  const d = dayStart(-2)
  const w = { from: d, to: d + DAY }
  beforeAll(async () => {
    const t = d + 9 * HOUR
    const records: RecordInput[] = []
    const events: EventInput[] = []
    // A→B→A between units, then signed: twice for the same category and pair
    for (const id of ['JC-PP1', 'JC-PP2']) {
      records.push(rec(id, t, { category_code: 'CON_DISTURB', county_code: '410104', status: 'signed', unit_code: 'ZZ-GC-ZJJ', dispatched_at: iso(t + MIN), signed_at: iso(t + 5 * HOUR) }))
      events.push(
        ev('12345', id, 'dispatched', t + MIN, { from_unit: 'ZZ-12345', to_unit: 'ZZ-GC-ZJJ' }),
        ev('12345', id, 'returned', t + HOUR, { from_unit: 'ZZ-GC-ZJJ', to_unit: 'ZZ-12345' }),
        ev('12345', id, 'redispatched', t + 61 * MIN, { from_unit: 'ZZ-12345', to_unit: 'ZZ-GC-JD003' }),
        ev('12345', id, 'returned', t + 2 * HOUR, { from_unit: 'ZZ-GC-JD003', to_unit: 'ZZ-12345' }),
        ev('12345', id, 'redispatched', t + 121 * MIN, { from_unit: 'ZZ-12345', to_unit: 'ZZ-GC-ZJJ' }))
    }
    // A→B→A once only, in another category
    records.push(rec('JC-PP3', t, { category_code: 'ENV_DUMPING', county_code: '410104', status: 'signed', unit_code: 'ZZ-GC-CGJ', dispatched_at: iso(t + MIN), signed_at: iso(t + 5 * HOUR) }))
    events.push(
      ev('12345', 'JC-PP3', 'dispatched', t + MIN, { from_unit: 'ZZ-12345', to_unit: 'ZZ-GC-CGJ' }),
      ev('12345', 'JC-PP3', 'unit_transfer', t + HOUR, { from_unit: 'ZZ-GC-CGJ', to_unit: 'ZZ-GC-JD003' }),
      ev('12345', 'JC-PP3', 'unit_transfer', t + 2 * HOUR, { from_unit: 'ZZ-GC-JD003', to_unit: 'ZZ-GC-CGJ' }))
    // A→B only, twice
    for (const id of ['JC-AB1', 'JC-AB2']) {
      records.push(rec(id, t, { category_code: 'CSM_PRICE', county_code: '410104', status: 'signed', unit_code: 'ZZ-GC-JD003', dispatched_at: iso(t + MIN), signed_at: iso(t + 3 * HOUR) }))
      events.push(
        ev('12345', id, 'dispatched', t + MIN, { from_unit: 'ZZ-12345', to_unit: 'ZZ-GC-CGJ' }),
        ev('12345', id, 'returned', t + HOUR, { from_unit: 'ZZ-GC-CGJ', to_unit: 'ZZ-12345' }),
        ev('12345', id, 'redispatched', t + 61 * MIN, { from_unit: 'ZZ-12345', to_unit: 'ZZ-GC-JD003' }))
    }
    // three units, nobody signed: no owner (raised alone)
    records.push(rec('JC-3U', t, { category_code: 'LIV_PROPERTY', county_code: '410104', status: 'dispatched', unit_code: 'ZZ-GC-JD003', dispatched_at: iso(t + MIN) }))
    events.push(
      ev('12345', 'JC-3U', 'dispatched', t + MIN, { from_unit: 'ZZ-12345', to_unit: 'ZZ-GC-FGJ' }),
      ev('12345', 'JC-3U', 'unit_transfer', t + HOUR, { from_unit: 'ZZ-GC-FGJ', to_unit: 'ZZ-GC-ZJJ' }),
      ev('12345', 'JC-3U', 'unit_transfer', t + 2 * HOUR, { from_unit: 'ZZ-GC-ZJJ', to_unit: 'ZZ-GC-JD003' }))
    // 110 → 12345 → back to 110 (回流), twice
    for (const n of [1, 3]) {
      records.push(
        rec(`JC-J${n}`, t, { platform: '110', kind: 'non_police', category_code: 'DSP_DOG', county_code: '410104', status: 'transferred_out' }),
        rec(`JC-G${n}`, t + 10 * MIN, { category_code: 'DSP_DOG', county_code: '410104', status: 'transferred_out', channel: 'internet' }))
      events.push(
        { event_id: `JC-T${n}a`, platform: '110', record_id: `JC-J${n}`, type: 'transfer', at: iso(t + 10 * MIN), from_platform: '110', to_platform: '12345', counterpart_id: `JC-G${n}` },
        { event_id: `JC-T${n}b`, platform: '12345', record_id: `JC-G${n}`, type: 'transfer', at: iso(t + 40 * MIN), from_platform: '12345', to_platform: '110', counterpart_id: `JC-J${n}` })
    }
    // 110 → 12345, kept there: no conflict
    records.push(
      rec('JC-J2', t, { platform: '110', kind: 'non_police', category_code: 'ENV_SEWAGE', county_code: '410104', status: 'transferred_out' }),
      rec('JC-G2', t + 10 * MIN, { category_code: 'ENV_SEWAGE', county_code: '410104', status: 'handling', channel: 'internet' }))
    events.push({ event_id: 'JC-T2', platform: '110', record_id: 'JC-J2', type: 'transfer', at: iso(t + 10 * MIN), from_platform: '110', to_platform: '12345', counterpart_id: 'JC-G2' })
    // dispatched, never signed, no hand-over: only unsigned beyond the limit (deadline on day d+1)
    records.push(rec('JC-UN', t, { category_code: 'HLP_LEGAL_AID', county_code: '410104', status: 'dispatched', unit_code: 'ZZ-GC-SFJ', dispatched_at: iso(t + MIN) }))
    await store(records, events)
  })

  it('groups ping-pong, many units and 回流 by category and unit pair', async () => {
    const fs = await detectJurisdiction(app.db, w, DEFAULT_JURISDICTION)
    const pp = fs.find((f) => f.fingerprint === 'jurisdiction_conflict|CON_DISTURB|ZZ-GC-JD003~ZZ-GC-ZJJ')
    expect(pp, JSON.stringify(fp(fs))).toBeDefined()
    expect(pp!.counts).toMatchObject({ records: 2, pingpong_unit: 2 })
    expect(pp!.samples).toEqual([{ platform: '12345', source_id: 'JC-PP1' }, { platform: '12345', source_id: 'JC-PP2' }])
    expect(pp!.title).toContain('施工扰民')
    expect(pp!.suggested_lead).toBe('ZJJ')
    const back = fs.find((f) => f.fingerprint === 'jurisdiction_conflict|DSP_DOG|110~12345')
    expect(back).toBeDefined()
    expect(back!.counts).toMatchObject({ backflow: 2, records: 2 })
    expect(back!.severity).toBe('high')
    const many = fs.find((f) => f.category_code === 'LIV_PROPERTY')
    expect(many?.counts).toMatchObject({ many_units: 1, records: 1 })
    expect(many!.fingerprint).toBe('jurisdiction_conflict|LIV_PROPERTY|ZZ-GC-JD003~ZZ-GC-ZJJ')
    await checkContract(fs)
  })

  it('does not raise A→B only, a diversion kept by 12345, or one ping-pong alone', async () => {
    const fs = await detectJurisdiction(app.db, w, DEFAULT_JURISDICTION)
    expect(fs.filter((f) => ['CSM_PRICE', 'ENV_SEWAGE', 'ENV_DUMPING'].includes(f.category_code))).toEqual([])
    const one = await detectJurisdiction(app.db, w, { ...DEFAULT_JURISDICTION, minRecords: 1 })
    expect(fp(one)).toContain('jurisdiction_conflict|ENV_DUMPING|ZZ-GC-CGJ~ZZ-GC-JD003')
    expect(one.filter((f) => ['CSM_PRICE', 'ENV_SEWAGE'].includes(f.category_code))).toEqual([])
    // nothing new in the next week's window: the evidence lies before it
    const later = await detectJurisdiction(app.db, { from: d + 7 * DAY, to: d + 8 * DAY }, DEFAULT_JURISDICTION)
    expect(later.filter((f) => f.category_code === 'CON_DISTURB')).toEqual([])
  })

  it('unsigned beyond the limit alone counts only from minUnsignedOnly records', async () => {
    const next = { from: d + DAY, to: d + 2 * DAY }
    expect((await detectJurisdiction(app.db, next, DEFAULT_JURISDICTION)).filter((f) => f.category_code === 'HLP_LEGAL_AID')).toEqual([])
    const one = await detectJurisdiction(app.db, next, { ...DEFAULT_JURISDICTION, minUnsignedOnly: 1 })
    const f = one.find((x) => x.category_code === 'HLP_LEGAL_AID')
    expect(f?.counts).toMatchObject({ unsigned: 1, records: 1 })
    expect(f!.fingerprint).toBe('jurisdiction_conflict|HLP_LEGAL_AID|12345~ZZ-GC-SFJ')
    // the many-units record, still unsigned a day later, is raised again with both reasons
    const many = one.find((x) => x.category_code === 'LIV_PROPERTY')
    expect(many?.counts).toMatchObject({ many_units: 1, unsigned: 1 })
  })

  it('a call spanning several days gives, in order, what one call per day gives (catch-up runs span up to maxSpanMs)', async () => {
    // records of one group found at one instant come in no fixed order
    const norm = (fs: Finding[]) => fs.map((f) => ({ ...f, samples: [...f.samples].sort((a, b) => (a.source_id < b.source_id ? -1 : 1)), query: '' }))
    for (const cfg of [DEFAULT_JURISDICTION, { ...DEFAULT_JURISDICTION, minUnsignedOnly: 1, minRecords: 1 }]) {
      const from = d - 2 * DAY + 5 * HOUR // not at midnight: catch-up spans start where the last run ended
      const span = await detectJurisdiction(app.db, { from, to: from + 4 * DAY + 3 * HOUR }, cfg)
      const daily: Finding[] = []
      for (let t = from; t < from + 4 * DAY + 3 * HOUR; t += DAY) daily.push(...await detectJurisdiction(app.db, { from: t, to: Math.min(t + DAY, from + 4 * DAY + 3 * HOUR) }, cfg))
      expect(daily.length).toBeGreaterThan(1)
      expect(norm(span)).toEqual(norm(daily))
    }
  })
})

describe('repeat callers (重复来电)', () => {
  const d = dayStart(-6)
  const w = { from: d, to: d + DAY }
  beforeAll(async () => {
    const t = d + 8 * HOUR
    await store([
      rec('RC-A1', t - 3 * DAY, { caller_phone: '13900000001', category_code: 'CSM_PREPAID', county_code: '410106', title: '预付卡退费', content: '健身房关门了，预付卡不退钱。' }),
      rec('RC-A2', t, { caller_phone: '13900000001', category_code: 'CSM_PREPAID', county_code: '410106', title: '预付卡退费', content: '第二次反映，还是没人管。' }),
      rec('RC-A3', t + HOUR, { caller_phone: '13900000001', category_code: 'CSM_PREPAID', county_code: '410106', title: '预付卡退费', content: '再不解决我就找媒体曝光！' }),
      rec('RC-A4', t + 2 * HOUR, { caller_phone: '13900000001', category_code: 'CSM_PREPAID', county_code: '410106', title: '预付卡退费', content: '还没人联系我。' }),
      // three calls about three different matters: a frequent caller, not a repeated appeal
      rec('RC-D1', t, { caller_phone: '13900000004', category_code: 'PUB_STREETLIGHT' }),
      rec('RC-D2', t + HOUR, { caller_phone: '13900000004', category_code: 'ENV_GARBAGE' }),
      rec('RC-D3', t + 2 * HOUR, { caller_phone: '13900000004', category_code: 'HLP_CONSULT' }),
      rec('RC-B1', t, { caller_phone: '13900000002', category_code: 'PUB_STREETLIGHT', county_code: '410106' }),
      rec('RC-B2', t + HOUR, { caller_phone: '13900000002', category_code: 'PUB_STREETLIGHT', county_code: '410106' }),
      // three calls, but none in the window: not raised again for it
      rec('RC-C1', t - 5 * DAY, { caller_phone: '13900000003' }),
      rec('RC-C2', t - 4 * DAY, { caller_phone: '13900000003' }),
      rec('RC-C3', t - 3 * DAY, { caller_phone: '13900000003' }),
    ])
  })

  it('raises one caller key with ≥3 calls, severity up when the language escalates, no key or text in the title', async () => {
    const fs = await detectRepeatCallers(app.db, w, DEFAULT_REPEAT_CALLER)
    expect(fs).toHaveLength(1)
    const f = fs[0]
    expect(f.counts).toMatchObject({ calls: 4, escalated: 1, in_window: 3 })
    expect(f.severity).toBe('high')
    expect(f.title).toBe('同一来电人 7 天内 4 次来电：上街区 预付卡退费（诉求升级）')
    const key = f.fingerprint.split('|')[1]
    expect(key.length).toBeGreaterThan(8)
    expect(f.title).not.toContain(key)
    expect(f.title).not.toMatch(/媒体|健身房|13900000001/)
    expect(f.suggested_lead).toBe('SCJ')
    await checkContract(fs)
  })

  it('works on records with neither category nor text', async () => {
    const t = d - DAY + 20 * HOUR
    await store([0, 1, 2].map((i) => rec(`RC-E${i}`, t + i * MIN, { caller_phone: '13900000005', title: '', content: '', category_code: '' })))
    const fs = await detectRepeatCallers(app.db, { from: t, to: t + HOUR }, DEFAULT_REPEAT_CALLER)
    expect(fs).toHaveLength(1)
    expect(fs[0].title).toBe('同一来电人 7 天内 3 次来电：金水区')
    expect(fs[0]).toMatchObject({ category_code: '', suggested_lead: '', suggested_assist: [] })
    await checkContract(fs)
  })

  it('two calls are not a repeat caller, nor three about different matters; without escalation the severity stays medium', async () => {
    const fs = await detectRepeatCallers(app.db, w, { ...DEFAULT_REPEAT_CALLER, escalationKeywords: [], criticalKeywords: [] })
    expect(fs).toHaveLength(1)
    expect(fs[0].counts).toMatchObject({ calls: 4, same_matter: 4 })
    const any = await detectRepeatCallers(app.db, w, { ...DEFAULT_REPEAT_CALLER, sameMatter: false })
    expect(any.map((f) => f.counts.calls).sort()).toEqual([3, 4])
    expect(fs[0].severity).toBe('medium')
    expect(fs[0].title).not.toContain('升级')
  })

  it('a call spanning several days gives, in order, what one call per day gives (catch-up runs span up to maxSpanMs)', async () => {
    const cfg = { ...DEFAULT_REPEAT_CALLER, sameMatter: false }
    // one caller on four days: raised on the third and the fourth
    const t = dayStart(-10) + 10 * HOUR
    await store([0, 1, 2, 3].map((i) => rec(`RC-F${i}`, t + i * DAY, { caller_phone: '13900000006', category_code: 'ENV_GARBAGE' })))
    const span = await detectRepeatCallers(app.db, { from: dayStart(-10), to: dayStart(0) }, cfg)
    const daily: Finding[] = []
    for (let x = -10; x < 0; x++) daily.push(...await detectRepeatCallers(app.db, { from: dayStart(x), to: dayStart(x + 1) }, cfg))
    // several days raise, one caller on more than one day
    expect(new Set(daily.map((f) => f.first_seen)).size).toBeGreaterThan(1)
    expect(daily.length).toBeGreaterThan(new Set(daily.map((f) => f.fingerprint)).size)
    expect(span).toEqual(daily)
  })
})

describe('emergencies left with 12345 (四类紧急事项)', () => {
  const base = dayStart(-8) + 10 * HOUR
  const w = { from: base, to: base + HOUR }
  beforeAll(async () => {
    const tr = (id: string, after: number): EventInput =>
      ({ event_id: `EM-T-${id}`, platform: '12345', record_id: id, type: 'transfer', at: iso(base + after * MIN), from_platform: '12345', to_platform: '110', counterpart_id: `${id}Z` })
    await store([
      rec('EM-1', base, { content: '有人站在楼顶说要跳楼，情绪激动。', county_code: '410105' }),
      rec('EM-2', base, { content: '一群人在小区门口拉横幅聚集。', status: 'transferred_out' }),
      rec('EM-3', base, { content: '闻到很浓的煤气味，怀疑燃气泄漏。', status: 'transferred_out' }),
      rec('EM-4', base, { content: '小区门口路灯不亮。' }),
      // urgency 'emergency' on a police category counts; on a utility's (12345's) category, even with danger words, not
      rec('EM-5', base, { content: '家门口来了一个人。', urgency: 'emergency', category_code: 'POL_CRIME' }),
      rec('EM-7', base, { content: '楼道里燃气泄漏，请燃气公司抢修。', urgency: 'emergency', category_code: 'LIV_GAS_LEAK' }),
      // dogs gathering are no mass gathering
      rec('EM-8', base, { content: '路口聚集了好几条流浪狗，经常追着人跑。', category_code: 'DSP_DOG' }),
      rec('EM-9', base, { content: '幸福花园业主因交房问题在售楼部聚集，情绪激动。', category_code: 'LIV_HOUSING' }),
      // a knife in front of a compound, whatever 12345 category the operator picked
      rec('EM-10', base, { title: '邻居持刀在小区门口', content: '邻居拿着刀在小区门口晃，大家都不敢靠近。', category_code: 'DSP_NEIGHBOR' }),
      // diverted by 110 (which attended first): 110 has it already
      rec('EM-J6', base - 20 * MIN, { platform: '110', kind: 'public_safety', status: 'transferred_out' }),
      rec('EM-6', base, { content: '楼下有人持刀吵架，派出所来过了，请协调后续。', channel: 'internet' }),
    ], [tr('EM-2', 3), tr('EM-3', 8),
      { event_id: 'EM-T-J6', platform: '110', record_id: 'EM-J6', type: 'transfer', at: iso(base), from_platform: '110', to_platform: '12345', counterpart_id: 'EM-6' }])
  })

  it('raises records of the four kinds not transferred to 110 within the limit, one per record, critical', async () => {
    const fs = await detectEmergencies(app.db, w, DEFAULT_EMERGENCY)
    expect(fp(fs).sort(), JSON.stringify(fp(fs))).toEqual(['emergency_unreferred|12345|EM-1', 'emergency_unreferred|12345|EM-10', 'emergency_unreferred|12345|EM-3', 'emergency_unreferred|12345|EM-5', 'emergency_unreferred|12345|EM-9'])
    expect(fs.find((f) => f.samples[0].source_id === 'EM-10')!.counts).toMatchObject({ danger: 1 })
    expect(fs.find((f) => f.samples[0].source_id === 'EM-9')!.counts).toMatchObject({ gathering: 1 })
    const f1 = fs.find((f) => f.samples[0].source_id === 'EM-1')!
    expect(f1.severity).toBe('critical')
    expect(f1.counts).toMatchObject({ extreme: 1, transferred_late: 0 })
    expect(f1.title).toContain('个人极端事件')
    expect(f1.title).not.toContain('跳楼')
    expect(fs.find((f) => f.samples[0].source_id === 'EM-3')!.counts).toMatchObject({ danger: 1, transferred_late: 1, transfer_after_min: 8 })
    await checkContract(fs)
  })

  it('is raised in a short window ending "now", once the limit has passed, and not before', async () => {
    const before = await detectEmergencies(app.db, { from: base, to: base + 4 * MIN }, DEFAULT_EMERGENCY)
    expect(before).toEqual([])
    const now = await detectEmergencies(app.db, { from: base + 4 * MIN, to: base + 6 * MIN }, DEFAULT_EMERGENCY)
    expect(fp(now)).toContain('emergency_unreferred|12345|EM-1')
    // urgency can be switched off, or made to count alone
    expect(fp(await detectEmergencies(app.db, w, { ...DEFAULT_EMERGENCY, urgency: 'off' }))).not.toContain('emergency_unreferred|12345|EM-5')
    expect(fp(await detectEmergencies(app.db, w, { ...DEFAULT_EMERGENCY, urgency: 'all' }))).toContain('emergency_unreferred|12345|EM-7')
  })

  it('a call spanning many minutes raises what the one-minute calls raise (catch-up runs span up to maxSpanMs)', async () => {
    const from = base - 10 * MIN
    const to = base + 30 * MIN
    const span = fp(await detectEmergencies(app.db, { from, to }, DEFAULT_EMERGENCY)).sort()
    const minutes: string[] = []
    for (let t = from; t < to; t += MIN) minutes.push(...fp(await detectEmergencies(app.db, { from: t, to: t + MIN }, DEFAULT_EMERGENCY)))
    expect(span.length).toBeGreaterThan(0)
    expect(span).toEqual(minutes.sort())
  })
})

describe('surges (话务量激增)', () => {
  // The hour 20:00–21:00 nine days before T, against the same hour in the 4 weeks before it.
  const h = dayStart(-9) + 20 * HOUR
  const WEEK = 7 * DAY
  beforeAll(async () => {
    const records: RecordInput[] = []
    const p110 = { platform: '110' as const, kind: 'public_safety' as const }
    for (let i = 1; i <= 4; i++) {
      for (let k = 0; k < 2; k++) records.push(rec(`SU-A-${i}-${k}`, h - i * WEEK + k * 5 * MIN, { ...p110, category_code: 'POL_BUSINESS_NOISE', county_code: '410108' }))
      for (let k = 0; k < 9 + (i % 3); k++) records.push(rec(`SU-B-${i}-${k}`, h - i * WEEK + k * 3 * MIN, { ...p110, category_code: 'POL_BUSINESS_NOISE', county_code: '410122' }))
    }
    for (let k = 0; k < 12; k++) records.push(rec(`SU-A-0-${k}`, h + k * 4 * MIN, { ...p110, category_code: 'POL_BUSINESS_NOISE', county_code: '410108' }))
    for (let k = 0; k < 11; k++) records.push(rec(`SU-B-0-${k}`, h + k * 4 * MIN, { ...p110, category_code: 'POL_BUSINESS_NOISE', county_code: '410122' }))
    // C: usually 2–3 in that hour, 11 now — a small-count fluctuation (old rule median + 3·max(MAD, 1) = 5.5 raised it).
    for (let i = 1; i <= 4; i++) for (let k = 0; k < 2 + (i % 2); k++) records.push(rec(`SU-C-${i}-${k}`, h - i * WEEK + k * 5 * MIN, { ...p110, category_code: 'POL_DOMESTIC_NOISE', county_code: '410105' }))
    for (let k = 0; k < 11; k++) records.push(rec(`SU-C-0-${k}`, h + k * 5 * MIN, { ...p110, category_code: 'POL_DOMESTIC_NOISE', county_code: '410105' }))
    // E: never seen, a burst of 12 from 20:46 to 21:08 — split 7 + 5 over two clock hours.
    for (let k = 0; k < 12; k++) records.push(rec(`SU-E-0-${k}`, h + 46 * MIN + k * 2 * MIN, { ...p110, category_code: 'POL_RENOVATION_NOISE', county_code: '410108' }))
    await store(records)
  })

  it('raises an hour far above its seasonal baseline', async () => {
    const fs = await detectSurges(app.db, { from: h, to: h + HOUR }, DEFAULT_SURGE)
    const f = fs.find((x) => x.fingerprint === 'surge|110|POL_BUSINESS_NOISE|410108')
    expect(f, JSON.stringify(fp(fs))).toBeDefined()
    expect(f!.counts).toMatchObject({ records: 12, baseline_median: 2, baseline_weeks: 4 })
    expect(f!.title).toContain('经营噪音')
    expect(f!.samples).toHaveLength(12)
    expect(f!.suggested_lead).toBe('PCS')
    await checkContract(fs)
  })

  it('does not raise normal volume, nor a surge still too small, and sees one building in a short window', async () => {
    const fs = await detectSurges(app.db, { from: h, to: h + HOUR }, DEFAULT_SURGE)
    expect(fp(fs)).not.toContain('surge|110|POL_BUSINESS_NOISE|410122')
    // 11 against a usual 2–3: P(X ≥ 11 | 2.5) ≈ 6e-5, not below pMax (1e-5)
    expect(fp(fs)).not.toContain('surge|110|POL_DOMESTIC_NOISE|410105')
    // 20:00–20:20: 5 records so far, below minCount (10)
    expect(await detectSurges(app.db, { from: h, to: h + 20 * MIN }, DEFAULT_SURGE)).toEqual([])
    // the 60 minutes up to 20:40: 10 so far against a usual 2 — not yet significant (P ≈ 5e-5)
    expect(fp(await detectSurges(app.db, { from: h + 35 * MIN, to: h + 40 * MIN }, DEFAULT_SURGE))).toEqual([])
    // …up to 20:45: 12 so far (P ≈ 1.4e-6): raised while the hour is building
    expect(fp(await detectSurges(app.db, { from: h + 40 * MIN, to: h + 45 * MIN }, DEFAULT_SURGE))).toEqual(['surge|110|POL_BUSINESS_NOISE|410108'])
  })

  it('judges a sliding 60 minutes: a burst across the clock hour is raised as soon as it is significant', async () => {
    // The 20:00 hour holds 7 of E's records, the 21:00 hour 5: neither reaches minCount on its own.
    expect(fp(await detectSurges(app.db, { from: h + 55 * MIN, to: h + HOUR }, DEFAULT_SURGE))).not.toContain('surge|110|POL_RENOVATION_NOISE|410108')
    // A live window ending 21:05: the 60 minutes up to now hold 10 (20:46 … 21:04)
    const live = await detectSurges(app.db, { from: h + HOUR, to: h + HOUR + 5 * MIN }, DEFAULT_SURGE)
    const f = live.find((x) => x.fingerprint === 'surge|110|POL_RENOVATION_NOISE|410108')
    expect(f, JSON.stringify(fp(live))).toBeDefined()
    expect(f!.counts).toMatchObject({ records: 10, baseline_mean: 0, window_end: h + HOUR + 5 * MIN })
    expect(f!.counts.p_value).toBeLessThan(1e-5)
    expect(f!.samples).toHaveLength(10)
    await checkContract(live)
    // a complete hourly window 21:00–22:00 judges the 60 minutes ending at each 5 minutes: all 12 at 21:10
    const hour = await detectSurges(app.db, { from: h + HOUR, to: h + 2 * HOUR }, DEFAULT_SURGE)
    expect(hour.find((x) => x.fingerprint === 'surge|110|POL_RENOVATION_NOISE|410108')!.counts.records).toBe(12)
  })

  it('a call spanning many hours raises what the hourly calls raise (catch-up runs span up to maxSpanMs)', async () => {
    const from = h - 6 * HOUR
    const to = h + 6 * HOUR
    const span = fp(await detectSurges(app.db, { from, to }, DEFAULT_SURGE))
    const hourly = new Set<string>()
    for (let t = from; t < to; t += HOUR) for (const k of fp(await detectSurges(app.db, { from: t, to: t + HOUR }, DEFAULT_SURGE))) hourly.add(k)
    expect(hourly.size).toBeGreaterThan(0)
    expect(new Set(span)).toEqual(hourly)
  })

  it('tests low baselines with the Poisson upper tail', () => {
    expect(poissonUpper(0, 2)).toBe(1)
    expect(poissonUpper(1, 1)).toBeCloseTo(1 - Math.exp(-1), 10)
    expect(poissonUpper(8, 1)).toBeCloseTo(1.0249e-5, 8)
    expect(poissonUpper(12, 2)).toBeCloseTo(1.3646e-6, 9)
    // "8 calls against a usual 1" is not a surge (minCount 10, and P ≈ 1e-5); 10 against 0.5 is
    expect(judgeSurge(8, [1, 1, 1, 1], DEFAULT_SURGE)).toBeNull()
    expect(judgeSurge(12, [1, 1, 1, 1], DEFAULT_SURGE)).not.toBeNull()
    expect(judgeSurge(10, [0, 0, 1, 0], DEFAULT_SURGE)).not.toBeNull()
    // large baselines: median + k · max(MAD, √median)
    expect(judgeSurge(60, [40, 42, 38, 41], DEFAULT_SURGE)).not.toBeNull()
    expect(judgeSurge(55, [40, 42, 38, 41], DEFAULT_SURGE)).toBeNull()
  })
})

describe('overdue supervision (超期督办)', () => {
  const asOf = dayStart(-10) + 12 * HOUR
  beforeAll(async () => {
    const t = asOf - 5 * DAY
    const late = (id: string, unit: string, over: Partial<RecordInput> = {}) =>
      rec(id, t, { category_code: 'CSM_DISPUTE', county_code: '410185', unit_code: unit, status: 'handling', dispatched_at: iso(t + HOUR), due_at: iso(asOf - 2 * DAY), ...over })
    await store([
      late('OD-1', 'ZZ-DF-SCJ'), late('OD-2', 'ZZ-DF-SCJ'), late('OD-3', 'ZZ-DF-SCJ'),
      // closed after its due time but before as_of: not open
      late('OD-4', 'ZZ-DF-SCJ', { status: 'closed', closed_at: iso(asOf - DAY), updated_at: iso(asOf - DAY) }),
      // closed after as_of: still open then
      late('OD-5', 'ZZ-DF-SCJ', { status: 'closed', closed_at: iso(asOf + DAY), updated_at: iso(asOf + DAY) }),
      // only two overdue at this unit: below minRecords
      late('OD-6', 'ZZ-DF-JD001'), late('OD-7', 'ZZ-DF-JD001'),
      // problem order, not yet due: re-dispatched 3 times
      late('OD-P', 'ZZ-DF-FGJ', { category_code: 'LIV_PROPERTY', due_at: iso(asOf + 3 * DAY) }),
    ], [
      ev('12345', 'OD-P', 'dispatched', t + HOUR, { from_unit: 'ZZ-12345', to_unit: 'ZZ-DF-FGJ' }),
      ...[1, 2, 3].map((i) => ev('12345', 'OD-P', 'redispatched', t + (i + 1) * HOUR, { from_unit: 'ZZ-12345', to_unit: 'ZZ-DF-FGJ' })),
    ])
  })

  it('groups open matters past due by unit and category; problem orders are escalated', async () => {
    const fs = await detectOverdue(app.db, { from: asOf - HOUR, to: asOf }, DEFAULT_OVERDUE)
    const f = fs.find((x) => x.fingerprint === 'overdue|ZZ-DF-SCJ|CSM_DISPUTE')
    expect(f, JSON.stringify(fp(fs))).toBeDefined()
    expect(f!.counts).toMatchObject({ overdue: 4, problem_orders: 0 })
    expect(f!.samples.map((s) => s.source_id).sort()).toEqual(['OD-1', 'OD-2', 'OD-3', 'OD-5'])
    expect(f!.title).toContain('市场监督管理局')
    const p = fs.find((x) => x.fingerprint === 'overdue|ZZ-DF-FGJ|LIV_PROPERTY')
    expect(p?.severity).toBe('high')
    expect(p!.counts).toMatchObject({ problem_orders: 1, overdue: 0 })
    expect(fp(fs)).not.toContain('overdue|ZZ-DF-JD001|CSM_DISPUTE')
    await checkContract(fs)
  })

  it('nothing is overdue before the due time', async () => {
    const fs = await detectOverdue(app.db, { from: asOf - 3 * DAY - HOUR, to: asOf - 3 * DAY }, DEFAULT_OVERDUE)
    expect(fs.filter((f) => f.category_code === 'CSM_DISPUTE')).toEqual([])
  })
})

describe('detect job', () => {
  const collect = () => {
    const got: Finding[] = []
    return { got, sink: async (fs: Finding[]) => { got.push(...fs) } }
  }

  it('runs every detector; a second run over unchanged data computes nothing; late data recomputes its windows', async () => {
    const a = collect()
    const first = await runDetectJob(app.db, { now: T, sink: a.sink, settleMs: 0 })
    expect(first.errors).toEqual([])
    expect(first.detectors.map((d) => d.name).sort()).toEqual(DETECTORS.map((d) => d.name).sort())
    const kinds = new Set(a.got.map((f) => f.kind))
    for (const k of ['disputed_category', 'jurisdiction_conflict', 'repeat_caller', 'emergency_unreferred', 'surge', 'overdue']) expect(kinds, k).toContain(k)
    for (const f of a.got) expect(() => Finding.parse(f)).not.toThrow()

    const b = collect()
    const second = await runDetectJob(app.db, { now: T, sink: b.sink, settleMs: 0 })
    expect(second.windows).toEqual([])
    expect(b.got).toEqual([])

    // A late third call of a caller two days ago: that window is recomputed and the caller raised.
    const late = dayStart(-2) + 15 * HOUR + 10 * MIN
    await store([
      rec('LATE-1', late - 2 * HOUR, { caller_phone: '13900000009' }),
      rec('LATE-2', late - HOUR, { caller_phone: '13900000009' }),
    ])
    await runDetectJob(app.db, { now: T, sink: collect().sink, settleMs: 0 })
    await store([rec('LATE-3', late, { caller_phone: '13900000009' })])
    const c = collect()
    const third = await runDetectJob(app.db, { now: T, sink: c.sink, settleMs: 0 })
    expect(third.errors).toEqual([])
    const rc = third.windows.filter((x) => x.detector === 'repeat_caller')
    expect(rc.some((x) => x.reason === 'dirty' && x.from <= late && late < x.to)).toBe(true)
    expect(c.got.some((f) => f.kind === 'repeat_caller' && f.samples.some((s) => s.source_id === 'LATE-3'))).toBe(true)
    // the old window, not history at large: nothing before the late record's day
    expect(third.windows.every((x) => x.to > dayStart(-2))).toBe(true)

    // A new version of a record seen before that only progressed (closed): no window of history is
    // recomputed, only the state of overdue supervision.
    await store([rec('LATE-1', late - 2 * HOUR, { caller_phone: '13900000009', status: 'closed', closed_at: iso(late), updated_at: iso(late) })])
    // A background merge replacing the old version must not make the record look new (it did on some dates).
    await app.db.command({ query: 'OPTIMIZE TABLE records FINAL' })
    const fourth = await runDetectJob(app.db, { now: T, sink: collect().sink, settleMs: 0 })
    expect(fourth.windows.map((x) => [x.detector, x.reason])).toEqual([['overdue', 'state']])
    // A correction of its contents (another category): only the windows holding it.
    await store([rec('LATE-1', late - 2 * HOUR, { caller_phone: '13900000009', category_code: 'ENV_GARBAGE', status: 'closed', closed_at: iso(late), updated_at: iso(late + MIN) })])
    await app.db.command({ query: 'OPTIMIZE TABLE records FINAL' })
    const fifth = await runDetectJob(app.db, { now: T, sink: collect().sink, settleMs: 0 })
    const hourOf = Math.floor((late - 2 * HOUR) / HOUR) * HOUR
    expect(fifth.windows.filter((x) => x.detector === 'repeat_caller').map((x) => [x.from, x.to])).toEqual([[hourOf, hourOf + HOUR]])
    expect(fifth.windows.filter((x) => x.detector === 'disputed_category').map((x) => [x.from, x.to])).toEqual([[dayStart(-2), dayStart(-1)]])
    // Handed over to the other platform (detectors leave such records out): as a correction.
    await store([rec('LATE-1', late - 2 * HOUR, { caller_phone: '13900000009', category_code: 'ENV_GARBAGE', status: 'transferred_out', updated_at: iso(late + 2 * MIN) })])
    const sixth = await runDetectJob(app.db, { now: T, sink: collect().sink, settleMs: 0 })
    expect(sixth.windows.filter((x) => x.detector === 'repeat_caller').map((x) => [x.from, x.to])).toEqual([[hourOf, hourOf + HOUR]])
  })

  it('looks again at the settle margin before the previous run only when something arrived late in it', async () => {
    const settleMs = 60_000
    const at = dayStart(-5) + 3 * HOUR + 17 * MIN
    await runDetectJob(app.db, { now: T, sink: collect().sink, settleMs })
    await store([rec('SETTLE-1', at)])
    const first = await runDetectJob(app.db, { now: T, sink: collect().sink, settleMs })
    const holding = (s: typeof first) => s.windows.filter((x) => x.detector === 'repeat_caller' && x.from <= at && at < x.to)
    expect(holding(first)).toHaveLength(1)
    // SETTLE-1 was ingested within the minute before this run started: seen, and not arrived late.
    const again = await runDetectJob(app.db, { now: T, sink: collect().sink, settleMs })
    expect(again.windows).toEqual([])
    // A row ingested before the last run started but visible only after it (an insert in flight then): seen now.
    const [{ m }] = await queryRows<{ m: number }>(app.db, `SELECT toUnixTimestamp64Milli(max(mark)) AS m FROM job_marks WHERE job = 'detect:repeat_caller'`)
    const cols = (await queryRows<{ name: string }>(app.db, `SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'records' AND default_kind NOT IN ('MATERIALIZED', 'ALIAS') ORDER BY position`)).map((c) => c.name)
    const expr = (c: string) => (c === 'source_id' ? `'SETTLE-2'` : c === 'ingested_at' ? `fromUnixTimestamp64Milli({m:Int64}, 'Asia/Shanghai') - toIntervalSecond(10)` : c)
    await app.db.command({
      query: `INSERT INTO records (${cols.join(', ')}) SELECT ${cols.map(expr).join(', ')} FROM records FINAL WHERE source_id = 'SETTLE-1'`,
      query_params: { m: Number(m) },
    })
    const seen = await runDetectJob(app.db, { now: T, sink: collect().sink, settleMs })
    expect(holding(seen)).toHaveLength(1)
    expect((await runDetectJob(app.db, { now: T, sink: collect().sink, settleMs })).windows).toEqual([])
  })

  it('catches up the windows missed while it was not running; the unfinished window is judged once per now', async () => {
    const hr = (t: number) => Math.floor(t / HOUR) * HOUR // Shanghai hours are UTC hours
    const mn = (t: number) => Math.floor(t / MIN) * MIN
    const day = (t: number) => Math.floor((t + 8 * HOUR) / DAY) * DAY - 8 * HOUR
    const later = T + 3 * HOUR
    const r = await runDetectJob(app.db, { now: later, sink: collect().sink, settleMs: 0 })
    expect(r.errors).toEqual([])
    const hours = r.windows.filter((x) => x.detector === 'surge' && x.reason === 'missed')
    expect(hours.map((x) => [x.from, x.to])).toEqual([[hr(T), hr(later)]])
    const mins = r.windows.filter((x) => x.detector === 'emergency')
    expect(mins.map((x) => [x.from, x.to])).toEqual([[mn(T), mn(later)]])
    // 12 minutes later: the live windows of the detectors that judge a window as it fills
    const live = later + 12 * MIN
    const a = await runDetectJob(app.db, { now: live, sink: collect().sink, settleMs: 0 })
    expect(a.windows.filter((x) => x.reason === 'live').map((x) => [x.detector, x.from, x.to]).sort()).toEqual([
      ['disputed_category', day(live), live], ['jurisdiction', hr(live), live], ['repeat_caller', hr(live), live], ['surge', hr(live), live]])
    expect(a.windows.filter((x) => x.detector === 'emergency').map((x) => [x.from, x.to])).toEqual([[mn(later), mn(live)]])
    expect((await runDetectJob(app.db, { now: live, sink: collect().sink, settleMs: 0 })).windows).toEqual([])
    // A minute later: the live windows again, but disputed categories and jurisdiction only every 10 and 5 minutes (liveEveryMin)
    const next = await runDetectJob(app.db, { now: live + MIN, sink: collect().sink, settleMs: 0 })
    const judged = (s: typeof next) => s.windows.filter((x) => x.reason !== 'missed' || x.detector === 'emergency').map((x) => [x.detector, x.reason]).sort()
    expect(judged(next)).toEqual([['emergency', 'missed'], ['repeat_caller', 'live'], ['surge', 'live']])
    expect(judged(await runDetectJob(app.db, { now: live + 5 * MIN, sink: collect().sink, settleMs: 0 }))).toEqual([
      ['emergency', 'missed'], ['jurisdiction', 'live'], ['repeat_caller', 'live'], ['surge', 'live']])
    expect(judged(await runDetectJob(app.db, { now: live + 10 * MIN, sink: collect().sink, settleMs: 0 }))).toEqual([
      ['disputed_category', 'live'], ['emergency', 'missed'], ['jurisdiction', 'live'], ['repeat_caller', 'live'], ['surge', 'live']])
    // every run, when configured so
    expect(judged(await runDetectJob(app.db, { now: live + 11 * MIN, sink: collect().sink, settleMs: 0, cfg: { liveEveryMin: {} } }))).toEqual([
      ['disputed_category', 'live'], ['emergency', 'missed'], ['jurisdiction', 'live'], ['repeat_caller', 'live'], ['surge', 'live']])
  })

  it('one throwing detector is reported and retried; the others still run', async () => {
    let calls = 0
    let fail = true
    const bad: DetectorSpec = { ...DETECTORS.find((d) => d.name === 'surge')!, name: 'test_bad', run: async () => { calls++; if (fail) throw new Error('boom'); return [] } }
    const good: DetectorSpec = { ...DETECTORS.find((d) => d.name === 'emergency')!, name: 'test_good' }
    const log: string[] = []
    const sum = await runDetectJob(app.db, {
      now: T, sink: collect().sink, settleMs: 0, detectors: [bad, good],
      cfg: { catchUpDays: 1 }, log: { info: () => {}, error: (o, m) => log.push(m) },
    })
    expect(sum.errors).toHaveLength(1)
    expect(sum.errors[0]).toMatchObject({ detector: 'test_bad', error: 'boom' })
    expect(sum.detectors.find((d) => d.name === 'test_good')).toMatchObject({ ok: true })
    expect(sum.detectors.find((d) => d.name === 'test_bad')).toMatchObject({ ok: false })
    expect(log).toHaveLength(1)
    // the failed detector's windows are retried on the next run; the good one has nothing left
    fail = false
    const again = await runDetectJob(app.db, { now: T, sink: collect().sink, settleMs: 0, detectors: [bad, good], cfg: { catchUpDays: 1 } })
    expect(again.errors).toEqual([])
    expect(again.windows.filter((x) => x.detector === 'test_bad').length).toBeGreaterThan(0)
    expect(again.windows.filter((x) => x.detector === 'test_good')).toEqual([])
    expect(calls).toBeGreaterThan(1)
    // after a downtime longer than catchUpDays, the older windows are left out and counted
    const mn = (t: number) => Math.floor(t / MIN) * MIN
    const gap = await runDetectJob(app.db, { now: T + 3 * DAY, sink: collect().sink, settleMs: 0, detectors: [good], cfg: { catchUpDays: 1 } })
    expect(gap.detectors[0]).toMatchObject({ ok: true, skipped: (mn(T + 2 * DAY) - mn(T)) / MIN })
    expect(gap.windows.map((x) => [x.from, x.to])).toEqual([[mn(T + 2 * DAY), mn(T + 3 * DAY)]])
  })
})

describe('withdrawal of items no longer found', () => {
  const items = () => ItemStore.for(app.db)
  const emergencyOnly = DETECTORS.filter((d) => d.name === 'emergency')
  const run = () => runDetectJob(app.db, {
    now: T, settleMs: 0, detectors: emergencyOnly,
    sink: async (f, w) => { await items().upsertFindings(f, T, w) },
    withdrawal: { hulls: (k, w) => items().openHulls(k, w), withdraw: async (k, w, found, state) => { await items().withdrawMissing(k, w, found, { state, now: T }) } },
  })

  it('an emergency handed to 110 in time after all (late data) withdraws its open item; one under review is left alone', async () => {
    const t0 = dayStart(-1) + 15 * HOUR + 7 * MIN
    await store([
      rec('WD-1', t0, { content: '有人站在楼顶说要跳楼。' }),
      rec('WD-2', t0 + 20 * MIN, { content: '几十人在门口拉横幅。' }),
    ])
    expect((await run()).errors).toEqual([])
    const id1 = itemId('emergency_unreferred|12345|WD-1')
    const id2 = itemId('emergency_unreferred|12345|WD-2')
    expect((await items().get(id1))?.status).toBe('open')
    const i2 = (await items().get(id2))!
    await items().transition(id2, { action: 'review', expected_version: i2.version, actor: 'u-test', role: 'member' })
    // both transfers to 110 within the limit arrive late: the windows are computed again
    const tr = (id: string, at: number) => ev('12345', id, 'transfer', at, { from_platform: '12345', to_platform: '110', counterpart_id: `${id}Z` })
    await store([], [tr('WD-1', t0 + 3 * MIN), tr('WD-2', t0 + 23 * MIN)])
    expect((await run()).errors).toEqual([])
    const w1 = (await items().get(id1))!
    expect(w1.status).toBe('dismissed')
    expect(w1.status_reason).toBe(WITHDRAWN_REASON)
    expect((await items().history(id1)).map((h) => h.action)).toContain('withdrawn')
    expect((await items().get(id2))?.status).toBe('under_review')
  })

  it('found again, a withdrawn item is open again; a dismissal by a person stands; an item raised elsewhere is not withdrawn', async () => {
    const s = items()
    const f = (fp: string, t: number): Finding => ({
      kind: 'surge', fingerprint: fp, title: '测试', severity: 'medium', county_code: '', category_code: '', units: [], first_seen: t, last_seen: t,
      counts: { records: 1 }, series: [], samples: [], query: 'SELECT 1', suggested_lead: '', suggested_assist: [],
    })
    const h = dayStart(-20)
    await s.upsertFindings([f('surge|WD|a', h), f('surge|WD|b', h), f('surge|WD|c', h)], T, { from: h, to: h + HOUR })
    await s.upsertFindings([f('surge|WD|d', h)], T, { from: h - HOUR, to: h + HOUR })
    const b = (await s.get(itemId('surge|WD|b')))!
    await s.transition(b.id, { action: 'dismiss', expected_version: b.version, actor: 'u-test', role: 'member', reason: '已知情况' })
    // the hour computed again finds only c: a is withdrawn; d was raised from a wider window, so it stays
    expect(await s.withdrawMissing('surge', { from: h, to: h + HOUR }, ['surge|WD|c'], { now: T })).toEqual([itemId('surge|WD|a')])
    expect((await s.get(itemId('surge|WD|d')))?.status).toBe('open')
    expect(await s.openHulls('surge', { from: h, to: h + HOUR })).toEqual([{ from: h - HOUR, to: h + HOUR }])
    // a and b found again: a is open again (raised_again), b stays dismissed by the person
    const r = await s.upsertFindings([f('surge|WD|a', h + MIN), f('surge|WD|b', h + MIN)], T, { from: h, to: h + HOUR })
    expect(r.raised).toEqual([itemId('surge|WD|a')])
    expect((await s.get(itemId('surge|WD|a')))?.status).toBe('open')
    expect((await s.history(itemId('surge|WD|a'))).map((x) => x.action)).toEqual(['raised', 'withdrawn', 'raised_again'])
    expect((await s.get(itemId('surge|WD|b')))).toMatchObject({ status: 'dismissed', status_reason: '已知情况' })
  })
})
