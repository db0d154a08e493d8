// A file or body read through a mapping: a stream of items (line, id, mapped value or errors) in
// constant memory, for IngestService.ingestItems. CSV rows and NDJSON lines alike.
import type { BodyItem } from '../parse'
import { csvRows, isBlankRow, NOT_UTF8 } from './csv'
import { RowMapper, type SourceRow } from './mapper'
import { MappingError, type Mapping } from './schema'

export type Bytes = AsyncIterable<Buffer | string> | Iterable<Buffer | string>

/** The format of a file: the mapping's, else by extension (.csv/.tsv: csv; anything else: ndjson). */
export function formatOf(mapping: Mapping, file?: string): 'csv' | 'ndjson' {
  return mapping.format ?? (file && /\.(csv|tsv|txt)$/i.test(file) ? 'csv' : 'ndjson')
}

/** A mapped row; the quarantined text (`raw`) is built only for the rows that need it. */
class MappedItem implements BodyItem {
  readonly value: unknown
  readonly id: string | null
  readonly errors?: { field: string; reason: string }[]
  private rawText: string | undefined
  constructor(readonly line: number, private readonly mapper: RowMapper, private readonly row: SourceRow) {
    const m = mapper.map(row)
    this.value = m.value
    this.id = m.id
    if (m.errors.length) this.errors = m.errors
  }
  get raw(): string { return (this.rawText ??= this.mapper.rawOf(this.row)) }
}

function item(mapper: RowMapper, line: number, row: SourceRow): BodyItem {
  return new MappedItem(line, mapper, row)
}

/**
 * Items of a mapped source. The first item is preceded by `onMapper` with the mapper (for reports
 * naming source columns). Throws MappingError before any item when the CSV header lacks a mapped column.
 */
export async function* mappedItems(input: Bytes, mapping: Mapping, format: 'csv' | 'ndjson', onMapper?: (m: RowMapper) => void): AsyncGenerator<BodyItem> {
  if (format === 'csv') {
    let mapper: RowMapper | null = null
    let width = 0
    for await (const row of csvRows(input, { delimiter: mapping.csv.delimiter })) {
      if (!mapper) {
        if (isBlankRow(row)) continue
        if (row.error) throw new MappingError(`the header (line ${row.line}) cannot be read: ${row.error}`)
        mapper = new RowMapper(mapping, row.fields)
        width = row.fields.length
        onMapper?.(mapper)
        continue
      }
      if (isBlankRow(row)) continue
      const csv: SourceRow = { kind: 'csv', fields: row.fields }
      if (row.error) {
        yield { line: row.line, raw: mapper.rawOf(csv), id: null, errors: [{ field: '(line)', reason: row.error === NOT_UTF8 ? NOT_UTF8 : `CSV: ${row.error}` }] }
        continue
      }
      // Ragged rows: a stray delimiter or quote shifts every column after it, so the row is not guessed at.
      // Trailing empty fields (a delimiter at the end of the line) are tolerated.
      if (row.fields.length !== width && !(row.fields.length > width && row.fields.slice(width).every((f) => f.trim() === ''))) {
        const it = item(mapper, row.line, csv)
        yield { line: it.line, id: it.id, value: it.value, raw: mapper.rawOf(csv), errors: [{ field: '(line)', reason: `CSV: the row has ${row.fields.length} fields, the header ${width} (a stray delimiter, or a quote not closed?)` }] }
        continue
      }
      yield item(mapper, row.line, csv)
    }
    if (!mapper) throw new MappingError('the file is empty: a CSV needs a header line naming its columns')
    return
  }
  const mapper = new RowMapper(mapping)
  onMapper?.(mapper)
  const decoder = new TextDecoder('utf-8')
  let buf = ''
  let line = 0
  const one = (text: string): BodyItem | null => {
    line++
    const s = line === 1 ? text.replace(/^\ufeff/, '') : text
    const t = s.endsWith('\r') ? s.slice(0, -1) : s
    if (t.trim() === '') return null
    if (t.includes('\ufffd')) return { line, raw: t, id: null, errors: [{ field: '(line)', reason: NOT_UTF8 }] }
    let v: unknown
    try { v = JSON.parse(t) } catch (e) { return { line, raw: t, id: null, errors: [{ field: '(line)', reason: `malformed JSON: ${(e as Error).message}` }] } }
    if (!v || typeof v !== 'object' || Array.isArray(v)) return { line, raw: t, id: null, errors: [{ field: '(line)', reason: 'a line must be one JSON object' }] }
    return item(mapper, line, { kind: 'object', value: v as Record<string, unknown> })
  }
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    buf += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    let from = 0
    for (let nl: number; (nl = buf.indexOf('\n', from)) >= 0; from = nl + 1) {
      const it = one(buf.slice(from, nl))
      if (it) yield it
    }
    buf = buf.slice(from)
  }
  buf += decoder.decode()
  if (buf) { const it = one(buf); if (it) yield it }
}
