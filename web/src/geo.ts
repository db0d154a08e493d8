// Loads the Zhengzhou district GeoJSON once per page and registers it with ECharts.
import { echarts } from './echarts'

export const MAP_NAME = 'zhengzhou'
export const GEO_URL = '/geo/zhengzhou.json'

type Ring = number[][]
interface Geometry {
  type: string
  coordinates: unknown
}
interface Feature {
  properties?: { name?: unknown; code?: unknown; adcode?: unknown; cp?: unknown } | null
  geometry?: Geometry | null
}

let pending: Promise<Map<string, string>> | null = null

/** Resolves to county code → feature name (to match API rows by code when names differ). */
export function loadGeo(): Promise<Map<string, string>> {
  pending ??= (async () => {
    const res = await fetch(GEO_URL, { cache: 'force-cache' })
    if (!res.ok) throw new Error(`${GEO_URL}: HTTP ${res.status}`)
    const geo = (await res.json()) as { type?: string; features?: Feature[] }
    if (geo?.type !== 'FeatureCollection' || !Array.isArray(geo.features) || geo.features.length === 0) {
      throw new Error(`${GEO_URL}: not a FeatureCollection`)
    }
    addLabelPoints(geo.features)
    echarts.registerMap(MAP_NAME, geo as never)
    const codes = new Map<string, string>()
    for (const f of geo.features) {
      const name = f.properties?.name
      const code = f.properties?.code ?? f.properties?.adcode
      if (typeof name === 'string' && code != null) codes.set(String(code), name)
    }
    return codes
  })().catch((err: unknown) => {
    pending = null // allow a retry
    throw err
  })
  return pending
}

/** Outer rings of a Polygon/MultiPolygon (holes ignored: the enclaves are features of their own). */
function outerRings(g: Geometry | null | undefined): Ring[] {
  if (!g) return []
  if (g.type === 'Polygon') return [(g.coordinates as Ring[])[0]].filter(Boolean)
  if (g.type === 'MultiPolygon') return (g.coordinates as Ring[][]).map((p) => p[0]).filter(Boolean)
  return []
}

function inside(x: number, y: number, ring: Ring): boolean {
  let c = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]
    const [xj, yj] = ring[j]
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c
  }
  return c
}

/**
 * ECharts puts a region's label at the centroid of its largest polygon, which for a district that
 * wraps around an enclave (荥阳市 around 上街区) lands on the enclave. Give each feature a `cp`
 * (label point, honoured by ECharts) far from every border: a coarse-then-fine grid search for the
 * point inside the feature, outside all others, with the largest distance to any border.
 */
export function addLabelPoints(features: Feature[]): void {
  // Label placement needs no precision: decimate rings to at most ~120 vertices each.
  const all = features.map((f) =>
    outerRings(f.geometry).map((r) => {
      const step = Math.max(1, Math.floor(r.length / 120))
      return step === 1 ? r : r.filter((_, i) => i % step === 0 || i === r.length - 1)
    }),
  )
  const bbox = (rings: Ring[]) => {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity
    for (const r of rings) for (const [x, y] of r) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y) }
    return [x0, y0, x1, y1] as const
  }
  const boxes = all.map(bbox)
  features.forEach((f, fi) => {
    if (!f.properties || f.properties.cp || all[fi].length === 0) return
    const own = all[fi]
    const [x0, y0, x1, y1] = boxes[fi]
    const kx = Math.cos((((y0 + y1) / 2) * Math.PI) / 180) // degrees of longitude are shorter
    // Borders that can matter: own plus any feature whose box overlaps ours.
    const others = all.filter((_, j) => j !== fi && boxes[j][0] <= x1 && boxes[j][2] >= x0 && boxes[j][1] <= y1 && boxes[j][3] >= y0)
    const segs: number[] = []
    for (const r of [...own, ...others.flat()])
      for (let i = 0, j = r.length - 1; i < r.length; j = i++) segs.push(r[j][0] * kx, r[j][1], r[i][0] * kx, r[i][1])
    const S = Float64Array.from(segs)
    const score = (x: number, y: number, best: number): number => {
      if (!own.some((r) => inside(x, y, r))) return -1
      if (others.some((rs) => rs.some((r) => inside(x, y, r)))) return -1
      const px = x * kx
      let d = Infinity
      for (let k = 0; k < S.length; k += 4) {
        const ax = S[k], ay = S[k + 1], dx = S[k + 2] - ax, dy = S[k + 3] - ay
        const l = dx * dx + dy * dy
        const t = l ? Math.max(0, Math.min(1, ((px - ax) * dx + (y - ay) * dy) / l)) : 0
        const ex = ax + t * dx - px, ey = ay + t * dy - y
        const e = ex * ex + ey * ey
        if (e < d) {
          d = e
          if (d <= best) return d // cannot win any more
        }
      }
      return d
    }
    let best = -1, bx = NaN, by = NaN
    const search = (cx0: number, cy0: number, cx1: number, cy1: number, n: number) => {
      for (let i = 0; i <= n; i++)
        for (let j = 0; j <= n; j++) {
          const x = cx0 + ((cx1 - cx0) * i) / n, y = cy0 + ((cy1 - cy0) * j) / n
          const s = score(x, y, best)
          if (s > best) { best = s; bx = x; by = y }
        }
    }
    const N = 18
    search(x0, y0, x1, y1, N)
    if (!(best > 0)) return
    const sx = (x1 - x0) / N, sy = (y1 - y0) / N
    search(bx - sx, by - sy, bx + sx, by + sy, 6)
    f.properties.cp = [bx, by]
  })
}
