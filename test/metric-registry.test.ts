// The metric registry: every metric defined once, versioned, and explained in a dictionary that the
// API serves and docs/ holds. A definition that changes without a new version fails here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { Definitions, Overview } from '../model/api'
import { loadConfig } from '../config'
import { CANONICAL_PARAMS, fingerprints, readVersionLock, updatedLock } from '../analytics/metrics/versions'
import { MetricsQueries } from '../analytics/metrics/queries'
import { dictionaryMarkdown } from '../analytics/metrics/dictionary'
import { isExtended, metricDefs } from '../analytics/metrics/definitions'
import { startTestApp, type TestApp } from './helpers/app'

const FIX = 'run `npm run metrics:dictionary` and commit analytics/metrics/versions.json and docs/metric-dictionary.md'

describe('metric versions', () => {
  it('every metric has a version given for its current definition', () => {
    const lock = readVersionLock()
    for (const [id, fp] of fingerprints()) {
      expect(lock[id], `${id} has no version: ${FIX}`).toBeDefined()
      expect(lock[id].fingerprint, `${id} changed without a new version: ${FIX}`).toBe(fp)
      expect(lock[id].version).toBeGreaterThanOrEqual(1)
      expect(lock[id].changed).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    }
  })

  it('a changed definition gets the next version, a new metric version 1, an unchanged one keeps its own', () => {
    const fps = fingerprints()
    const [a, b, c] = [...fps.keys()]
    const lock = {
      [a]: { version: 3, fingerprint: 'older', changed: '2026-01-02' },
      [b]: { version: 2, fingerprint: fps.get(b)!, changed: '2026-03-04' },
      gone_metric: { version: 5, fingerprint: 'x', changed: '2025-05-05' },
    }
    const { lock: next, changed } = updatedLock(lock, '2026-11-20')
    expect(next[a]).toEqual({ version: 4, fingerprint: fps.get(a), changed: '2026-11-20' })
    expect(next[b]).toEqual(lock[b])
    expect(next[c]).toEqual({ version: 1, fingerprint: fps.get(c), changed: '2026-11-20' })
    expect(next.gone_metric).toEqual(lock.gone_metric) // a number is never reused
    expect(changed).toContain(a)
    expect(changed).not.toContain(b)
    // run again: nothing more changes
    expect(updatedLock(next, '2026-11-21').changed).toEqual([])
  })

  it("a city's own limits are settings, not a new version", () => {
    const mine = new MetricsQueries(null as never, { ...CANONICAL_PARAMS, responseLimit12345Min: 60, responseLimit110Min: 12 }).definitions()
    const canon = new MetricsQueries(null as never, CANONICAL_PARAMS).definitions()
    expect(mine.metrics.map((m) => m.version)).toEqual(canon.metrics.map((m) => m.version))
    expect(mine.settings.RESPONSE_LIMIT_12345_MIN).toBe(60)
  })
})

describe('metric dictionary', () => {
  it('docs/metric-dictionary.md is the dictionary of the current definitions', () => {
    const md = dictionaryMarkdown(new MetricsQueries(null as never, CANONICAL_PARAMS).definitions())
    expect(readFileSync(new URL('../docs/metric-dictionary.md', import.meta.url), 'utf8'), FIX).toBe(md)
  })

  it('shows every metric with its names, version, period, formula and SQL', () => {
    const d = new MetricsQueries(null as never, { ...CANONICAL_PARAMS, targets: { response_rate_12345: { target: 0.9, warn: 0.85 } } }).definitions()
    const md = dictionaryMarkdown(d)
    for (const m of metricDefs(CANONICAL_PARAMS)) {
      const section = md.slice(md.indexOf(`### ${m.id}\n`), md.indexOf('\n### ', md.indexOf(`### ${m.id}\n`) + 1))
      expect(section, m.id).toContain(m.label)
      expect(section).toContain(m.label_en)
      expect(section).toMatch(/ · v\d+（\d{4}-\d{2}-\d{2}）/)
      expect(section).toContain(m.formula)
      expect(section).toContain(m.num.trim())
      if (m.den) expect(section).toContain(m.den.trim())
      expect(section).toContain(m.source === 'records' ? '受理时间 received_at' : '发生时间 at')
    }
    expect(md).toContain('目标 target: 0.9；预警 warning below: 0.85')
  })
})

describe('metric targets (METRIC_TARGETS)', () => {
  it('are configuration, checked against the registry at start', () => {
    expect(loadConfig({}).METRIC_TARGETS).toEqual({})
    expect(loadConfig({ METRIC_TARGETS: '{"response_rate_12345": {"target": 0.9, "warn": 0.85}}' }).METRIC_TARGETS)
      .toEqual({ response_rate_12345: { target: 0.9, warn: 0.85 } })
    expect(() => loadConfig({ METRIC_TARGETS: '{"response_rate_99": {"target": 0.9}}' })).toThrow(/METRIC_TARGETS: unknown metric ids: response_rate_99/)
    expect(() => loadConfig({ METRIC_TARGETS: '{"response_rate": {"target": 0.8, "warn": 0.9}}' })).toThrow(/warn must not be above target/)
    expect(() => loadConfig({ METRIC_TARGETS: '{"response_rate": {"target": "high"}}' })).toThrow(/METRIC_TARGETS: response_rate\.target/)
    expect(() => loadConfig({ METRIC_TARGETS: '{response' })).toThrow(/METRIC_TARGETS: not JSON/)
  })

  describe('over the API', () => {
    let app: TestApp
    beforeAll(async () => { app = await startTestApp({ METRIC_TARGETS: '{"satisfaction_rate_110": {"target": 0.95, "warn": 0.9}}' }) })
    afterAll(async () => { await app?.stop() })

    it('GET /api/metrics/definitions carries each metric’s version, period and target', async () => {
      const r = await fetch(`${app.url}/api/metrics/definitions`)
      expect(r.status).toBe(200)
      const d = Definitions.parse(await r.json())
      const lock = readVersionLock()
      for (const m of d.metrics) {
        expect(m.version, m.id).toBe(lock[m.id].version)
        expect(m.period_by).toBe(m.source === 'records' ? 'received_at' : 'at')
      }
      expect(d.metrics.find((m) => m.id === 'satisfaction_rate_110')).toMatchObject({ target: 0.95, warn: 0.9 })
      expect(d.metrics.find((m) => m.id === 'satisfaction_rate_12345')).toMatchObject({ target: null, warn: null })
    })

    it('every metric value in an answer carries its definition’s version', async () => {
      const lock = readVersionLock()
      const o = Overview.parse(await (await fetch(`${app.url}/api/metrics/overview`)).json())
      for (const m of Object.values(o.metrics)) expect(m.version, m.id).toBe(lock[m.id].version)
    })

    it('GET /api/metrics/dictionary.md is the dictionary under the settings in force', async () => {
      const r = await fetch(`${app.url}/api/metrics/dictionary.md`)
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toMatch(/^text\/markdown/)
      const md = await r.text()
      // (the settings in force leave the extended indicators out: METRICS_EXTENDED is off by default)
      for (const m of metricDefs(CANONICAL_PARAMS)) {
        if (isExtended(m)) expect(md).not.toContain(`### ${m.id}\n`)
        else expect(md).toContain(`### ${m.id}\n`)
      }
      expect(md).toContain('目标 target: 0.95；预警 warning below: 0.9')
    })
  })
})
