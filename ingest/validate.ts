// Validates one parsed input item against the record/event model and the reference data,
// returning either the parsed value or a list of {field, reason} naming what is wrong.
import type { ZodError } from 'zod'
import { RecordInput, EventInput, type RecordParsed, type EventParsed } from '../model/record'
import type { Reference } from './reference'

export interface FieldError { field: string; reason: string }
export type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] }

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v = input
  for (const k of path) v = isObject(v) ? v[k as string] : undefined
  return v
}

function zodErrors(e: ZodError, input: unknown): FieldError[] {
  return e.issues.map((i) => {
    if (i.code === 'unrecognized_keys') return { field: i.keys.join(','), reason: 'unknown field' }
    const field = i.path.join('.') || '(record)'
    // zod describes a missing field by the type it expected; say plainly that it is missing.
    const missing = i.path.length > 0 && valueAt(input, i.path) === undefined
    return { field, reason: missing ? 'required field is missing' : i.message }
  })
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * Text ClickHouse cannot store: a lone UTF-16 surrogate (JSON "\ud800" without its pair) has no
 * UTF-8 form, and would make ClickHouse refuse the whole batch it sits in.
 */
// With the u flag a well-formed pair is one code point, so this matches only an unpaired half.
const LONE_SURROGATE = /\p{Cs}/u

function badText(value: unknown, path: string, out: FieldError[]): void {
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) out.push({ field: path || '(record)', reason: 'contains a lone UTF-16 surrogate (e.g. \\ud800 without its pair): not valid Unicode text' })
  } else if (Array.isArray(value)) value.forEach((v, i) => badText(v, `${path}.${i}`, out))
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) {
    if (LONE_SURROGATE.test(k)) out.push({ field: '(record)', reason: 'a field name contains a lone UTF-16 surrogate' })
    badText(v, path ? `${path}.${k}` : k, out)
  }
}

export function checkRecord(value: unknown, ref: Reference): Checked<RecordParsed> {
  if (!isObject(value)) return { ok: false, errors: [{ field: '(record)', reason: 'a record must be a JSON object' }] }
  const text: FieldError[] = []
  badText(value, '', text)
  if (text.length) return { ok: false, errors: text }
  const r = RecordInput.safeParse(value)
  if (!r.success) return { ok: false, errors: zodErrors(r.error, value) }
  const rec = r.data
  const errors: FieldError[] = []
  if (!ref.countyByCode.has(rec.county_code))
    errors.push({ field: 'county_code', reason: `unknown county code ${rec.county_code} (not a division of ${ref.regions.city.name} ${ref.regions.city.code})` })
  else if (rec.town_code && !ref.townCodes.has(rec.town_code))
    errors.push({ field: 'town_code', reason: `unknown street/town code ${rec.town_code} in ${ref.countyByCode.get(rec.county_code)!.name}` })
  if (rec.lat !== null && rec.lon !== null) {
    const b = ref.bbox
    if (rec.lat === 0 && rec.lon === 0)
      errors.push({ field: 'lat', reason: 'lat/lon 0,0 is a placeholder, not a place: send null when the position is unknown' })
    else if (rec.lat < b.minLat || rec.lat > b.maxLat || rec.lon < b.minLon || rec.lon > b.maxLon)
      errors.push({ field: 'lat', reason: `position ${rec.lat},${rec.lon} is outside ${ref.regions.city.name} (lat ${b.minLat.toFixed(2)}…${b.maxLat.toFixed(2)}, lon ${b.minLon.toFixed(2)}…${b.maxLon.toFixed(2)}); lat and lon swapped?` })
  }
  if (rec.category_code && !ref.categoryByCode.has(rec.category_code))
    errors.push({ field: 'category_code', reason: `unknown unified category ${rec.category_code} (catalogue ${ref.categories.version})` })
  return errors.length ? { ok: false, errors } : { ok: true, value: rec }
}

export function checkEvent(value: unknown): Checked<EventParsed> {
  if (!isObject(value)) return { ok: false, errors: [{ field: '(event)', reason: 'an event must be a JSON object' }] }
  const text: FieldError[] = []
  badText(value, '', text)
  if (text.length) return { ok: false, errors: text }
  const r = EventInput.safeParse(value)
  return r.success ? { ok: true, value: r.data } : { ok: false, errors: zodErrors(r.error, value) }
}

/** The identifier of an item for error reports, when one can be read even from an invalid item. */
export function itemId(value: unknown, key: 'source_id' | 'event_id'): string | null {
  if (!isObject(value)) return null
  const v = value[key]
  return typeof v === 'string' || typeof v === 'number' ? String(v).slice(0, 64) : null
}

/** What one sender may write: its platforms and counties ('all': any). Set from the caller's token. */
export interface SendScope { sender: string; platforms: readonly string[] | 'all'; counties: readonly string[] | 'all' }

/**
 * A valid item outside the sender's scope: another platform, or (records) a county outside its regions.
 * Events are checked by their platform here; their county is their record's (IngestService looks it up).
 */
export function checkSendScope(item: { platform: string; county_code?: string }, s: SendScope): FieldError[] {
  const errors: FieldError[] = []
  if (s.platforms !== 'all' && !s.platforms.includes(item.platform))
    errors.push({ field: 'platform', reason: `this token may send only platform ${s.platforms.join(', ')}, not ${item.platform}` })
  if (item.county_code !== undefined && s.counties !== 'all' && !s.counties.includes(item.county_code))
    errors.push({ field: 'county_code', reason: `this token may send only counties ${s.counties.join(', ')}, not ${item.county_code}` })
  return errors
}
