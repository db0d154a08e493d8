// Place and topic detectors (issue 7: 3a risk clusters, 3e one place on both platforms, 4b new topics)
// on small constructed cases stored through a real app: a positive and negatives per detector,
// fingerprint stability across runs and windows, and records without coordinates or text. Each
// detector's cases use their own days (all from testNow()), so they do not see each other's records.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestApp, post, ndjson, type TestApp } from './helpers/app'
import { record, testNow } from './helpers/fixtures'
import type { RecordInput } from '../model/record'
import { Finding } from '../model/finding'
import { queryRows } from '../analytics/clickhouse'
import {
  DETECTORS, DEFAULT_DETECTORS_CONFIG, detectRiskClusters, detectCrossPlatformPlaces, detectNewTopics,
  DEFAULT_RISK_CLUSTER, DEFAULT_CROSS_PLATFORM_PLACE, DEFAULT_NEW_TOPIC,
} from '../jobs/detectors'

const MIN = 60_000, HOUR = 3_600_000, DAY = 86_400_000
const T = testNow()
const dayStart = (offset: number) => Math.floor((T + 8 * HOUR) / DAY) * DAY - 8 * HOUR + offset * DAY
const iso = (ms: number) => new Date(ms + 8 * HOUR).toISOString().replace('Z', '+08:00')

let app: TestApp
beforeAll(async () => { app = await startTestApp() })
afterAll(async () => { await app?.stop() })

let phone = 0
/** A distinct caller per record unless a phone is given. */
function rec(id: string, atMs: number, over: Partial<RecordInput> = {}): RecordInput {
  return record({ source_id: id, received_at: iso(atMs), updated_at: iso(atMs + 30 * MIN), caller_phone: `1390000${String(++phone).padStart(4, '0')}`, ...over })
}
function inc110(id: string, atMs: number, over: Partial<RecordInput> = {}): RecordInput {
  return rec(id, atMs, { platform: '110', kind: 'public_safety', category_code: 'POL_PUBLIC_ORDER', ...over })
}
async function store(records: RecordInput[]) {
  const r = await post(app, 'records', ndjson(records))
  expect(r.body.rejected, JSON.stringify(r.body.results?.filter((x: any) => x.status !== 'accepted'))).toBe(0)
}
async function checkContract(fs: Finding[]) {
  for (const f of fs) {
    expect(() => Finding.parse(f)).not.toThrow()
    expect(f.samples.length).toBeGreaterThan(0)
    expect(f.series.length).toBeGreaterThan(0)
    expect(f.query).not.toMatch(/\{\w+:/)
    const listed = await queryRows<{ platform: string; source_id: string }>(app.db, f.query)
    const keys = new Set(listed.map((r) => `${r.platform}|${r.source_id}`))
    for (const s of f.samples) expect(keys.has(`${s.platform}|${s.source_id}`), `${f.fingerprint}: ${s.source_id}`).toBe(true)
  }
}
const fp = (fs: Finding[]) => fs.map((f) => f.fingerprint)
/** A point `dn` metres north and `de` metres east of (lat, lon). */
const offset = (lat: number, lon: number, dn: number, de: number) =>
  ({ lat: Math.round((lat + dn / 111_195) * 1e6) / 1e6, lon: Math.round((lon + de / (111_195 * Math.cos((lat * Math.PI) / 180))) * 1e6) / 1e6 })

describe('registry', () => {
  it('registers the three detectors with their defaults', () => {
    for (const n of ['risk_cluster', 'cross_platform_place', 'new_topic']) expect(DETECTORS.map((d) => d.name)).toContain(n)
    expect(DEFAULT_DETECTORS_CONFIG.risk_cluster).toMatchObject({ radiusM: 500, hours: 6, minRecords: 5, minCallers: 2 })
    expect(DEFAULT_DETECTORS_CONFIG.cross_platform_place).toMatchObject({ days: 3, radiusM: 300, min110: 2, minMass110: 1, min12345: 2, minCallers12345: 2, roadNeedsGeo: true })
    expect(DEFAULT_DETECTORS_CONFIG.new_topic).toMatchObject({ windowHours: 24, baselineDays: 14, minCount: 8, factor: 3, unseenAverage: 0.5, pMax: 1e-4, minCallersUnseen: 4 })
  })
})

describe('risk clusters (风险隐患聚集)', () => {
  // Day -30, the window is 14:00–15:00; each case in its own county and place.
  const B = dayStart(-30) + 14 * HOUR
  const w = { from: B, to: B + HOUR }
  // A square in 金水区, at the centre of its grid cell (cells are radiusM wide) so the centroid stays in it.
  const DEG = DEFAULT_RISK_CLUSTER.radiusM / ((Math.PI / 180) * 6_371_000)
  const cLat = (Math.floor(34.7563 / DEG) + 0.5) * DEG
  const cosC = Math.cos((cLat * Math.PI) / 180)
  const C = { lat: cLat, lon: ((Math.floor((113.664 * cosC) / DEG) + 0.5) * DEG) / cosC }
  beforeAll(async () => {
    const rs: RecordInput[] = []
    // Positive: 3 × 110 gatherings and 3 × 12345 dispute appeals within 200 m and 4 h, six callers.
    for (let i = 0; i < 3; i++)
      rs.push(inc110(`RC-P110-${i}`, B - 4 * HOUR + i * HOUR, { kind: 'mass_incident', category_code: 'POL_MASS_GATHERING', county_code: '410105',
        title: '紫荆山广场有人聚集拉横幅', content: '现场几十人聚集，情绪激动', ...offset(C.lat, C.lon, i * 60, -i * 50) }))
    for (let i = 0; i < 3; i++)
      rs.push(rec(`RC-P12345-${i}`, B - 3 * HOUR + i * HOUR + 10 * MIN, { kind: 'complaint', category_code: 'DSP_NEIGHBOR', county_code: '410105',
        title: '紫荆山广场附近两伙人吵架', content: '吵得很凶，怕出事', ...offset(C.lat, C.lon, -i * 70, i * 40) }))
    // The anchor in the window: one more 110 gathering.
    rs.push(inc110('RC-P110-W', B + 10 * MIN, { kind: 'mass_incident', category_code: 'POL_MASS_GATHERING', county_code: '410105', title: '紫荆山广场人员聚集', ...offset(C.lat, C.lon, 30, 30) }))
    // Negative: six fights spread over the city (3 km apart) in two hours.
    for (let i = 0; i < 6; i++)
      rs.push(inc110(`RC-SPREAD-${i}`, B - 90 * MIN + i * 20 * MIN, { category_code: 'POL_FIGHT', county_code: '410103', title: '有人打架', ...offset(34.70, 113.60, i * 3000, 0) }))
    // Negative: one caller, six times at one place.
    for (let i = 0; i < 6; i++)
      rs.push(inc110(`RC-ONE-${i}`, B - 140 * MIN + i * 30 * MIN, { category_code: 'POL_FIGHT', county_code: '410102', title: '楼下有人打架', caller_phone: '13911112222', ...offset(34.73, 113.62, i * 10, 0) }))
    // Negative: six disputes at one place, but four hours apart.
    for (let i = 0; i < 6; i++)
      rs.push(rec(`RC-SLOW-${i}`, B + 10 * MIN - (5 - i) * 4 * HOUR, { category_code: 'DSP_NEIGHBOR', county_code: '410104', title: '邻居吵架', ...offset(34.76, 113.70, i * 10, 0) }))
    // Negative: six street-light appeals at one place: not a risk type.
    for (let i = 0; i < 6; i++)
      rs.push(rec(`RC-LIGHT-${i}`, B - 15 * MIN + i * 5 * MIN, { category_code: 'PUB_STREETLIGHT', county_code: '410106', title: '路灯不亮', content: '路灯坏了', ...offset(34.77, 113.55, i * 10, 0) }))
    // No coordinates: five fights named only in the text (幸福家园) — clustered by town/county and entity
    // (a record with a town agrees with those that have none).
    const names = ['幸福家园小区门口两伙人打架', '幸福家园门口有人打架斗殴', '幸福家园小区有人打人', '幸福家园小区内发生斗殴', '幸福家园门口打架了']
    names.forEach((t, i) => rs.push(i % 2
      ? inc110(`RC-TXT-${i}`, B - 2 * HOUR + i * 25 * MIN, { category_code: 'POL_FIGHT', county_code: '410108', title: t, town_code: i === 1 ? '410108001' : null })
      : rec(`RC-TXT-${i}`, B - 2 * HOUR + i * 25 * MIN, { category_code: '', county_code: '410108', title: t, content: '' })))
    // No coordinates and no text: nothing to place them by.
    for (let i = 0; i < 6; i++)
      rs.push(inc110(`RC-BLANK-${i}`, B - 15 * MIN + i * 5 * MIN, { kind: 'mass_incident', category_code: '', county_code: '410122', title: '', content: '' }))
    // Odd text does not break segmentation.
    rs.push(rec('RC-LONG', B + 20 * MIN, { category_code: 'DSP_NEIGHBOR', county_code: '410181', title: 'Neighbours fighting!!! ' + 'x'.repeat(400), content: '纠纷'.repeat(9000) }))
    rs.push(rec('RC-EN', B + 25 * MIN, { category_code: 'DSP_NEIGHBOR', county_code: '410181', title: 'dispute at 12 Baker Street', content: '😀😀 \u200b' }))
    await store(rs)
  })

  it('raises a burst of 110 gatherings and 12345 disputes around one place', async () => {
    const fs = await detectRiskClusters(app.db, w, DEFAULT_RISK_CLUSTER)
    const f = fs.find((x) => x.county_code === '410105')
    expect(f, JSON.stringify(fs.map((x) => [x.fingerprint, x.title]))).toBeDefined()
    expect(f!.fingerprint).toMatch(/^risk_cluster\|burst\|cell:-?\d+,-?\d+\|gathering$/)
    expect(f!.counts).toMatchObject({ records: 7, matters: 7, platform_110: 4, platform_12345: 3, with_coords: 7 })
    expect(f!.counts.callers).toBe(7)
    expect(f!.title).toContain('金水区 紫荆山广场附近')
    expect(f!.title).toMatch(/小时内 7起聚集警情\/诉求聚集/)
    expect(f!.severity).toBe('high') // 4 of 7 from 110
    expect(new Set(f!.samples.map((s) => s.platform))).toEqual(new Set(['110', '12345']))
    await checkContract(fs)
  })

  it('does not raise records spread over the city, one caller, records hours apart, or other matters', async () => {
    const fs = await detectRiskClusters(app.db, w, DEFAULT_RISK_CLUSTER)
    for (const c of ['410103', '410102', '410104', '410106', '410122', '410181']) expect(fs.filter((f) => f.county_code === c), c).toEqual([])
    // the slow one is a cluster only with a day-long time span
    const wide = await detectRiskClusters(app.db, w, { ...DEFAULT_RISK_CLUSTER, hours: 24 })
    expect(wide.some((f) => f.county_code === '410104')).toBe(true)
  })

  it('clusters records without coordinates by the entity their text names', async () => {
    const fs = await detectRiskClusters(app.db, { from: B - HOUR, to: B }, DEFAULT_RISK_CLUSTER)
    const f = fs.find((x) => x.county_code === '410108')
    expect(f, JSON.stringify(fp(fs))).toBeDefined()
    expect(f!.fingerprint).toBe('risk_cluster|burst|ent:410108:幸福家园|fight')
    expect(f!.counts).toMatchObject({ records: 5, with_coords: 0 })
    expect(f!.title).toContain('幸福家园')
    await checkContract([f!])
  })

  it('keeps its fingerprint across runs and windows, and does not raise a window without new records', async () => {
    const a = await detectRiskClusters(app.db, w, DEFAULT_RISK_CLUSTER)
    const b = await detectRiskClusters(app.db, w, DEFAULT_RISK_CLUSTER)
    expect(b).toEqual(a)
    const day = await detectRiskClusters(app.db, { from: dayStart(-30), to: dayStart(-29) }, DEFAULT_RISK_CLUSTER)
    const fa = a.find((f) => f.county_code === '410105')!
    expect(fp(day)).toContain(fa.fingerprint)
    // one more record an hour later: the same item grows
    await store([inc110('RC-P110-LATE', B + HOUR + 15 * MIN, { kind: 'mass_incident', category_code: 'POL_MASS_GATHERING', county_code: '410105', title: '紫荆山广场聚集人数增多', ...offset(C.lat, C.lon, -20, 20) })])
    const next = await detectRiskClusters(app.db, { from: B + HOUR, to: B + 2 * HOUR }, DEFAULT_RISK_CLUSTER)
    const fn = next.find((f) => f.county_code === '410105')
    expect(fn?.fingerprint).toBe(fa.fingerprint)
    expect(fn!.counts.matters).toBe(8)
    // a window long after: nothing
    expect(await detectRiskClusters(app.db, { from: B + 10 * HOUR, to: B + 11 * HOUR }, DEFAULT_RISK_CLUSTER)).toEqual([])
  })

  it('a call spanning several days gives, in order, what one call per day gives (also when the read is cut at maxRecords)', async () => {
    const from = dayStart(-32) + 7 * HOUR // not at midnight: catch-up spans start where the last run ended
    const to = dayStart(-28) + 2 * HOUR
    // maxRecords 5: the four days' read (the positive case alone has 6 records) is cut, each day reads its own
    for (const cfg of [DEFAULT_RISK_CLUSTER, { ...DEFAULT_RISK_CLUSTER, maxRecords: 5 }]) {
      const span = await detectRiskClusters(app.db, { from, to }, cfg)
      const daily = []
      for (let t = from; t < to; t += DAY) daily.push(...await detectRiskClusters(app.db, { from: t, to: Math.min(t + DAY, to) }, cfg))
      if (cfg === DEFAULT_RISK_CLUSTER) expect(daily.length).toBeGreaterThan(0)
      expect(span).toEqual(daily)
    }
  })
})

describe('one place on both platforms (警情与诉求同地关联)', () => {
  const d = dayStart(-40)
  beforeAll(async () => {
    const rs: RecordInput[] = []
    // Entity: two 110 disputes at 阳光花园 (no coordinates), two 12345 complaints about it 1 and 2 days later.
    rs.push(inc110('XP-E-110', d + 10 * HOUR, { county_code: '410105', title: '阳光花园小区内两人因停车发生纠纷', content: '双方争吵' }))
    rs.push(inc110('XP-E-110B', d + DAY + 20 * HOUR, { county_code: '410105', title: '阳光花园小区有人因停车位吵架', content: '' }))
    rs.push(rec('XP-E-1', d + DAY + 9 * HOUR, { county_code: '410105', category_code: 'LIV_PROPERTY', title: '阳光花园小区停车位被占，物业不管' }))
    rs.push(rec('XP-E-2', d + 2 * DAY + 9 * HOUR, { county_code: '410105', category_code: 'LIV_PROPERTY', title: '阳光花园停车乱象严重', content: '业主之间经常因为停车吵架' }))
    // Negative: 翠竹苑 in a 110 dispute, and complaints ten days later.
    rs.push(inc110('XP-N-110', d + 10 * HOUR, { county_code: '410103', title: '翠竹苑业主与物业发生冲突' }))
    rs.push(rec('XP-N-1', d + 10 * DAY + 9 * HOUR, { county_code: '410103', category_code: 'LIV_PROPERTY', title: '翠竹苑小区物业乱收费' }))
    rs.push(rec('XP-N-2', d + 10 * DAY + 10 * HOUR, { county_code: '410103', category_code: 'LIV_PROPERTY', title: '翠竹苑小区物业乱收费' }))
    // Coordinates: a fight with no name in the text, and two noise complaints 200 m and 250 m away.
    const P = { lat: 34.7250, lon: 113.6100 }
    rs.push(inc110('XP-G-110', d + 22 * HOUR, { county_code: '410102', category_code: 'POL_FIGHT', title: '有人打架', content: '', ...P }))
    rs.push(inc110('XP-G-110B', d + DAY + 22 * HOUR, { county_code: '410102', category_code: 'POL_FIGHT', title: '又有人打架', content: '', ...P }))
    rs.push(rec('XP-G-1', d + DAY + 23 * HOUR, { county_code: '410102', category_code: 'ENV_STREET_VENDOR', title: '路边摊半夜吵闹', content: '', ...offset(P.lat, P.lon, 200, 0) }))
    rs.push(rec('XP-G-2', d + 2 * DAY + 8 * HOUR, { county_code: '410102', category_code: 'ENV_STREET_VENDOR', title: '夜市摊贩占道', content: '', ...offset(P.lat, P.lon, 0, 250) }))
    // …and one 3 km away: not the same place.
    rs.push(rec('XP-G-FAR', d + 2 * DAY + 8 * HOUR, { county_code: '410102', category_code: 'ENV_STREET_VENDOR', title: '夜市摊贩占道', content: '', ...offset(P.lat, P.lon, 3000, 0) }))
    // A matter handed over is one matter: a 12345 dispute transferred to 110 and the 110 counterpart.
    rs.push(rec('XP-T-G', d + 2 * DAY + 11 * HOUR, { county_code: '410106', status: 'transferred_out', title: '绿城广场有人打架' }))
    rs.push(inc110('XP-T-J', d + 2 * DAY + 11 * HOUR + 2 * MIN, { county_code: '410106', category_code: 'POL_FIGHT', title: '绿城广场有人打架' }))
    rs.push(rec('XP-T-G2', d + 2 * DAY + 12 * HOUR, { county_code: '410106', category_code: 'DSP_NEIGHBOR', title: '绿城广场有人打架斗殴' }))
    // The old false positives — "1 起 110 + 3 件 12345": one dispute at 金水花园 and three complaints.
    rs.push(inc110('XP-1-110', d + 2 * DAY + 9 * HOUR, { county_code: '410184', title: '金水花园小区邻居因噪音发生纠纷' }))
    for (let i = 0; i < 3; i++) rs.push(rec(`XP-1-${i}`, d + 2 * DAY + (10 + i) * HOUR, { county_code: '410184', category_code: 'DSP_NEIGHBOR', title: '金水花园小区楼上噪音扰民' }))
    // Two disputes at 碧云小区, two complaints about its street lights: not the same matter.
    rs.push(inc110('XP-U-110', d + 2 * DAY + 9 * HOUR, { county_code: '410108', category_code: 'POL_FIGHT', title: '碧云小区门口有人打架' }))
    rs.push(inc110('XP-U-110B', d + 2 * DAY + 13 * HOUR, { county_code: '410108', category_code: 'POL_FIGHT', title: '碧云小区两人打架' }))
    for (let i = 0; i < 2; i++) rs.push(rec(`XP-U-${i}`, d + 2 * DAY + (10 + i) * HOUR, { county_code: '410108', category_code: 'PUB_STREETLIGHT', title: '碧云小区路灯不亮' }))
    // Two disputes at 丽景小区, two complaints about it from one caller.
    rs.push(inc110('XP-C-110', d + 2 * DAY + 9 * HOUR, { county_code: '410122', category_code: 'POL_FIGHT', title: '丽景小区有人打架' }))
    rs.push(inc110('XP-C-110B', d + 2 * DAY + 13 * HOUR, { county_code: '410122', category_code: 'POL_FIGHT', title: '丽景小区邻居打架' }))
    for (let i = 0; i < 2; i++) rs.push(rec(`XP-C-${i}`, d + 2 * DAY + (10 + i) * HOUR, { county_code: '410122', category_code: 'DSP_NEIGHBOR', title: '丽景小区邻里纠纷', caller_phone: '13955556666' }))
    // A road names the address, not the subject: 长江路 disputes and complaints without coordinates…
    rs.push(inc110('XP-R-110', d + 2 * DAY + 9 * HOUR, { county_code: '410181', category_code: 'POL_FIGHT', title: '长江路有人打架' }))
    rs.push(inc110('XP-R-110B', d + 2 * DAY + 13 * HOUR, { county_code: '410181', category_code: 'POL_FIGHT', title: '长江路两人发生纠纷打架' }))
    for (let i = 0; i < 2; i++) rs.push(rec(`XP-R-${i}`, d + 2 * DAY + (10 + i) * HOUR, { county_code: '410181', category_code: 'DSP_NEIGHBOR', title: '长江路邻里纠纷' }))
    // …and 黄河路 with coordinates that agree (within 100 m): linked.
    const Q = { lat: 34.80, lon: 113.70 }
    rs.push(inc110('XP-RG-110', d + 2 * DAY + 9 * HOUR, { county_code: '410183', category_code: 'POL_FIGHT', title: '黄河路有人打架', ...Q }))
    rs.push(inc110('XP-RG-110B', d + 2 * DAY + 13 * HOUR, { county_code: '410183', category_code: 'POL_FIGHT', title: '黄河路两人发生纠纷打架', ...offset(Q.lat, Q.lon, 50, 0) }))
    for (let i = 0; i < 2; i++) rs.push(rec(`XP-RG-${i}`, d + 2 * DAY + (10 + i) * HOUR, { county_code: '410183', category_code: 'DSP_NEIGHBOR', title: '黄河路邻里纠纷', ...offset(Q.lat, Q.lon, 0, 60 + i * 20) }))
    await store(rs)
  })

  it('links a 110 dispute and 12345 complaints about one entity within days', async () => {
    const fs = await detectCrossPlatformPlaces(app.db, { from: d + 2 * DAY, to: d + 3 * DAY }, DEFAULT_CROSS_PLATFORM_PLACE)
    const f = fs.find((x) => x.fingerprint === 'cross_platform_place|ent:阳光花园@410105')
    expect(f, JSON.stringify(fs.map((x) => [x.fingerprint, x.title]))).toBeDefined()
    expect(f!.counts).toMatchObject({ incidents_110: 2, complaints_12345: 2, by_entity: 1 })
    expect(f!.samples).toContainEqual({ platform: '110', source_id: 'XP-E-110' })
    expect(f!.samples).toContainEqual({ platform: '12345', source_id: 'XP-E-2' })
    expect(f!.title).toContain('阳光花园')
    expect(f!.category_code).toBe('LIV_PROPERTY')
    await checkContract(fs)
  })

  it('links by coordinates within the radius, and not beyond it', async () => {
    const fs = await detectCrossPlatformPlaces(app.db, { from: d + 2 * DAY, to: d + 3 * DAY }, DEFAULT_CROSS_PLATFORM_PLACE)
    const g = fs.find((x) => x.county_code === '410102')
    expect(g?.fingerprint, JSON.stringify(fp(fs))).toMatch(/^cross_platform_place\|cell:-?\d+,-?\d+$/)
    expect(g!.counts).toMatchObject({ incidents_110: 2, complaints_12345: 2 })
    expect(g!.samples.map((s) => s.source_id)).not.toContain('XP-G-FAR')
  })

  it('needs two disputes (or a gathering), two callers, the same matter, and coordinates for a road', async () => {
    const fs = await detectCrossPlatformPlaces(app.db, { from: d + 2 * DAY, to: d + 3 * DAY }, DEFAULT_CROSS_PLATFORM_PLACE)
    // one incident and three complaints: no longer raised, though it was with min110 1
    expect(fs.filter((f) => f.county_code === '410184'), JSON.stringify(fp(fs))).toEqual([])
    const one = await detectCrossPlatformPlaces(app.db, { from: d + 2 * DAY, to: d + 3 * DAY }, { ...DEFAULT_CROSS_PLATFORM_PLACE, min110: 1 })
    expect(fp(one)).toContain('cross_platform_place|ent:金水花园@410184')
    // fights vs street lights: unrelated matters
    expect(fs.filter((f) => f.county_code === '410108')).toEqual([])
    const anyMatter = await detectCrossPlatformPlaces(app.db, { from: d + 2 * DAY, to: d + 3 * DAY }, { ...DEFAULT_CROSS_PLATFORM_PLACE, relatedCategories: { all: ['POL_FIGHT', 'PUB_STREETLIGHT'] } })
    expect(fp(anyMatter)).toContain('cross_platform_place|ent:碧云@410108')
    // one caller twice
    expect(fs.filter((f) => f.county_code === '410122')).toEqual([])
    const oneCaller = await detectCrossPlatformPlaces(app.db, { from: d + 2 * DAY, to: d + 3 * DAY }, { ...DEFAULT_CROSS_PLATFORM_PLACE, minCallers12345: 1 })
    expect(oneCaller.filter((f) => f.county_code === '410122')).toHaveLength(1)
    // a road without coordinates: not linked; with coordinates that agree: linked
    expect(fs.filter((f) => f.county_code === '410181')).toEqual([])
    const road = await detectCrossPlatformPlaces(app.db, { from: d + 2 * DAY, to: d + 3 * DAY }, { ...DEFAULT_CROSS_PLATFORM_PLACE, roadNeedsGeo: false })
    expect(road.filter((f) => f.county_code === '410181')).toHaveLength(1)
    const rg = fs.filter((f) => f.county_code === '410183')
    expect(rg, JSON.stringify(fp(fs))).toHaveLength(1)
    expect(rg[0].counts).toMatchObject({ incidents_110: 2, complaints_12345: 2 })
  })

  it('does not link records ten days apart, nor a matter with its own hand-over', async () => {
    const late = await detectCrossPlatformPlaces(app.db, { from: d + 10 * DAY, to: d + 11 * DAY }, DEFAULT_CROSS_PLATFORM_PLACE)
    expect(late.filter((f) => f.fingerprint.includes('翠竹苑'))).toEqual([])
    const all = await detectCrossPlatformPlaces(app.db, { from: d, to: d + 11 * DAY }, DEFAULT_CROSS_PLATFORM_PLACE)
    expect(all.filter((f) => f.fingerprint.includes('翠竹苑'))).toEqual([])
    // 绿城广场: the transferred appeal is left out, one complaint remains (min12345 is 2)
    expect(all.filter((f) => f.county_code === '410106')).toEqual([])
    const one = await detectCrossPlatformPlaces(app.db, { from: d, to: d + 11 * DAY }, { ...DEFAULT_CROSS_PLATFORM_PLACE, min110: 1, min12345: 1, minCallers12345: 1 })
    const lc = one.find((f) => f.county_code === '410106')
    expect(lc?.counts.complaints_12345).toBe(1)
    expect(lc!.samples.map((s) => s.source_id)).not.toContain('XP-T-G')
  })

  it('a call spanning several days gives, in order, what one call per day gives (also when the read is cut at maxRecords)', async () => {
    const from = d + 5 * HOUR // not at midnight: catch-up spans start where the last run ended
    const to = d + 11 * DAY + 2 * HOUR
    // maxRecords 3: the span's read is cut, each day reads its own; 5: each day's read is cut at 5
    for (const cfg of [DEFAULT_CROSS_PLATFORM_PLACE, { ...DEFAULT_CROSS_PLATFORM_PLACE, min110: 1, min12345: 1, minCallers12345: 1 }, { ...DEFAULT_CROSS_PLATFORM_PLACE, maxRecords: 3 }, { ...DEFAULT_CROSS_PLATFORM_PLACE, maxRecords: 5 },
      { ...DEFAULT_CROSS_PLATFORM_PLACE, maxRecords: 7, min110: 1, min12345: 1, minCallers12345: 1 }]) {
      const span = await detectCrossPlatformPlaces(app.db, { from, to }, cfg)
      const daily = []
      for (let t = from; t < to; t += DAY) daily.push(...await detectCrossPlatformPlaces(app.db, { from: t, to: Math.min(t + DAY, to) }, cfg))
      if (cfg === DEFAULT_CROSS_PLATFORM_PLACE) expect(daily.length).toBeGreaterThanOrEqual(3)
      expect(span).toEqual(daily)
    }
  })

  it('keeps its fingerprint across runs and windows', async () => {
    const a = await detectCrossPlatformPlaces(app.db, { from: d + 2 * DAY, to: d + 3 * DAY }, DEFAULT_CROSS_PLATFORM_PLACE)
    expect(await detectCrossPlatformPlaces(app.db, { from: d + 2 * DAY, to: d + 3 * DAY }, DEFAULT_CROSS_PLATFORM_PLACE)).toEqual(a)
    const early = await detectCrossPlatformPlaces(app.db, { from: d + DAY, to: d + 2 * DAY }, { ...DEFAULT_CROSS_PLATFORM_PLACE, min12345: 1, minCallers12345: 1 })
    expect(fp(early)).toContain('cross_platform_place|ent:阳光花园@410105')
    const hour = await detectCrossPlatformPlaces(app.db, { from: d + 2 * DAY + 9 * HOUR, to: d + 2 * DAY + 10 * HOUR }, DEFAULT_CROSS_PLATFORM_PLACE)
    expect(fp(hour)).toContain('cross_platform_place|ent:阳光花园@410105')
    // a window with none of its records: not raised again
    const quiet = await detectCrossPlatformPlaces(app.db, { from: d + 5 * DAY, to: d + 6 * DAY }, DEFAULT_CROSS_PLATFORM_PLACE)
    expect(fp(quiet)).not.toContain('cross_platform_place|ent:阳光花园@410105')
  })
})

describe('new topics (新兴话题)', () => {
  const w = { from: dayStart(-1), to: dayStart(0) }
  beforeAll(async () => {
    const rs: RecordInput[] = []
    // Always frequent: 6 a day for 16 days about 金色港湾's lift.
    for (let day = -16; day <= -1; day++)
      for (let i = 0; i < 6; i++)
        rs.push(rec(`NT-BG-${-day}-${i}`, dayStart(day) + 9 * HOUR + i * 30 * MIN, { county_code: '410103', category_code: 'LIV_PROPERTY', title: i % 2 ? '金色港湾电梯又坏了' : '金色港湾小区电梯故障' }))
    // New: 锦绣华庭 without water, nine callers in the last day (never before).
    const texts = ['锦绣华庭小区停水', '锦绣华庭停水两天了', '锦绣华庭小区突然停水', '锦绣华庭小区停水没人管', '锦绣华庭停水', '锦绣华庭小区又停水了',
      '锦绣华庭停水一整天', '锦绣华庭小区停水了', '锦绣华庭还是停水']
    texts.forEach((t, i) => rs.push(rec(`NT-NEW-${i}`, dayStart(-1) + 8 * HOUR + i * 75 * MIN, { county_code: '410105', category_code: 'LIV_WATER', title: t })))
    // A small-count fluctuation: about 2 a day for 14 days, 8 in the last day (P(X ≥ 8 | 2) ≈ 1e-3).
    for (let day = -15; day <= -2; day++)
      for (let i = 0; i < 2; i++) rs.push(rec(`NT-FL-${-day}-${i}`, dayStart(day) + 9 * HOUR + i * HOUR, { county_code: '410185', category_code: 'HLP_LEGAL_AID', title: '', content: '' }))
    for (let i = 0; i < 8; i++) rs.push(rec(`NT-FL-0-${i}`, dayStart(-1) + 9 * HOUR + i * HOUR, { county_code: '410185', category_code: 'HLP_LEGAL_AID', title: '', content: '' }))
    // Never seen, 9 records but from three callers only.
    for (let i = 0; i < 9; i++) rs.push(rec(`NT-3C-${i}`, dayStart(-1) + 9 * HOUR + i * HOUR, { county_code: '410108', category_code: 'LIV_HOUSING', title: '', content: '', caller_phone: `1396666000${i % 3}` }))
    // Too few: seven about 碧水蓝天's gas (a 5-record topic was raised before: minCount is now 8).
    for (let i = 0; i < 7; i++) rs.push(rec(`NT-FEW-${i}`, dayStart(-1) + 10 * HOUR + i * HOUR, { county_code: '410104', category_code: 'LIV_GAS_LEAK', title: '碧水蓝天小区燃气味道很重' }))
    // One caller six times about 东方家园's heating.
    for (let i = 0; i < 6; i++) rs.push(rec(`NT-ONE-${i}`, dayStart(-1) + 9 * HOUR + i * HOUR, { county_code: '410102', category_code: 'LIV_HEATING', title: '东方家园小区暖气不热', caller_phone: '13977778888' }))
    // Volume that swings from day to day (0 and 8 on alternate days, mean 4) and 16 in the last day: an
    // ordinary busy day for it (P ≈ 1e-5 under Poisson, ≈ 0.07 with its dispersion); the same 16 against
    // a steady 4 a day is new.
    for (let day = -15; day <= -2; day++) {
      for (let i = 0; i < (day % 2 ? 8 : 0); i++) rs.push(rec(`NT-SW-${-day}-${i}`, dayStart(day) + 9 * HOUR + i * HOUR, { county_code: '410102', category_code: 'MKT_ILLEGAL_TAXI', title: '', content: '' }))
      for (let i = 0; i < 4; i++) rs.push(rec(`NT-ST-${-day}-${i}`, dayStart(day) + 9 * HOUR + i * HOUR, { county_code: '410102', category_code: 'CSM_TAXI', title: '', content: '' }))
    }
    for (let i = 0; i < 16; i++) {
      rs.push(rec(`NT-SW-0-${i}`, dayStart(-1) + 6 * HOUR + i * HOUR, { county_code: '410102', category_code: 'MKT_ILLEGAL_TAXI', title: '', content: '' }))
      rs.push(rec(`NT-ST-0-${i}`, dayStart(-1) + 6 * HOUR + i * HOUR, { county_code: '410102', category_code: 'CSM_TAXI', title: '', content: '' }))
    }
    // No text at all, a category never seen: a new topic by category alone.
    for (let i = 0; i < 9; i++) rs.push(rec(`NT-CAT-${i}`, dayStart(-1) + 7 * HOUR + i * HOUR, { county_code: '410106', category_code: 'GRN_PRUNING', title: '', content: '' }))
    await store(rs)
  })

  it('raises a topic never seen before, once (not also as its problem and category)', async () => {
    const fs = await detectNewTopics(app.db, w, DEFAULT_NEW_TOPIC)
    const f = fs.find((x) => x.fingerprint === 'new_topic|e:锦绣华庭|water_outage')
    expect(f, JSON.stringify(fs.map((x) => [x.fingerprint, x.title]))).toBeDefined()
    expect(f!.counts).toMatchObject({ records: 9, callers: 9, baseline_records: 0 })
    expect(f!.title).toContain('锦绣华庭')
    expect(f!.title).toContain('停水')
    expect(f!.county_code).toBe('410105')
    expect(fp(fs)).not.toContain('new_topic|p:water_outage')
    expect(fp(fs)).not.toContain('new_topic|c:LIV_WATER')
    await checkContract(fs)
  })

  it('raises a category topic from records without text', async () => {
    const fs = await detectNewTopics(app.db, w, DEFAULT_NEW_TOPIC)
    const f = fs.find((x) => x.fingerprint === 'new_topic|c:GRN_PRUNING')
    expect(f, JSON.stringify(fp(fs))).toBeDefined()
    expect(f!.counts.records).toBe(9)
  })

  it('tests a topic whose daily volume swings on its dispersion', async () => {
    const fs = await detectNewTopics(app.db, w, DEFAULT_NEW_TOPIC)
    expect(fp(fs)).toContain('new_topic|c:CSM_TAXI')
    expect(fp(fs)).not.toContain('new_topic|c:MKT_ILLEGAL_TAXI')
  })

  it('does not raise a small-count fluctuation, nor a never-seen topic from three callers', async () => {
    const fs = await detectNewTopics(app.db, w, DEFAULT_NEW_TOPIC)
    expect(fp(fs)).not.toContain('new_topic|c:HLP_LEGAL_AID')
    expect(fp(fs)).not.toContain('new_topic|c:LIV_HOUSING')
    // the old rule (5 records, 3× the daily average) raised the fluctuation
    const old = await detectNewTopics(app.db, w, { ...DEFAULT_NEW_TOPIC, minCount: 5, pMax: 1, minCallersUnseen: 2 })
    expect(fp(old)).toContain('new_topic|c:HLP_LEGAL_AID')
    expect(fp(old)).toContain('new_topic|c:LIV_HOUSING')
  })

  it('does not raise an always frequent topic, too few records, or one caller', async () => {
    const fs = await detectNewTopics(app.db, w, DEFAULT_NEW_TOPIC)
    expect(fs.filter((f) => /金色港湾|碧水蓝天|东方家园|elevator|LIV_PROPERTY|LIV_GAS|LIV_HEATING/.test(f.fingerprint)), JSON.stringify(fp(fs))).toEqual([])
    // without enough past nothing is judged
    expect(await detectNewTopics(app.db, w, { ...DEFAULT_NEW_TOPIC, minBaselineDays: 20 })).toEqual([])
  })

  it('keeps its fingerprint across runs and windows', async () => {
    const a = await detectNewTopics(app.db, w, DEFAULT_NEW_TOPIC)
    expect(await detectNewTopics(app.db, w, DEFAULT_NEW_TOPIC)).toEqual(a)
    // the hour of the last record, judging the 24 h up to it
    const hour = await detectNewTopics(app.db, { from: dayStart(-1) + 18 * HOUR, to: dayStart(-1) + 19 * HOUR }, DEFAULT_NEW_TOPIC)
    expect(fp(hour)).toContain('new_topic|e:锦绣华庭|water_outage')
    // an hour without any of its records: not raised again
    const quiet = await detectNewTopics(app.db, { from: dayStart(-1) + 20 * HOUR, to: dayStart(-1) + 21 * HOUR }, DEFAULT_NEW_TOPIC)
    expect(fp(quiet)).not.toContain('new_topic|e:锦绣华庭|water_outage')
  })

  it('a call spanning several days gives, in order, what one call per day gives (catch-up runs span up to maxSpanMs)', async () => {
    // (the last two: a day's read cut at maxRecords, within and beyond what the call's one read holds)
    for (const cfg of [DEFAULT_NEW_TOPIC, { ...DEFAULT_NEW_TOPIC, minCount: 5, pMax: 1, minCallersUnseen: 2, minBaselineDays: 3 },
      { ...DEFAULT_NEW_TOPIC, minCount: 5, pMax: 1, minCallersUnseen: 2, minBaselineDays: 3, maxRecords: 6 },
      { ...DEFAULT_NEW_TOPIC, minCount: 3, pMax: 1, minCallersUnseen: 1, minCallers: 1, minBaselineDays: 3, maxRecords: 3 }]) {
      const from = dayStart(-4) + 7 * HOUR // not at midnight: catch-up spans start where the last run ended
      const to = dayStart(0) + 2 * HOUR
      const span = await detectNewTopics(app.db, { from, to }, cfg)
      const daily: Finding[] = []
      for (let t = from; t < to; t += DAY) daily.push(...await detectNewTopics(app.db, { from: t, to: Math.min(t + DAY, to) }, cfg))
      expect(daily.length, JSON.stringify(cfg)).toBeGreaterThan(0)
      expect(span).toEqual(daily)
    }
  })
})
