// Metric answers as CSV for evaluators (?format=csv): one line per metric and row (a region, a
// dimension value, a bucket), with the window, as_of and every timestamp carrying its offset, the
// metric's version, and the counts behind each rate. UTF-8 with a byte-order mark, so spreadsheet
// programs read the Chinese labels.
import type { MetricValue } from '../../model/api'

const cell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export interface CsvRow { group: Record<string, string>; metrics: Record<string, MetricValue> }

/**
 * `head` holds what every line repeats (window, as_of, platform filter); `groupCols` the columns naming
 * a row (e.g. county_code and name); `versions` each metric's version.
 */
export function metricsCsv(head: Record<string, string>, groupCols: string[], rows: CsvRow[], versions: Record<string, number>): string {
  const cols = [...Object.keys(head), ...groupCols, 'metric_id', 'metric_version', 'label', 'unit', 'value', 'numerator', 'denominator',
    'coverage_measured', 'coverage_not_recorded', 'coverage_pending', 'reason']
  const lines = [cols.join(',')]
  for (const r of rows) {
    for (const m of Object.values(r.metrics)) {
      lines.push([
        ...Object.values(head), ...groupCols.map((c) => r.group[c] ?? ''), m.id, versions[m.id] ?? '', m.label, m.unit, m.value, m.numerator, m.denominator,
        m.coverage?.measured, m.coverage?.not_recorded, m.coverage?.pending, m.reason,
      ].map(cell).join(','))
    }
  }
  return '\ufeff' + lines.join('\r\n') + '\r\n'
}
