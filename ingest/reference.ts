// Reference data the ingest checks against: the city's GB/T 2260 divisions and the unified categories.
// Both are versioned data files, not code (derived by scripts/derive-refdata.mjs, MIT notices in refdata/NOTICE.md).
import { readFileSync } from 'node:fs'

export interface Town { code: string; name: string }
export interface County { code: string; name: string; towns: Town[] }
export interface Regions { city: { code: string; name: string }; counties: County[] }
export interface Category { code: string; name: string; owner: '12345' | '110'; handover: 'to_110' | 'to_12345' | null }
export interface Categories { version: string; categories: Category[] }

const read = <T>(rel: string): T => JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as T

let cached: Reference | undefined

export class Reference {
  readonly regions: Regions
  readonly categories: Categories
  readonly countyByCode = new Map<string, County>()
  readonly townCodes = new Set<string>()
  readonly categoryByCode = new Map<string, Category>()

  constructor(regions: Regions, categories: Categories) {
    this.regions = regions
    this.categories = categories
    for (const c of regions.counties) {
      this.countyByCode.set(c.code, c)
      for (const t of c.towns) this.townCodes.add(t.code)
    }
    for (const c of categories.categories) this.categoryByCode.set(c.code, c)
  }

  static load(): Reference {
    cached ??= new Reference(read<Regions>('./refdata/zhengzhou.regions.json'), read<Categories>('./refdata/categories.v1.json'))
    return cached
  }
}
