// Property: for random streams of records and events — both platforms, several districts, re-sends,
// corrections with later updated_at, any arrival order, transfers from records never received — every
// metric of /api/metrics/overview and /api/metrics/by-region equals the reference implementation
// (test/reference/metrics-reference.ts, written from the definitions' words), and regions add up.
//
// Each case owns a 12-hour slot of time and an id prefix, so cases never see each other's data and no
// table is truncated. Dates are fixed (a year before the test clock), never today's.
// FC_RUNS (default 150; at most ~700 slots), FC_SEED (default fixed, so CI is repeatable; 'random' for
// a fresh one), FC_PATH (replay one failing case as fast-check reports it), FC_SHRINK=1 (shrink a failure).
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import fc from 'fast-check'
import { startTestApp, post, getJson, ndjson, testNow, type TestApp } from './helpers/app'
import { Overview, ByRegion, type MetricValue } from '../model/api'
import type { RecordInput } from '../model/record'
import { referenceMetrics, referenceTrend, UNKNOWN, type RefSettings, type RefValue } from './reference/metrics-reference'
import { caseArb, build, iso } from './reference/metrics-streams'
import { DEFAULT_AREA_CLASSES, DEFAULT_ARRIVE_LIMIT_MIN } from '../analytics/metrics/definitions'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const RUNS = Number(process.env.FC_RUNS) || 150
const SEED = process.env.FC_SEED === 'random' ? Date.now() : Number(process.env.FC_SEED) || 20250310
// Limits and exclusions as configured below for the app under test.
// Repeat spans shorter than the 12-hour slot, so both sides of a span are generated; default area classes and arrival limits.
const SETTINGS: RefSettings = { lim12345: 1440, lim110: 30, exclude110: ['non_police', 'invalid_alarm'], minCoverage: 0.7,
  areaClasses: DEFAULT_AREA_CLASSES, arriveLim: DEFAULT_ARRIVE_LIMIT_MIN, repeat12345H: 6, repeat110H: 3 }

/** Midnight (Shanghai) a year before the test clock: the first slot. */
const BASE = Math.floor((testNow() - 365 * DAY + 8 * HOUR) / DAY) * DAY - 8 * HOUR
let slot = 0
const SLOT = 12 * HOUR

const chunked = <T>(xs: T[], n: number) => Array.from({ length: n }, (_, i) => xs.filter((_, j) => j % n === i)).filter((x) => x.length)

function sameValue(where: string, api: MetricValue | undefined, ref: RefValue) {
  expect(api, where).toBeDefined()
  expect({ value: api!.value, numerator: api!.numerator, denominator: api!.denominator }, where)
    .toEqual({ value: ref.value, numerator: ref.numerator, denominator: ref.denominator })
  if (ref.coverage) expect(api!.coverage, where).toMatchObject(ref.coverage)
  // "no data" always says why
  if (api!.value === null) expect(api!.reason, where).toBeTruthy()
}

const SITUATIONS = ['bounce', 'unknown sender', 'rate shown', 'no data: coverage', 'pending', 'not recorded', 'rated on callback', 'stale version sent last',
  'duration measured', 'arrival late', 'returned', 're-handled', 'repeat', 'closed loop', 'came back'] as const
const seen = new Set<string>()
function note(total: Map<string, RefValue>, unknown: Map<string, RefValue>, sent: RecordInput[]) {
  const resp = ['response_rate_12345', 'response_rate_110'].map((id) => total.get(id)!)
  if (total.get('bounce_transfers')!.numerator > 0) seen.add('bounce')
  if (unknown.get('transfers_to_110')!.numerator + unknown.get('transfers_to_12345')!.numerator > 0) seen.add('unknown sender')
  if (resp.some((v) => v.value !== null)) seen.add('rate shown')
  if (resp.some((v) => v.value === null && v.denominator! > 0)) seen.add('no data: coverage')
  if (resp.some((v) => v.coverage!.pending > 0)) seen.add('pending')
  if (resp.some((v) => v.coverage!.not_recorded > 0)) seen.add('not recorded')
  if (['satisfaction_rate', 'resolution_rate'].some((id) => total.get(id)!.denominator! > 0)) seen.add('rated on callback')
  if (['answer_time_110', 'arrive_time_110', 'reply_time_12345', 'transfer_sign_time'].some((id) => total.get(id)!.denominator! > 0)) seen.add('duration measured')
  const arr = total.get('ontime_arrival_rate_110')!
  if (arr.denominator! > arr.numerator) seen.add('arrival late')
  for (const [id, what] of [['return_rate_12345', 'returned'], ['rehandle_rate_12345', 're-handled'], ['repeat_alarm_rate_110', 'repeat'], ['repeat_appeal_rate_12345', 'repeat'],
    ['closed_loop_rate', 'closed loop'], ['backflow_rate_110', 'came back']] as const) if (total.get(id)!.numerator > 0) seen.add(what)
  const newest = new Map<string, string>()
  for (const r of sent) {
    const k = r.source_id, prev = newest.get(k)
    if (prev && r.updated_at < prev) seen.add('stale version sent last')
    if (!prev || r.updated_at > prev) newest.set(k, r.updated_at)
  }
}

let app: TestApp
beforeAll(async () => {
  app = await startTestApp({
    METRICS_EXTENDED: 'true',
    RESPONSE_EXCLUDE_110_KINDS: SETTINGS.exclude110.join(','), METRICS_MIN_COVERAGE: String(SETTINGS.minCoverage), METRICS_CACHE_MS: '0',
    REPEAT_SPAN_12345_HOURS: String(SETTINGS.repeat12345H), REPEAT_SPAN_110_HOURS: String(SETTINGS.repeat110H),
  })
})
afterAll(async () => { await app?.stop() })

describe('metrics equal the reference implementation', () => {
  it(`for ${RUNS} random streams of records and events`, async () => {
    await fc.assert(fc.asyncProperty(caseArb, async (c) => {
      const start = BASE + slot * SLOT
      const prefix = `P${slot++}`
      if (start + 12 * DAY > testNow()) throw new Error('out of slots: lower FC_RUNS or move BASE back')
      const { recSends, evSends } = build(c, start, prefix)
      // Records and events are separate streams: each is sent in order, the two side by side.
      const send = async (kind: 'records' | 'events', items: unknown[]) => {
        for (const part of chunked(items, c.chunks)) {
          const r = await post(app, kind, ndjson(part))
          expect(r.body.rejected, JSON.stringify(r.body.results?.find((x: { status: string }) => x.status === 'rejected'))).toBe(0)
        }
      }
      await Promise.all([send('records', recSends), send('events', evSends)])
      const q = { from: start + 2 * HOUR, to: start + 10 * HOUR, asOf: start + c.asOf * MIN, platform: c.platform }
      const qs = `from=${encodeURIComponent(iso(q.from))}&to=${encodeURIComponent(iso(q.to))}&as_of=${encodeURIComponent(iso(q.asOf))}${q.platform ? `&platform=${q.platform}` : ''}`
      const [ov, br] = await Promise.all([getJson(app, `/api/metrics/overview?${qs}`), getJson(app, `/api/metrics/by-region?${qs}`)])
      const o = Overview.parse(ov.body), b = ByRegion.parse(br.body)
      const counties = b.regions.map((r) => r.county_code).filter((x) => x !== UNKNOWN)
      const ref = referenceMetrics(recSends, evSends, q, SETTINGS, counties)

      expect(Object.keys(o.metrics).sort()).toEqual([...ref.total.keys()].sort())
      for (const [id, v] of ref.total) sameValue(`overview ${id}`, o.metrics[id], v)
      for (const region of b.regions) {
        const expected = ref.regions.get(region.county_code)!
        expect(Object.keys(region.metrics).sort(), region.county_code).toEqual([...expected.keys()].sort())
        for (const [id, v] of expected) sameValue(`${region.county_code} ${id}`, region.metrics[id], v)
      }
      // Regions add up to the city, from the API's own answers.
      for (const [id, total] of Object.entries(o.metrics)) {
        const sum = (f: (m: MetricValue) => number | null | undefined) => b.regions.reduce((s, r) => s + (f(r.metrics[id]) ?? 0), 0)
        expect(sum((m) => m.numerator), `sum ${id}`).toBe(total.numerator ?? 0)
        expect(sum((m) => m.denominator), `sum ${id} den`).toBe(total.denominator ?? 0)
        expect(sum((m) => m.coverage?.not_recorded), `sum ${id} nr`).toBe(total.coverage?.not_recorded ?? 0)
      }
      const trend = referenceTrend(recSends, evSends, q)
      for (const p of o.trend) expect(p, p.bucket).toEqual({ bucket: p.bucket, ...(trend.get(p.bucket) ?? { volume_12345: 0, volume_110: 0, transfers_to_110: 0, transfers_to_12345: 0 }) })
      expect(o.as_of).toBe(iso(q.asOf))
      note(ref.total, ref.regions.get(UNKNOWN)!, recSends)
    }), { numRuns: RUNS, seed: SEED, ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}), endOnFailure: process.env.FC_SHRINK !== '1' })
    // The generator reached the situations the definitions are about (else passing proves little).
    if (!process.env.FC_PATH && RUNS >= 100) expect(SITUATIONS.filter((x) => !seen.has(x)), 'situations never generated').toEqual([])
  }, 480_000)
})
