// Shared by the detectors: windows, literal SQL for a finding's `query`, daily series, record refs,
// names and the routing list (from ingest/reference.ts, the one loader of reference data).
import type { Db } from '../../analytics/clickhouse'
import { inStrings, queryRows, stringsParam } from '../../analytics/clickhouse'
import { chTime } from '../../ingest/rows'
import { Reference } from '../../ingest/reference'
import type { RecordRef } from '../../model/finding'
import { windowFinal, windowMonths } from '../../analytics/metrics/definitions'

export type { Db }
export { queryRows, chTime, inStrings, stringsParam }

/** A detection window [from, to), epoch ms. */
export interface Window { from: number; to: number }

export const MIN = 60_000
export const HOUR = 3_600_000
export const DAY = 86_400_000
/** Asia/Shanghai has no daylight saving time: local time is UTC + 8 h all year. */
export const TZ_MS = 8 * HOUR
export const DT = `DateTime64(3, 'Asia/Shanghai')`

/** Start of the Shanghai-local window of length `len` (a divisor of a day, or whole days) containing t. */
export function alignStart(t: number, len: number): number {
  return Math.floor((t + TZ_MS) / len) * len - TZ_MS
}

/**
 * A catch-up call's days: [from, to) cut into consecutive days (the last may be shorter), or the
 * window itself when it spans a day or less. Detectors judge each as a call over it alone would.
 */
export function dayWindows(w: Window): Window[] {
  if (w.to - w.from <= DAY) return [w]
  const out: Window[] = []
  for (let f = w.from; f < w.to; f += DAY) out.push({ from: f, to: Math.min(f + DAY, w.to) })
  return out
}

/** 'YYYY-MM-DD' in Asia/Shanghai. */
export function shDay(t: number): string {
  return new Date(t + TZ_MS).toISOString().slice(0, 10)
}

/** 'MM-DD HH:mm' in Asia/Shanghai, for titles. */
export function shTime(t: number): string {
  return new Date(t + TZ_MS).toISOString().slice(5, 16).replace('T', ' ')
}

/** `col` in [{lo}, {hi}) for a table read FINAL: windowFinal() of the metrics, under these parameter names. */
export const rangeFinal = (col: string, lo: string, hi: string): string => windowFinal(col, lo, hi)

/**
 * Records' keys with some version received in [{lo}, {hi}), read without FINAL (primary-key analysis
 * then lets a FINAL read of `records` merge only those keys' granules instead of whole months): a
 * superset of the keys rangeFinal() keeps, so `AND ${keysIn(...)}` next to it changes no result.
 */
export function keysIn(lo: string, hi: string, where = '1'): string {
  return `(platform, source_id) IN (SELECT platform, source_id FROM records
      WHERE ${monthsOf('received_at', lo, hi)} AND received_at >= {${lo}:${DT}} AND received_at < {${hi}:${DT}} AND (${where}))`
}

/** The same for events: keys with some version at an instant in [{lo}, {hi}). */
export function eventKeys(lo: string, hi: string, where = '1'): string {
  return `(platform, event_id) IN (SELECT platform, event_id FROM events
      WHERE ${monthsOf('at', lo, hi)} AND at >= {${lo}:${DT}} AND at < {${hi}:${DT}} AND (${where}))`
}

/** Only the months of [{lo}, {hi}): for reads that filter exactly elsewhere (or need no exact bound). */
export const monthsOf = (col: string, lo: string, hi: string): string => windowMonths(col, lo, hi)

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`

function literal(v: unknown, type: string): string {
  if (Array.isArray(v)) {
    const inner = /^Array\((.*)\)$/.exec(type.trim())?.[1] ?? 'String'
    return `[${v.map((x) => literal(x, inner)).join(', ')}]`
  }
  if (typeof v === 'number' || typeof v === 'bigint') return String(v)
  if (typeof v === 'boolean') return v ? '1' : '0'
  const s = quote(String(v))
  if (type.startsWith('DateTime64')) return `toDateTime64(${s}, 3, 'Asia/Shanghai')`
  if (type.startsWith('DateTime')) return `toDateTime(${s}, 'Asia/Shanghai')`
  if (type.startsWith('Date')) return `toDate(${s})`
  return s
}

/** The SQL with every {name:Type} parameter replaced by its literal value: a self-contained query. */
export function inline(sql: string, params: Record<string, unknown>): string {
  return sql
    .replace(/\{(\w+):([^{}]+)\}/g, (m, name: string, type: string) => (name in params ? literal(params[name], type) : m))
    .replace(/\n\s*/g, '\n  ')
    .trim()
}

/** Daily counts (Shanghai days) from epoch-ms instants, sorted, days without any left out. */
export function seriesOf(times: number[]): { day: string; n: number }[] {
  const m = new Map<string, number>()
  for (const t of times) {
    const d = shDay(t)
    m.set(d, (m.get(d) ?? 0) + 1)
  }
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([day, n]) => ({ day, n }))
}

/** Up to 20 distinct record refs, in the order given. */
export function samplesOf(refs: { platform: string; source_id: string }[], max = 20): RecordRef[] {
  const seen = new Set<string>()
  const out: RecordRef[] = []
  for (const r of refs) {
    const k = `${r.platform}|${r.source_id}`
    if (seen.has(k) || (r.platform !== '12345' && r.platform !== '110')) continue
    seen.add(k)
    out.push({ platform: r.platform, source_id: r.source_id })
    if (out.length >= max) break
  }
  return out
}

/** SQL listing records by key, newest first: the evidence query of a finding. */
export function recordsQuery(refs: { platform: string; source_id: string }[]): string {
  if (!refs.length) return 'SELECT platform, source_id FROM records WHERE 0'
  const keys = refs.map((r) => `(${quote(r.platform)}, ${quote(r.source_id)})`).join(', ')
  return `SELECT platform, source_id, received_at, county_code, category_code, unit_code, status, signed_at, due_at
  FROM records FINAL
  WHERE (platform, source_id) IN (${keys})
  ORDER BY received_at`
}

export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v))

// ---------- reference data ----------

interface CategoryRef { code: string; name: string; owner: '12345' | '110'; handover: string | null; dept?: string; police_first?: boolean; group?: string }

const ref = () => Reference.load()

export function categoryInfo(code: string): CategoryRef | undefined {
  return ref().categoryByCode.get(code) as CategoryRef | undefined
}

/** The Chinese category name, '未分类' when none, the code itself when not in the catalogue. */
export function categoryName(code: string): string {
  if (!code) return '未分类'
  return categoryInfo(code)?.name ?? code
}

/** The county's Chinese name, '' when unknown (titles then name no place). */
export function countyName(code: string): string {
  if (!code) return ''
  return ref().countyByCode.get(code)?.name ?? code
}

/** Department types of the routing list (code → name), e.g. CGJ → 城市管理局. */
export function departments(): Record<string, string> {
  return ((ref().categories as unknown as { departments?: Record<string, string> }).departments) ?? {}
}

// Unit codes end in their department type, sometimes numbered: ZZ-JS-CGJ, ZZ-JS-JD005, ZZ-JS-PCS05.
const UNIT_SUFFIX: Record<string, string> = { JJDD: 'JJ', XTJ: 'XJ', FZZX: 'FZ' }

/** The department type of a handling unit code, '' when it cannot be told. */
export function unitType(unit: string): string {
  const last = unit.split('-').at(-1) ?? ''
  const base = UNIT_SUFFIX[last] ?? last.replace(/\d+$/, '')
  return base in departments() ? base : ''
}

/**
 * Suggested lead and assisting unit types: the lead is the category's department on the routing list;
 * assisting are the other department types seen handling the evidence records, and the police station
 * (PCS) where the list says police attend first. Nothing when the category is unknown.
 */
export function routing(category: string, units: string[] = []): { suggested_lead: string; suggested_assist: string[] } {
  const c = categoryInfo(category)
  if (!c?.dept) return { suggested_lead: '', suggested_assist: [] }
  const assist = new Set<string>()
  for (const u of units) {
    const t = unitType(u)
    if (t && t !== c.dept && t !== 'HOTLINE') assist.add(t)
  }
  if (c.police_first && c.dept !== 'PCS') assist.add('PCS')
  return { suggested_lead: c.dept, suggested_assist: [...assist].sort() }
}

/** "金水区 " or '' — a place prefix for titles. */
export function wherePrefix(county: string): string {
  const n = countyName(county)
  return n ? `${n} ` : ''
}

/** Cut a title to the contract's 200 characters. */
export function clip(s: string, max = 200): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…'
}

/** Run a query; rows as objects (re-exported for the detectors' one import). */
export async function rows<T>(db: Db, sql: string, params: Record<string, unknown>): Promise<T[]> {
  return queryRows<T>(db, sql, params)
}

/** Window bounds as query parameters (Shanghai wall clock with ms). */
export function timeParams(o: Record<string, number>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, chTime(v)]))
}

/** The platforms' own desks (the 12345 centre, the 110 command centre): not handling units. */
export const DEFAULT_HUB_UNITS = ['ZZ-12345', 'ZZ-110']

/** Category codes and their owner platform, for SQL transform(). */
export function categoryOwners(): { cats: string[]; owners: string[] } {
  const cs = ref().categories.categories
  return { cats: cs.map((c) => c.code), owners: cs.map((c) => c.owner) }
}
