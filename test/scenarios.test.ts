// Planted scenarios (ingest/simulator/scenarios.ts): deterministic per seed, different across seeds,
// varied in wording, and every planted record and event accepted by the real ingest API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { planScenarios, scenarioPlans } from '../ingest/simulator/scenarios'
import { Simulator } from '../ingest/simulator/simulator'
import { eventsBetween, recordAt } from '../ingest/simulator/snapshot'
import type { EventInput, RecordInput } from '../model/record'
import { ndjson, post, startTestApp, testNow, type TestApp } from './helpers/app'

const MIN = 60_000
const HOUR = 60 * MIN
// The live part starts a day before the test clock, so every planted instant lies in the past.
const ANCHOR = testNow() - 24 * HOUR
const SPAN = 2 * HOUR
const AS_OF = ANCHOR + SPAN + 4 * HOUR

function snapshot(seed: number) {
  const s = planScenarios({ seed, anchor: ANCHOR, spanMs: SPAN })
  const records: RecordInput[] = []
  const events: EventInput[] = []
  for (const m of scenarioPlans(s)) for (const p of m.records) {
    const r = recordAt(p, AS_OF)
    if (r) records.push(r)
    events.push(...eventsBetween(p, -Infinity, AS_OF))
  }
  return { s, records, events }
}

describe('planted scenarios', () => {
  let app: TestApp
  beforeAll(async () => { app = await startTestApp() }, 30_000)
  afterAll(async () => { await app?.stop() })

  it('are deterministic per seed and differ across seeds', () => {
    const a = snapshot(101)
    const b = snapshot(101)
    const c = snapshot(102)
    expect(JSON.stringify(b)).toBe(JSON.stringify(a))
    expect(JSON.stringify(c.records)).not.toBe(JSON.stringify(a.records))
    // Different seeds: different places, names or texts, not just different ids.
    const texts = (x: typeof a) => new Set(x.records.map((r) => `${r.county_code}|${r.title}`))
    const shared = [...texts(a)].filter((t) => texts(c).has(t)).length
    expect(shared).toBeLessThan(texts(a).size / 4)
  })

  it('cover every scenario type, with ground truth that points at planted records', () => {
    const { s, records } = snapshot(7)
    const types = new Set(s.map((x) => x.type))
    for (const t of ['disputed_category', 'pingpong', 'gathering', 'repeat_caller', 'emergency', 'surge', 'hot_issue']) expect(types).toContain(t)
    expect(s.filter((x) => x.type === 'hot_issue').length).toBeGreaterThanOrEqual(5)
    const planted = new Set(s.flatMap((x) => x.plans.flatMap((m) => m.records.map((r) => r.source_id))))
    for (const x of s) {
      expect(x.evidence.length).toBeGreaterThan(0)
      for (const e of x.evidence) expect(planted.has(e.source_id)).toBe(true)
      expect(x.complete).toBeGreaterThanOrEqual(x.start)
      // Detector scenarios complete within the live span.
      if (x.type !== 'hot_issue') {
        expect(x.complete).toBeGreaterThanOrEqual(ANCHOR)
        expect(x.complete).toBeLessThanOrEqual(ANCHOR + SPAN + 10 * MIN)
      }
    }
    // Ids never collide (with each other; the noise numbers arrivals below 8000 within an hour).
    expect(new Set(records.map((r) => r.source_id)).size).toBe(records.length)
  })

  it('word hot issues in many ways: name variants, phrasings, some copies', () => {
    const { s } = snapshot(33)
    for (const h of s.filter((x) => x.type === 'hot_issue')) {
      const recs = h.plans.flatMap((m) => m.records).filter((r) => r.platform === '12345')
      const titles = new Set(recs.map((r) => r.fixed.title))
      const bodies = new Set(recs.map((r) => r.fixed.content))
      expect(titles.size).toBeGreaterThan(3)
      expect(bodies.size).toBeGreaterThan(recs.length / 2)
      expect(new Set(recs.map((r) => r.fixed.caller_phone)).size).toBeGreaterThan(recs.length / 2)
    }
  })

  it('are accepted by the ingest API, every record and event', async () => {
    for (const seed of [7, 8]) {
      const { records, events } = snapshot(seed)
      const r = await post(app, 'records', ndjson(records))
      expect(r.status).toBe(200)
      expect(r.body.rejected, JSON.stringify(r.body.results?.find((x: any) => x.status === 'rejected'))).toBe(0)
      expect(r.body.accepted).toBe(records.length)
      const e = await post(app, 'events', ndjson(events))
      expect(e.status).toBe(200)
      expect(e.body.rejected, JSON.stringify(e.body.results?.find((x: any) => x.status === 'rejected'))).toBe(0)
    }
  }, 20_000)

  it('join the simulator stream when asked, and only then', () => {
    const now = ANCHOR + SPAN
    const on = new Simulator({ seed: 5, scale: 0.01, now, scenarios: { anchor: ANCHOR, spanMs: SPAN } })
    const off = new Simulator({ seed: 5, scale: 0.01, now })
    const ids = (sim: Simulator) => new Set([...sim.backfill(1)].flatMap((b) => b.records.map((r) => r.source_id)))
    const withS = ids(on)
    const without = ids(off)
    const planted = on.scenarios.flatMap((x) => x.evidence).filter((e) => withS.has(e.source_id))
    expect(planted.length).toBeGreaterThan(20)
    for (const id of without) expect(withS.has(id)).toBe(true) // the noise is unchanged
    expect(off.scenarios).toHaveLength(0)
    // The live part arrives through tick().
    const later = on.tick(now + 3 * HOUR)
    expect(later.records.some((r) => on.scenarios.some((x) => x.evidence.some((e) => e.source_id === r.source_id)))).toBe(true)
  })
})
