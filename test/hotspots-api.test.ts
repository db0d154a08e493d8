// GET /api/hotspots on a real app: appeals and 110 incidents ingested through the API, the ranked
// answer, region scope for a county leader, and nothing personal (text, caller keys, phones) in it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestApp, post, getJson, ndjson, type TestApp } from './helpers/app'
import { record, at, shanghaiDate } from './helpers/fixtures'
import type { RecordInput } from '../model/record'

const D = (offset: number) => shanghaiDate(offset)
let n = 0
const phone = () => `1391234${String(1000 + ++n).slice(-4)}`

function appeal(id: string, day: number, hhmm: string, county: string, title: string, content: string, over: Partial<RecordInput> = {}): RecordInput {
  return record({ source_id: id, received_at: at(`${D(day)}T${hhmm}`), county_code: county, title, content, caller_phone: phone(), ...over })
}

// Contents carry phrases that must never leave the server (they are checked against the JSON below).
const records: RecordInput[] = [
  // A: 翠湖新城, construction noise at night, county 410105 (five people, name variants), plus a 110 dispute there
  appeal('HA-1', -6, '22:10', '410105', '翠湖新城小区旁工地夜间施工噪音扰民', '翠湖新城小区旁边的工地每天晚上十一点以后还在施工，老人孩子都睡不着。'),
  appeal('HA-2', -4, '23:40', '410105', '投诉翠湖新城二期半夜打桩', '翠湖新城二期东侧工地半夜两点还在打桩，吵得整栋楼无法休息。'),
  appeal('HA-3', -3, '07:15', '410105', '金水区翠湖新城旁边的工地凌晨施工', '我家住金水区翠湖新城，旁边的工地凌晨还在施工，机器轰鸣。'),
  appeal('HA-4', -2, '21:30', '410105', '关于翠湖新城夜间施工的问题', '翠湖新城附近的建筑工地连续一周通宵施工，渣土车来回跑，噪声很大。'),
  appeal('HA-5', -1, '22:45', '410105', '翠湖新城工地晚上施工太吵', '翠湖新城的工地晚上施工太吵了，已经反映多次，至今没有改善。'),
  record({ source_id: 'JA-1', platform: '110', kind: 'non_police', received_at: at(`${D(-2)}T23:50`), county_code: '410105', caller_phone: phone(),
    title: '翠湖新城工地纠纷', content: '翠湖新城小区居民与工地施工人员因夜间施工发生争执，双方情绪激动。' }),
  // B: 枫林家园, water outage, county 410102 (four people)
  appeal('HB-1', -6, '08:00', '410102', '枫林家园小区频繁停水', '枫林家园小区这个月已经停水五次了，每次都没有提前通知。'),
  appeal('HB-2', -5, '09:20', '410102', '二七区枫林家园停水无通知', '枫林家园三期今天又停水了，没有任何通知，做饭洗漱都成问题。'),
  appeal('HB-3', -5, '19:05', '410102', '枫林家园三期没水了', '住在枫林家园三期，从昨天晚上开始就没水，物业说是管道问题。'),
  appeal('HB-4', -3, '10:30', '410102', '枫林家园经常断水什么时候能解决', '枫林家园经常断水，水压也低，高层住户根本用不上水。'),
  // C: 宏远建筑劳务公司, wage arrears, county 410105 (three people)
  appeal('HC-1', -5, '11:00', '410105', '宏远建筑劳务有限公司拖欠农民工工资', '我们在宏远建筑劳务有限公司干了半年活，工资至今没有发。'),
  appeal('HC-2', -4, '15:00', '410105', '讨要工钱：宏远建筑劳务公司欠薪', '宏远建筑劳务公司欠我们二十多个工人的工钱，春节前都没结。'),
  appeal('HC-3', -2, '16:00', '410105', '郑州宏远建筑劳务有限公司不发工资', '郑州宏远建筑劳务有限公司拖欠我三个月工资，打电话也不接。'),
  // confidential appeals (保密件): their text is for admins only, so they never make a hot issue
  ...[1, 2, 3].map((i) => appeal(`HS-${i}`, -3, `1${i}:00`, '410105', '静园小区油烟扰民', `静园小区楼下餐馆油烟熏人，第${i}次反映。`, { confidential: true })),
  // noise: single appeals about other places and problems
  appeal('HN-1', -4, '09:00', '410105', '阳光里小区路灯不亮', '阳光里小区门口的路灯坏了很久，晚上出行不安全。'),
  appeal('HN-2', -3, '09:00', '410102', '咨询社保转移', '请问外地社保怎么转到本市？需要什么材料？'),
  appeal('HN-3', -2, '09:00', '410105', 'Noise complaint', 'The construction site next to my building works all night.'),
  appeal('HN-4', -1, '09:00', '410102', '', ''),
  // outside the window
  appeal('HO-1', -20, '09:00', '410102', '枫林家园停水', '枫林家园又停水。'),
]

let app: TestApp
const A = 'hot_issue|翠湖新城|construction_noise'
const B = 'hot_issue|枫林家园|water_outage'
const C = 'hot_issue|宏远建筑劳务公司|wage_arrears'
const WINDOW = `from=${D(-7)}&to=${D(0)}`

beforeAll(async () => {
  app = await startTestApp({ METRICS_CACHE_MS: '0' })
  const res = await post(app, 'records', ndjson(records))
  expect(res.status).toBe(200)
  expect(res.body.rejected).toBe(0)
}, 60_000)
afterAll(async () => { await app?.stop() })

describe('GET /api/hotspots', () => {
  it('ranks the hot issues of the window by heat', async () => {
    const { status, body } = await getJson(app, `/api/hotspots?${WINDOW}&limit=10`)
    expect(status).toBe(200)
    expect(body.window.tz).toBe('Asia/Shanghai')
    expect(typeof body.heat_formula).toBe('string')
    const titles = body.hotspots.map((h: any) => h.title)
    expect(body.hotspots.map((h: any) => h.fingerprint)).toEqual([A, B, C])
    // the entity as most appeals write it, then the problem
    expect(titles).toEqual(['翠湖新城 夜间施工噪音扰民', '枫林家园 停水', '宏远建筑劳务有限公司 拖欠工资'])
    for (let i = 1; i < body.hotspots.length; i++) expect(body.hotspots[i - 1].heat).toBeGreaterThanOrEqual(body.hotspots[i].heat)
    const a = body.hotspots[0]
    expect(a).toMatchObject({ rank: 1, county_code: '410105', problem_key: 'construction_noise', counts: { records: 5, callers: 5, platform_110: 1 } })
    expect(a.fingerprint).toBe('hot_issue|翠湖新城|construction_noise')
    expect(a.samples).toContainEqual({ platform: '110', source_id: 'JA-1' })
    expect(a.samples.length).toBeLessThanOrEqual(10)
    expect(body.hotspots[1]).toMatchObject({ county_code: '410102', counts: { records: 4 } })
    // the record outside the window is not counted
    expect(body.hotspots[1].samples.map((s: any) => s.source_id)).not.toContain('HO-1')
    // limit
    const one = await getJson(app, `/api/hotspots?${WINDOW}&limit=1`)
    expect(one.body.hotspots.map((h: any) => h.title)).toEqual([titles[0]])
  })

  it('shows a county leader the hot issues of its county only', async () => {
    const { token } = await app.tokens.create({ role: 'leader', regions: ['410105'] })
    const res = await fetch(`${app.url}/api/hotspots?${WINDOW}`, { headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(200)
    const body = (await res.json()) as any
    expect(body.hotspots.map((h: any) => h.fingerprint)).toEqual([A, C])
    expect(body.hotspots.every((h: any) => h.county_code === '410105')).toBe(true)
    const other = await app.tokens.create({ role: 'leader', regions: ['410102'] })
    const res2 = await fetch(`${app.url}/api/hotspots?${WINDOW}`, { headers: { authorization: `Bearer ${other.token}` } })
    expect(((await res2.json()) as any).hotspots.map((h: any) => h.fingerprint)).toEqual([B])
  })

  it('answers with no appeal text, caller keys or phone numbers', async () => {
    const raw = await (await fetch(`${app.url}/api/hotspots?${WINDOW}&limit=100`)).text()
    // Titles are derived labels (entity + problem): a stretch of text that is part of one is a name, not text.
    const labels = (JSON.parse(raw).hotspots as any[]).map((h) => `${h.title}|${h.fingerprint}`).join('|')
    for (const r of records) {
      if (r.caller_phone) {
        expect(raw).not.toContain(r.caller_phone)
        expect(raw).not.toContain(`${r.caller_phone.slice(0, 3)}****${r.caller_phone.slice(-4)}`) // masked form
      }
      // any 8-character stretch of a body is text, not a label
      const body = (r.content ?? '').replace(/\s/g, '')
      for (let i = 0; i + 8 <= body.length; i += 4) if (!labels.includes(body.slice(i, i + 8))) expect(raw).not.toContain(body.slice(i, i + 8))
    }
    expect(raw).not.toMatch(/[0-9a-f]{32}/) // hashed caller keys
    expect(raw).not.toContain('caller_key')
    expect(raw).not.toContain('caller_phone')
    expect(raw).not.toContain('静园') // confidential appeals make no hot issue
  })

  it('refuses bad parameters', async () => {
    expect((await getJson(app, `/api/hotspots?limit=0`)).status).toBe(400)
    expect((await getJson(app, `/api/hotspots?limit=abc`)).status).toBe(400)
    expect((await getJson(app, `/api/hotspots?from=2026-13-01`)).status).toBe(400)
    expect((await getJson(app, `/api/hotspots?from=${D(-1)}&to=${D(-3)}`)).status).toBe(400)
  })
})
