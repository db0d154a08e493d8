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
  /** The city's extent from its district map, with a margin: positions outside it are not in the city. */
  readonly bbox: BBox

  constructor(regions: Regions, categories: Categories, geo?: GeoJson) {
    this.regions = regions
    this.categories = categories
    for (const c of regions.counties) {
      this.countyByCode.set(c.code, c)
      for (const t of c.towns) this.townCodes.add(t.code)
    }
    for (const c of categories.categories) this.categoryByCode.set(c.code, c)
    this.bbox = geo ? extent(geo, 0.05) : { minLon: -180, maxLon: 180, minLat: -90, maxLat: 90 }
  }

  static load(): Reference {
    cached ??= new Reference(
      read<Regions>('./refdata/zhengzhou.regions.json'),
      read<Categories>('./refdata/categories.v1.json'),
      read<GeoJson>('../web/public/geo/zhengzhou.json'),
    )
    return cached
  }
}

export interface BBox { minLon: number; maxLon: number; minLat: number; maxLat: number }
interface GeoJson { features: { geometry: { coordinates: unknown } }[] }

function extent(geo: GeoJson, margin: number): BBox {
  const b: BBox = { minLon: Infinity, maxLon: -Infinity, minLat: Infinity, maxLat: -Infinity }
  const walk = (c: unknown): void => {
    if (!Array.isArray(c)) return
    if (typeof c[0] === 'number' && typeof c[1] === 'number') {
      b.minLon = Math.min(b.minLon, c[0]); b.maxLon = Math.max(b.maxLon, c[0])
      b.minLat = Math.min(b.minLat, c[1]); b.maxLat = Math.max(b.maxLat, c[1])
    } else c.forEach(walk)
  }
  for (const f of geo.features) walk(f.geometry.coordinates)
  return { minLon: b.minLon - margin, maxLon: b.maxLon + margin, minLat: b.minLat - margin, maxLat: b.maxLat + margin }
}
