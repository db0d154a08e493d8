// Where matters happen: the committed reference data (divisions + district polygons), a
// volume weight per county, and random points inside a district.
import { readFileSync } from 'node:fs'
import type { Rng } from './random'
import { WeightedTable } from './random'

export interface Town {
  code: string
  name: string
}
export interface County {
  code: string
  name: string
  /** Functional zones have no polygon of their own; they are drawn inside this district. */
  map_code?: string
  towns: Town[]
}
export interface Regions {
  source: string
  city: { code: string; name: string }
  counties: County[]
}
type Ring = [number, number][]
interface Feature {
  properties: { name: string; code: string }
  geometry: { type: 'Polygon'; coordinates: Ring[] } | { type: 'MultiPolygon'; coordinates: Ring[][] }
}

const readJson = (rel: string) => JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8'))
export const REGIONS: Regions = readJson('../refdata/zhengzhou.regions.json')
const GEO: { features: Feature[] } = readJson('../../web/public/geo/zhengzhou.json')

/** Polygons (each a list of rings: outer first, then holes) per 6-digit code of a map feature. */
const POLYGONS = new Map<string, Ring[][]>()
for (const f of GEO.features) {
  POLYGONS.set(f.properties.code, f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates)
}

// Rough share of appeals/incidents per county, following resident population (urban districts
// and the airport zone are busiest). Unknown codes get weight 1.
const COUNTY_WEIGHT: Record<string, number> = {
  '410102': 9, '410103': 9, '410104': 7, '410105': 16, '410106': 1.5, '410108': 4, '410122': 5,
  '410171': 4, '410172': 4, '410173': 5, '410181': 4, '410182': 4.5, '410183': 4, '410184': 5, '410185': 3.5,
}
const COUNTY_TABLE = new WeightedTable(
  REGIONS.counties,
  REGIONS.counties.map((c) => COUNTY_WEIGHT[c.code] ?? 1),
)
export const COUNTY_BY_CODE = new Map(REGIONS.counties.map((c) => [c.code, c]))

export function pickCounty(rng: Rng): County {
  return COUNTY_TABLE.draw(rng)
}

export function pickTown(rng: Rng, county: County): Town | null {
  return county.towns.length ? rng.pick(county.towns) : null
}

/** The map feature code that a county is drawn with (itself, or its host district for zones). */
export function mapCodeOf(countyCode: string): string {
  return COUNTY_BY_CODE.get(countyCode)?.map_code ?? countyCode
}

function inRing(x: number, y: number, ring: Ring): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]
    const [xj, yj] = ring[j]
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

/** Is (lon, lat) inside the polygon of this map code (holes excluded)? */
export function insideDistrict(mapCode: string, lon: number, lat: number): boolean {
  const polys = POLYGONS.get(mapCode)
  if (!polys) return false
  return polys.some((rings) => inRing(lon, lat, rings[0]) && !rings.slice(1).some((h) => inRing(lon, lat, h)))
}

const BBOX = new Map<string, [number, number, number, number]>()
function bbox(mapCode: string): [number, number, number, number] {
  let b = BBOX.get(mapCode)
  if (!b) {
    b = [Infinity, Infinity, -Infinity, -Infinity]
    for (const rings of POLYGONS.get(mapCode) ?? [])
      for (const [x, y] of rings[0]) {
        b[0] = Math.min(b[0], x)
        b[1] = Math.min(b[1], y)
        b[2] = Math.max(b[2], x)
        b[3] = Math.max(b[3], y)
      }
    BBOX.set(mapCode, b)
  }
  return b
}

/** A random point inside the county's district polygon (rejection sampling in its bounding box). */
export function randomPoint(rng: Rng, countyCode: string): { lat: number; lon: number } | null {
  const code = mapCodeOf(countyCode)
  if (!POLYGONS.has(code)) return null
  const [x0, y0, x1, y1] = bbox(code)
  for (let i = 0; i < 200; i++) {
    const lon = Math.round(rng.uniform(x0, x1) * 1e6) / 1e6
    const lat = Math.round(rng.uniform(y0, y1) * 1e6) / 1e6
    if (insideDistrict(code, lon, lat)) return { lat, lon }
  }
  return null
}
