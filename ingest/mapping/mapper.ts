// Applies a mapping to one source row: our field ← their column, constant or value map, with text
// cleanup and time parsing. Each problem names our field and their column; a value is quoted only
// when it is not personal data.
import type { FieldError } from '../validate'
import { BOOLEAN_FIELDS, NUMBER_FIELDS, PERSONAL_FIELDS, TEXT_FIELDS, TIME_FIELDS, type FieldSpec, type Mapping, MappingError } from './schema'
import { DEFAULT_FORMATS, TimeZone, parseTime } from './time'

export interface Mapped { value: Record<string, unknown>; errors: FieldError[]; id: string | null }

/** A source row: CSV fields by header position, or an NDJSON object. */
export type SourceRow = { kind: 'csv'; fields: string[] } | { kind: 'object'; value: Record<string, unknown> }

const TRUE = new Set(['true', '1', 'yes', 'y', 't', '是', '已', '有', '√'])
const FALSE = new Set(['false', '0', 'no', 'n', 'f', '否', '未', '无', '×'])

/** Full-width and no-break spaces become spaces; then "line" collapses all whitespace, "text" trims each line and drops blank ones. */
const PLAIN_LINE = /[\t\n\r\f\v\u00a0\u3000\u2002-\u200b\ufeff]|^ | $|  /
export function cleanText(s: string, mode: 'text' | 'line' | 'none'): string {
  if (mode === 'none' || !PLAIN_LINE.test(s)) return s
  const t = s.replace(/[\u3000\u00a0\u2002-\u200b\ufeff]/g, ' ')
  if (mode === 'line') return t.replace(/\s+/g, ' ').trim()
  return t.split(/\r\n|\r|\n/).map((l) => l.replace(/[ \t\f\v]+/g, ' ').trim()).filter((l) => l !== '').join('\n')
}

interface Compiled {
  field: string
  spec: FieldSpec
  /** CSV column indexes (or NDJSON keys) to read, first non-empty wins. */
  cols: (number | string)[]
  colNames: string[]
  type: 'time' | 'number' | 'boolean' | 'string'
  formats: readonly string[]
  tz: TimeZone
  clean: 'text' | 'line' | 'none'
  personal: boolean
}

export class RowMapper {
  private readonly compiled: Compiled[]
  /** Columns to withhold from quarantined lines (the caller phone's and the declared personal ones). */
  readonly personalColumns: Set<string>
  readonly idField: 'source_id' | 'event_id'

  /**
   * `header`: the CSV header (columns are checked against it: a mapping naming a column the file
   * lacks is refused before any row is read); omitted for NDJSON, whose rows name their keys.
   */
  constructor(readonly mapping: Mapping, readonly header?: string[]) {
    this.idField = mapping.kind === 'records' ? 'source_id' : 'event_id'
    const tz = TimeZone.of(mapping.timezone)
    const timeFields: readonly string[] = TIME_FIELDS[mapping.kind]
    const index = new Map<string, number>()
    header?.forEach((h, i) => { const k = h.trim(); if (!index.has(k)) index.set(k, i) })
    const missing: string[] = []
    this.personalColumns = new Set(mapping.personal_columns)
    this.compiled = Object.entries(mapping.fields).map(([field, spec]) => {
      const colNames = spec.column ? [spec.column] : spec.columns ?? []
      const cols = colNames.map((c) => {
        if (!header) return c
        const i = index.get(c)
        if (i === undefined) missing.push(`${c} (for ${field})`)
        return i ?? -1
      })
      const personal = PERSONAL_FIELDS.includes(field)
      if (field === 'caller_phone') for (const c of colNames) this.personalColumns.add(c)
      return {
        field, spec, cols, colNames,
        type: timeFields.includes(field) ? 'time' : NUMBER_FIELDS.includes(field) ? 'number' : BOOLEAN_FIELDS.includes(field) ? 'boolean' : 'string',
        formats: spec.formats ?? mapping.time_formats ?? DEFAULT_FORMATS,
        tz: spec.timezone ? TimeZone.of(spec.timezone) : tz,
        clean: spec.clean ?? (TEXT_FIELDS.includes(field) ? 'text' : 'line'),
        personal,
      } satisfies Compiled
    })
    if (missing.length)
      throw new MappingError(`the mapping names columns the file does not have: ${missing.join(', ')}. The file's columns: ${(header ?? []).map((h) => h.trim()).join(', ').slice(0, 2000)}`)
  }

  /** The source columns a field reads, for reports ("received_at ← 受理时间"). */
  columnsOf(field: string): string[] {
    return this.compiled.find((c) => c.field === field)?.colNames ?? []
  }

  map(row: SourceRow): Mapped {
    const out: Record<string, unknown> = {}
    const errors: FieldError[] = []
    const times: number[] = []
    for (const c of this.compiled) {
      let raw: unknown
      let col = ''
      if (c.spec.const !== undefined) raw = c.spec.const
      else for (let k = 0; k < c.cols.length; k++) {
        const v = read(row, c.cols[k])
        if (v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '')) { raw = v; col = c.colNames[k]; break }
      }
      if (typeof raw === 'string') raw = cleanText(raw, c.clean)
      if (raw === '' || raw === undefined || raw === null) {
        if (c.spec.default !== undefined) raw = c.spec.default
        else continue
      }
      if (c.spec.map && c.spec.const === undefined) {
        const key = String(raw)
        if (Object.hasOwn(c.spec.map, key)) raw = c.spec.map[key]
        else if (c.spec.unmapped === 'default') raw = c.spec.default
        else if (c.spec.unmapped === 'reject') {
          errors.push({ field: c.field, reason: `${this.shown(c, col, key)} is not in the mapping's value map for ${c.field} (add it to "map", or set "unmapped")` })
          continue
        }
        if (raw === null || raw === '') continue
      }
      const v = convert(c, raw)
      if (v.error) { errors.push({ field: c.field, reason: `${this.shown(c, col, raw)} ${v.error}` }); continue }
      if (c.type === 'time') times.push(v.ms!)
      set(out, c.field, c.spec.prefix && c.type === 'string' ? c.spec.prefix + String(v.value) : v.value)
    }
    // A record snapshot's version: when not mapped, its latest time (a later export of the same record
    // replaces this one). Events without one keep the model's rule: the last one sent wins.
    if (this.mapping.kind === 'records' && out.updated_at === undefined && times.length && !errors.some((e) => TIME_FIELDS[this.mapping.kind].includes(e.field as never)))
      out.updated_at = new Date(Math.max(...times)).toISOString()
    if (this.mapping.kind === 'records' && out.callback && typeof out.callback === 'object' && !('contacted' in out.callback))
      errors.push({ field: 'callback.contacted', reason: 'a callback field is mapped but callback.contacted is not (map it or give a const)' })
    const id = out[this.idField]
    return { value: out, errors, id: typeof id === 'string' ? id.slice(0, 64) : null }
  }

  /** A value and its column for an error: the value withheld when it is personal data. */
  private shown(c: Compiled, col: string, v: unknown): string {
    const value = c.personal || this.personalColumns.has(col) ? '(value withheld: personal data)' : JSON.stringify(typeof v === 'string' ? v.slice(0, 60) : v)
    return col ? `${value} (column ${col})` : value
  }

  /** The row as a JSON object for the quarantine, personal columns withheld (free text is masked later). */
  rawOf(row: SourceRow): string {
    const o: Record<string, unknown> = {}
    if (row.kind === 'csv') (this.header ?? []).forEach((h, i) => { o[h.trim() || `column ${i + 1}`] = row.fields[i] })
    else Object.assign(o, row.value)
    for (const c of this.personalColumns) if (o[c] !== undefined && o[c] !== '') o[c] = '***'
    if (row.kind === 'csv' && row.fields.length > (this.header?.length ?? 0)) o['(extra fields)'] = row.fields.slice(this.header?.length ?? 0)
    return JSON.stringify(o)
  }
}

function read(row: SourceRow, col: number | string): unknown {
  if (row.kind === 'csv') return typeof col === 'number' && col >= 0 ? row.fields[col] : undefined
  let v: unknown = row.value
  const key = String(col)
  if (Object.hasOwn(row.value, key)) return row.value[key]
  for (const k of key.split('.')) v = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined
  return v
}

function set(o: Record<string, unknown>, field: string, v: unknown) {
  const dot = field.indexOf('.')
  if (dot < 0) { o[field] = v; return }
  const head = field.slice(0, dot)
  const inner = (o[head] ??= {}) as Record<string, unknown>
  inner[field.slice(dot + 1)] = v
}

function convert(c: Compiled, v: unknown): { value?: unknown; ms?: number; error?: string } {
  switch (c.type) {
    case 'time': {
      if (typeof v !== 'string' && typeof v !== 'number') return { error: 'is not a time' }
      const ms = parseTime(String(v), c.formats, c.tz)
      if (ms === null) return { error: `is not a time in the formats ${c.formats.join(' | ')} (or not a real date)` }
      return { value: new Date(ms).toISOString(), ms }
    }
    case 'number': {
      if (typeof v === 'number') return Number.isFinite(v) ? { value: v } : { error: 'is not a number' }
      const s = String(v).replace(/,/g, '')
      return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? { value: +s } : { error: 'is not a number' }
    }
    case 'boolean': {
      if (typeof v === 'boolean') return { value: v }
      const s = String(v).trim().toLowerCase()
      return TRUE.has(s) ? { value: true } : FALSE.has(s) ? { value: false } : { error: 'is not a yes/no value (map it with "map")' }
    }
    default:
      return { value: typeof v === 'string' ? v : String(v) }
  }
}
