// Every change to a metric's definition bumps its version.
//
// A metric's fingerprint is a hash of what defines it — labels, unit, platform, source, the SQL of its
// numerator, denominator, distinct count and coverage parts, its formula, and the words of the policies
// it follows — taken under the canonical settings below, so a city's own limits (shown separately, as
// settings) do not make a new version. versions.json records, per metric, the version and the
// fingerprint it was given for. `npm run metrics:dictionary` gives a new version to each metric whose
// fingerprint changed (a new metric starts at 1) and writes the metric dictionary; a test fails while
// either is out of date, so no definition changes without a new version and a dictionary saying so.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { metricDefs, policies, type MetricDef, type MetricParams } from './definitions'

/** The settings fingerprints are taken under (the defaults of config.ts). */
export const CANONICAL_PARAMS: MetricParams = { responseLimit12345Min: 24 * 60, responseLimit110Min: 30 }

export interface VersionEntry { version: number; fingerprint: string; changed: string }
export type VersionLock = Record<string, VersionEntry>

export const VERSIONS_FILE = new URL('./versions.json', import.meta.url)

export function readVersionLock(): VersionLock {
  return JSON.parse(readFileSync(VERSIONS_FILE, 'utf8')) as VersionLock
}

/** Fingerprints of every metric under the canonical settings. */
export function fingerprints(): Map<string, string> {
  const texts = new Map(policies(CANONICAL_PARAMS).map((p) => [p.id, p.text]))
  return new Map(metricDefs(CANONICAL_PARAMS).map((d) => [d.id, fingerprintOf(d, texts)]))
}

function fingerprintOf(d: MetricDef, policyText: Map<string, string>): string {
  const what = {
    id: d.id, label: d.label, label_en: d.label_en, unit: d.unit, platform: d.platform, source: d.source,
    num: d.num, den: d.den ?? null, distinct: d.distinct ?? null, ...(d.sum ? { sum: d.sum } : {}), coverage: d.coverage ?? null, formula: d.formula,
    policies: d.policies.map((p) => [p, policyText.get(p) ?? null]),
  }
  return createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 16)
}

/**
 * The lock brought up to date: a metric whose fingerprint changed gets the next version, dated `today`
 * ('YYYY-MM-DD'); a new one version 1; a metric no longer defined is kept (its number is never reused).
 */
export function updatedLock(lock: VersionLock, today: string): { lock: VersionLock; changed: string[] } {
  const out: VersionLock = { ...lock }
  const changed: string[] = []
  for (const [id, fp] of fingerprints()) {
    const cur = lock[id]
    if (cur?.fingerprint === fp) continue
    out[id] = { version: (cur?.version ?? 0) + 1, fingerprint: fp, changed: today }
    changed.push(id)
  }
  return { lock: Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1))), changed }
}

/** Each metric's version (from versions.json); 0 for a metric the lock does not know yet (a test fails then). */
export function metricVersions(lock: VersionLock = readVersionLock()): Record<string, { version: number; changed: string }> {
  return Object.fromEntries(Object.entries(lock).map(([id, e]) => [id, { version: e.version, changed: e.changed }]))
}
