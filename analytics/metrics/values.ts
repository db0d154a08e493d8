// Turning aggregated SQL rows into MetricValues: the rate, its coverage, and "no data" with a reason
// instead of a rate that would mislead.
import type { MetricValue } from '../../model/api'
import { displayLabel, type MetricDef } from './definitions'

export type AggRow = Record<string, unknown>

const pct = (x: number) => `${(x * 100).toFixed(1)}%`

export function toValue(d: MetricDef, row: AggRow | undefined, minCoverage: number, filter?: '12345' | '110', version = 0,
  target: { target: number; warn?: number } | undefined = undefined): MetricValue {
  const get = (k: string) => Number(row?.[`${d.id}__${k}`] ?? 0)
  const n = get('n')
  const den = d.den ? get('d') : null
  let coverage: MetricValue['coverage'] = null
  if (d.coverage) {
    const measured = den ?? 0, notRecorded = get('nr'), pending = get('p')
    coverage = {
      judged: measured + notRecorded + pending, measured, not_recorded: notRecorded, pending,
      ratio: measured + notRecorded > 0 ? measured / (measured + notRecorded) : null, min: minCoverage,
    }
  }
  let value: number | null = null
  let reason: string | null = null
  if (d.unit === 'count') value = n
  else if (coverage?.ratio != null && coverage.ratio < minCoverage)
    reason = `无数据：可判定记录中仅 ${pct(coverage.ratio)} 有所需时间戳，低于 ${pct(minCoverage)} (no data: only ${pct(coverage.ratio)} of decided judged records carry the timestamps this rate needs; minimum ${pct(minCoverage)})`
  else if (!den)
    reason = coverage && coverage.pending > 0
      ? '无数据：评判记录截至 as_of 均未到时限 (no data: every judged record is still within its limit as of as_of)'
      : '无数据：窗口内无可评判记录 (no data: nothing to judge in the window)'
  else value = n / den
  return { id: d.id, label: displayLabel(d, filter), platform: d.platform, value, numerator: n, denominator: den, unit: d.unit, formula: d.formula, reason, coverage, version,
    target: target?.target ?? null, warn: target?.warn ?? null }
}

/** Adds aggregated rows column by column: every column is a count over disjoint sets of rows. */
export function sumRows(rows: AggRow[]): AggRow {
  const out: AggRow = {}
  for (const r of rows) for (const [k, v] of Object.entries(r)) if (typeof v === 'number' || typeof v === 'string') {
    if (k === 'county_code') continue
    out[k] = Number(out[k] ?? 0) + Number(v)
  }
  return out
}
