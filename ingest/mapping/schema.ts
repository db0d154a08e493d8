// The declarative mapping of an export's columns onto the record (or event) model, as zod.
// One JSON file per source format (ingest/mappings/ has examples); see README "Imports".
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { TimeZone, compileFormat } from './time'

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()])

export const FieldSpec = z.object({
  /** The source column (CSV header, or NDJSON key; a dotted key reads a nested value). */
  column: z.string().min(1).optional(),
  /** Several columns: the first non-empty one is taken. */
  columns: z.array(z.string().min(1)).min(1).optional(),
  /** A constant (platform, channel, region, …), the same for every row. */
  const: Scalar.optional(),
  /** Their value → ours, looked up after text cleanup ("办结": "closed", "金水区": "410105"). */
  map: z.record(z.string(), Scalar).optional(),
  /** A value the map does not hold: reject the row (default), keep it as it is, or use `default`. */
  unmapped: z.enum(['reject', 'keep', 'default']).default('reject'),
  /** Used when the column is empty (and for unmapped values with unmapped: "default"). */
  default: Scalar.optional(),
  /** Time formats for this field, tried in order (default: the mapping's time_formats). */
  formats: z.array(z.string().min(1)).min(1).optional(),
  /** Time zone of this field's values without an offset (default: the mapping's timezone). */
  timezone: z.string().optional(),
  /** Put before the value (after mapping): keeps ids of one export apart from another's ("WEB-" + 24). */
  prefix: z.string().max(32).optional(),
  /** Text cleanup: "text" (each line trimmed, blank lines dropped), "line" (whitespace collapsed to one space), "none". */
  clean: z.enum(['text', 'line', 'none']).optional(),
}).strict().superRefine((f, ctx) => {
  const n = (f.column ? 1 : 0) + (f.columns ? 1 : 0) + (f.const !== undefined ? 1 : 0)
  if (n !== 1) ctx.addIssue({ code: 'custom', message: 'give exactly one of column, columns or const' })
  if (f.unmapped === 'default' && f.default === undefined) ctx.addIssue({ code: 'custom', message: 'unmapped: "default" needs a default' })
})
export type FieldSpec = z.output<typeof FieldSpec>

// The model's fields a mapping may fill, by type.
export const TIME_FIELDS = {
  records: ['received_at', 'updated_at', 'due_at', 'accepted_at', 'dispatched_at', 'signed_at', 'first_response_at', 'arrived_at', 'replied_at', 'closed_at', 'callback.at'],
  events: ['at', 'updated_at'],
} as const
export const NUMBER_FIELDS = ['lat', 'lon']
export const BOOLEAN_FIELDS = ['confidential', 'callback.contacted', 'callback.solved']
const STRING_FIELDS = {
  records: ['platform', 'source_id', 'channel', 'county_code', 'town_code', 'source_category', 'category_code', 'kind', 'urgency', 'title', 'content', 'caller_phone', 'unit_code', 'status', 'callback.satisfaction_first', 'callback.satisfaction_final'],
  events: ['event_id', 'platform', 'record_id', 'type', 'from_platform', 'to_platform', 'from_unit', 'to_unit', 'counterpart_id', 'note'],
} as const
/** Free-text fields: multi-line cleanup by default, and their values never appear in an error. */
export const TEXT_FIELDS = ['title', 'content', 'note']
/** Fields whose values are personal data: never shown in an error, a log or a quarantined line. */
export const PERSONAL_FIELDS = ['caller_phone', 'title', 'content', 'note']
export const REQUIRED = {
  records: ['platform', 'source_id', 'channel', 'received_at', 'county_code', 'kind', 'status'],
  events: ['event_id', 'platform', 'record_id', 'type', 'at'],
} as const

export const fieldsOf = (kind: 'records' | 'events'): string[] =>
  [...STRING_FIELDS[kind], ...TIME_FIELDS[kind], ...(kind === 'records' ? [...NUMBER_FIELDS, ...BOOLEAN_FIELDS] : [])]

export const Mapping = z.object({
  description: z.string().optional(),
  version: z.literal(1).default(1),
  /** What the rows are. */
  kind: z.enum(['records', 'events']).default('records'),
  /** The file's format (default: from its extension; .csv/.tsv: csv, else ndjson). */
  format: z.enum(['csv', 'ndjson']).optional(),
  csv: z.object({ delimiter: z.string().length(1).default(',') }).strict().default({ delimiter: ',' }),
  /** Zone of times without an offset: IANA name or ±HH:MM. */
  timezone: z.string().default('Asia/Shanghai'),
  /** Time formats tried in order for every time field (see ingest/mapping/time.ts). */
  time_formats: z.array(z.string().min(1)).min(1).optional(),
  /** Our field ← their column, constant or value map. A string is short for { "column": … }. */
  fields: z.record(z.string(), z.union([z.string().min(1).transform((column) => FieldSpec.parse({ column })), FieldSpec])),
  /** Source columns holding personal data (names, ID numbers) beside the mapped caller phone: withheld from errors and quarantine. */
  personal_columns: z.array(z.string()).default([]),
}).strict().superRefine((m, ctx) => {
  const known = new Set(fieldsOf(m.kind))
  for (const [name, f] of Object.entries(m.fields)) {
    if (!known.has(name)) { ctx.addIssue({ code: 'custom', path: ['fields', name], message: `unknown ${m.kind === 'records' ? 'record' : 'event'} field ${name} (fields: ${[...known].join(', ')})` }); continue }
    for (const fmt of f.formats ?? []) try { compileFormat(fmt) } catch (e) { ctx.addIssue({ code: 'custom', path: ['fields', name, 'formats'], message: (e as Error).message }) }
    if (f.timezone) try { TimeZone.of(f.timezone) } catch (e) { ctx.addIssue({ code: 'custom', path: ['fields', name, 'timezone'], message: (e as Error).message }) }
  }
  for (const r of REQUIRED[m.kind]) if (!m.fields[r]) ctx.addIssue({ code: 'custom', path: ['fields', r], message: `${r} is required: map it from a column or give a const` })
  try { TimeZone.of(m.timezone) } catch (e) { ctx.addIssue({ code: 'custom', path: ['timezone'], message: (e as Error).message }) }
  for (const fmt of m.time_formats ?? []) try { compileFormat(fmt) } catch (e) { ctx.addIssue({ code: 'custom', path: ['time_formats'], message: (e as Error).message }) }
})
export type Mapping = z.output<typeof Mapping>

export class MappingError extends Error {}

/** Parses a mapping (already read as an object), naming every problem by its path. */
export function parseMapping(value: unknown, source = 'mapping'): Mapping {
  const r = Mapping.safeParse(value)
  if (r.success) return r.data
  throw new MappingError(`${source} is not a valid mapping:\n${r.error.issues.map((i) => `  ${i.path.join('.') || '(mapping)'}: ${i.message}`).join('\n')}`)
}

/** Reads a mapping file: JSON, or YAML (.yaml/.yml). */
export async function loadMappingFile(file: string): Promise<Mapping> {
  let text: string
  try { text = readFileSync(file, 'utf8') } catch (e) { throw new MappingError(`cannot read mapping ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`) }
  let value: unknown
  if (/\.ya?ml$/i.test(file)) {
    try { value = parseYaml(text) } catch (e) { throw new MappingError(`${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`) }
  } else {
    try { value = JSON.parse(text.replace(/^\ufeff/, '')) } catch (e) { throw new MappingError(`${file} is not valid JSON: ${(e as Error).message}`) }
  }
  return parseMapping(value, path.basename(file))
}
