// Region scope: the counties a caller may see, and the one helper that renders it as a SQL condition.
// It sits beside the storage module so query builders (metrics, trace, export) and the API's access
// layer all use it without importing upwards.
// Every query builder that reads regional data takes a Scope and calls scopeSql; nothing else filters.
import { Reference } from '../ingest/reference'

/** `all`: the whole city (including 未知区域); else GB/T 2260 county codes of the city. */
export interface Scope { counties: readonly string[] | 'all' }

export const CITY_WIDE: Scope = { counties: 'all' }

const CODE = /^\d{6}$/

/** The SQL condition limiting `col` (a county code column) to the scope. Codes are validated digits. */
export function scopeSql(col: string, scope: Scope): string {
  if (scope.counties === 'all') return '1'
  const codes = scope.counties.filter((c) => CODE.test(c))
  return codes.length ? `${col} IN (${codes.map((c) => `'${c}'`).join(', ')})` : '0'
}

export const inScope = (scope: Scope, county: string) => scope.counties === 'all' || scope.counties.includes(county)

export const scopeKey = (scope: Scope) => (scope.counties === 'all' ? 'all' : [...scope.counties].sort().join(','))

/**
 * Parses region codes as given to the CLI or stored with a token: the city code (or nothing) means the
 * whole city; else each must be a county of the city. Throws naming the bad code.
 */
export function parseRegions(codes: readonly string[]): Scope {
  const ref = Reference.load()
  const list = codes.map((c) => c.trim()).filter(Boolean)
  if (list.length === 0 || list.includes(ref.regions.city.code)) return CITY_WIDE
  for (const c of list) if (!ref.countyByCode.has(c))
    throw new Error(`unknown region ${c}: use the city ${ref.regions.city.code} or its county codes (${ref.regions.counties.map((k) => k.code).join(', ')})`)
  return { counties: [...new Set(list)].sort() }
}
