// What an import tells its operator: every rejected row by line, source id, field and source column
// (the first `maxLines` of them), then the rejections counted by reason, and a progress line on a TTY.
import type { IngestResponse } from '../../model/api'
import { maskText } from '../privacy'

/** A reason with its particulars (quoted values, numbers) taken out, so that like rejections count together. */
export function reasonKey(field: string, reason: string): string {
  const q = '"(?:[^"\\\\]|\\\\.)*"'
  return `${field}: ${reason.replace(new RegExp(`^${q}|(?<=: )${q}`, 'g'), '"…"').replace(/\d+(?:\.\d+)?/g, 'N')}`
}

export class ImportReport {
  accepted = 0
  rejected = 0
  rows = 0
  readonly byReason = new Map<string, { n: number; lines: number[] }>()

  constructor(
    private readonly out: (s: string) => void,
    /** The source columns of a field (mapped imports), to name them beside our field. */
    private readonly columnsOf: (field: string) => string[] = () => [],
    private readonly maxLines = 50,
  ) {}

  add(res: IngestResponse): void {
    this.accepted += res.accepted
    this.rejected += res.rejected
    this.rows += res.results.length
    for (const r of res.results) {
      if (r.status !== 'rejected') continue
      const errors = r.errors ?? []
      const shown = errors.map((e) => `${this.label(e.field, e.reason)}: ${e.reason}`).join('; ')
      for (const e of errors.length ? errors : [{ field: '(line)', reason: 'rejected' }]) {
        const k = reasonKey(this.label(e.field, e.reason), e.reason)
        const g = this.byReason.get(k) ?? { n: 0, lines: [] }
        g.n++
        if (g.lines.length < 5) g.lines.push(r.line)
        this.byReason.set(k, g)
      }
      this.printed++
      // Personal columns are never quoted; a phone or ID number in any other value is masked all the same.
      if (this.printed <= this.maxLines) this.out(maskText(`line ${r.line}${r.id ? ` (${r.id})` : ''}: rejected — ${shown}`))
      else if (this.printed === this.maxLines + 1) this.out(`… more rejected lines not shown one by one (counted by reason below)`)
    }
  }
  private printed = 0

  private label(field: string, reason: string): string {
    const cols = field.startsWith('(') || reason.includes('(column ') ? [] : this.columnsOf(field)
    return cols.length ? `${field} (column ${cols.join(' | ')})` : field
  }

  /** The rejections by reason, most frequent first, each with its first lines. */
  summary(): string[] {
    return [...this.byReason].sort((a, b) => b[1].n - a[1].n)
      .map(([k, g]) => `  ${String(g.n).padStart(8)} × ${k}  (lines ${g.lines.join(', ')}${g.n > g.lines.length ? ', …' : ''})`)
  }
}

/** "12,345 rows · 45% · 3,210 rows/s · ETA 0:32" (rate and ETA once a second has passed). */
export function progressLine(rows: number, bytes: number, size: number, elapsedMs: number): string {
  const parts = [`${rows.toLocaleString('en-US')} rows`]
  if (size > 0) parts.push(`${Math.min(100, Math.floor((bytes / size) * 100))}%`)
  if (elapsedMs >= 1000) {
    const rate = rows / (elapsedMs / 1000)
    parts.push(`${Math.round(rate).toLocaleString('en-US')} rows/s`)
    if (size > 0 && bytes > 0 && bytes < size) {
      const etaS = Math.round((elapsedMs / 1000) * ((size - bytes) / bytes))
      parts.push(`ETA ${Math.floor(etaS / 60)}:${String(etaS % 60).padStart(2, '0')}`)
    }
  }
  return parts.join(' · ')
}
