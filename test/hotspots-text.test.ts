// Hot issues from text (analytics/hotspots): the pure function, on constructed appeals written with
// varied wording and name variants, plus noise. No database.
import { describe, it, expect } from 'vitest'
import { findHotIssues, hotIssueToFinding, type HotRecord } from '../analytics/hotspots/hot-issues'
import { entityKey, extractEntities } from '../analytics/hotspots/entities'
import { detectProblem } from '../analytics/hotspots/problems'
import { tag, cleanText, MAX_SEGMENT_CHARS } from '../analytics/hotspots/segment'
import { heatIndex } from '../analytics/hotspots/heat'
import { Finding } from '../model/finding'
import { testNow } from './helpers/fixtures'

const HOUR = 3600_000
const DAY = 24 * HOUR
const NOW = testNow()
const FROM = NOW - 14 * DAY

let seq = 0
/** One appeal; `day` counts from the window start, the caller is a made-up hashed key. */
function appeal(title: string, content: string, day: number, caller: string, over: Partial<HotRecord> = {}): HotRecord {
  seq++
  return {
    platform: '12345', source_id: `T-${String(seq).padStart(4, '0')}`, received_at: FROM + day * DAY + (seq % 11) * HOUR,
    title, content, county_code: '410105', caller_key: `caller-${caller}`, category_code: '', ...over,
  }
}

/** Five hot issues, each told by several people in their own words and with the name written differently. */
function planted(): { records: HotRecord[]; truth: { entity: string; problem: string }[] } {
  const r: HotRecord[] = [
    // 1. 翠湖新城: construction noise at night (新城 / 新城小区 / 新城二期 / 新城旁边的工地 / district prefix)
    appeal('翠湖新城小区旁工地夜间施工噪音扰民', '  翠湖新城小区旁边的工地每天晚上十一点以后还在施工，噪音太大，老人孩子都睡不着。', 8, 'a1'),
    appeal('投诉翠湖新城二期半夜打桩', '翠湖新城二期东侧工地半夜两点还在打桩，吵得整栋楼无法休息，请有关部门查处。', 9, 'a2'),
    appeal('金水区翠湖新城旁边的工地凌晨施工', '我家住金水区翠湖新城，旁边的工地凌晨还在施工，机器轰鸣，严重扰民。', 10, 'a3'),
    appeal('关于翠湖新城夜间施工的问题', '翠湖新城附近的建筑工地连续一周通宵施工，渣土车来回跑，噪声很大，希望尽快处理。', 11, 'a4'),
    appeal('翠湖新城工地晚上施工太吵', '翠湖新城的工地晚上施工太吵了，已经反映多次，至今没有改善。', 12, 'a5'),
    appeal('翠湖新城工地晚上施工太吵', '翠湖新城的工地晚上施工太吵了，已经反映多次，至今没有改善！！', 12.2, 'a5'), // the same caller re-posting
    // 2. 宏远建筑劳务公司: wage arrears (有限公司 / 公司 / city prefix)
    appeal('宏远建筑劳务有限公司拖欠农民工工资', '我们在宏远建筑劳务有限公司干了半年活，工资至今没有发，老板一直拖着不给。', 3, 'b1'),
    appeal('讨要工钱：宏远建筑劳务公司欠薪', '宏远建筑劳务公司欠我们二十多个工人的工钱，春节前都没结，求政府帮忙讨薪。', 6, 'b2'),
    appeal('郑州宏远建筑劳务有限公司不发工资', '郑州宏远建筑劳务有限公司拖欠我三个月工资，打电话也不接。', 9, 'b3'),
    appeal('反映宏远建筑劳务公司拖欠工资', '宏远建筑劳务公司在工程结束后拖欠工人工资，请劳动监察部门介入。', 13, 'b4'),
    // 3. 枫林家园: water outage (家园 / 家园小区 / 家园三期 / district prefix)
    appeal('枫林家园小区频繁停水', '枫林家园小区这个月已经停水五次了，每次都没有提前通知。', 4, 'c1'),
    appeal('二七区枫林家园停水无通知', '二七区枫林家园三期今天又停水了，没有任何通知，做饭洗漱都成问题。', 5, 'c2'),
    appeal('枫林家园三期没水了', '住在枫林家园三期，从昨天晚上开始就没水，物业说是管道问题但一直不修。', 5.5, 'c3'),
    appeal('枫林家园经常断水什么时候能解决', '枫林家园经常断水，水压也低，高层住户根本用不上水。', 7, 'c4'),
    // 4. 锦绣花园: restaurant fumes (花园 / 花园小区 / 花园东区)
    appeal('锦绣花园楼下饭店油烟扰民', '锦绣花园楼下新开的饭店油烟直接排到我们窗户上，家里都是油烟味。', 2, 'd1'),
    appeal('锦绣花园小区底商烧烤店排烟问题', '锦绣花园小区底商的烧烤店每天排烟，窗户都不敢开。', 3, 'd2'),
    appeal('投诉锦绣花园东区餐馆油烟', '锦绣花园东区一楼餐馆没有安装油烟净化设备，油烟熏得整栋楼都是。', 12, 'd3'),
    // 5. 育英路小学: school places (with and without city prefix)
    appeal('育英路小学学位不够', '今年育英路小学学位不够，我们小区的孩子划片在育英路小学却报不上名。', 1, 'e1'),
    appeal('郑州市育英路小学入学难', '郑州市育英路小学今年入学登记后说学位满了，让我们去很远的学校就读。', 2, 'e2'),
    appeal('咨询育英路小学招生划片', '请问育英路小学的招生划片范围是怎么定的？我家就在学校对面却不能入学。', 3, 'e3'),
  ]
  const truth = [
    { entity: '翠湖新城', problem: 'construction_noise' },
    { entity: '宏远建筑劳务公司', problem: 'wage_arrears' },
    { entity: '枫林家园', problem: 'water_outage' },
    { entity: '锦绣花园', problem: 'lampblack' },
    { entity: '育英路小学', problem: 'school_place' },
  ]
  return { records: r, truth }
}

/** Noise: single appeals about other places and problems, a different estate with a similar name, and text-less or foreign records. */
function noise(): HotRecord[] {
  return [
    appeal('翠湖花园小区电梯坏了', '翠湖花园小区3号楼电梯坏了一个星期没人修。', 4, 'n1'),
    appeal('翠湖花园电梯又停了', '翠湖花园的电梯今天又停运了，老人上下楼很不方便。', 9, 'n2'),
    appeal('阳光里小区路灯不亮', '阳光里小区门口的路灯坏了很久，晚上出行不安全。', 5, 'n3'),
    appeal('建议增加公交线路', '希望开通一条到高铁站的公交线路，方便市民出行。', 6, 'n4'),
    appeal('咨询社保转移', '请问外地社保怎么转到本市？需要什么材料？', 7, 'n5'),
    appeal('东方红商场消防通道被占', '东方红商场后面的消防通道被车辆堵死。', 8, 'n6'),
    appeal('', '', 9, 'n7'),
    appeal('Noise complaint', 'The construction site next to my building works all night. Please help.', 10, 'n8'),
    appeal('青山苑物业乱收费', '青山苑物业今年突然上调物业费，没有开业主大会。', 11, 'n9'),
    appeal('红星路占道经营', '红星路早上全是流动摊贩，占道经营，车都过不去。', 12, 'n10'),
  ]
}

describe('entity names', () => {
  it('maps the variants of one name to one key', () => {
    const keys = (s: string) => extractEntities(tag(s)).map((e) => e.key)
    expect(keys('翠湖新城小区旁边的工地')).toContain('翠湖新城')
    expect(keys('投诉翠湖新城二期半夜打桩')).toContain('翠湖新城')
    expect(keys('金水区翠湖新城旁边的工地凌晨施工')).toEqual(['翠湖新城'])
    // the square of a compound is that compound (not a place 荣盛小区广场)
    expect(keys('荣盛小区广场舞音响扰民')[0]).toBe(entityKey('荣盛小区'))
    expect(keys('建正家园广场舞音响扰民')[0]).toBe(entityKey('建正家园'))
    expect(keys('万达广场门口')).toEqual([entityKey('万达广场')])
    // a short name before a generic tail is still a name (润城小区), a short word alone is not (县城)
    expect(entityKey('润城小区')).toBe('润城')
    expect(keys('润城小区广场舞音响扰民')).toEqual(['润城'])
    expect(keys('郑州宏远建筑劳务有限公司不发工资')).toEqual([entityKey('宏远建筑劳务公司')])
    expect(entityKey('枫林家园三期')).toBe('枫林家园')
    expect(entityKey('锦绣花园东区')).toBe('锦绣花园')
    // different places stay different
    expect(entityKey('翠湖花园')).not.toBe(entityKey('翠湖新城'))
    // a kind of place is not a place
    expect(entityKey('小区')).toBe('')
    expect(entityKey('物业公司')).toBe('')
    // a verb before a one-character ending is a phrase: 家人在外地住院 names no place
    expect(keys('家人在外地住院，想咨询郑州医保异地就医报销的流程和比例。')).toEqual([])
    expect(entityKey('外地住院')).toBe('')
    expect(entityKey('人民医院')).toBe('') // generic
  })

  it('survives empty, very long and non-Chinese text', () => {
    expect(tag('')).toEqual([])
    expect(extractEntities(tag(''))).toEqual([])
    expect(extractEntities(tag('hello world 123 !!!'))).toEqual([])
    const long = '翠湖新城工地夜间施工噪音扰民。'.repeat(20_000)
    expect(cleanText(long).length).toBeLessThanOrEqual(MAX_SEGMENT_CHARS)
    expect(extractEntities(tag(long)).length).toBeGreaterThan(0)
    // a surrogate pair cut at the cap, a lone surrogate, zero-width and full-width characters
    expect(() => tag('𠀀'.repeat(MAX_SEGMENT_CHARS))).not.toThrow()
    expect(() => tag('\ud800翠湖新城\u200b ＡＢＣ')).not.toThrow()
    const hs = findHotIssues([
      appeal('', '', 1, 'x1'), appeal('x'.repeat(100_000), 'y'.repeat(100_000), 1, 'x2'),
      appeal('Noise', 'loud music all night', 1, 'x3'), appeal('Noise', 'loud music all night', 1, 'x4'), appeal('Noise', 'loud music all night', 1, 'x5'),
    ])
    expect(hs).toEqual([])
    expect(findHotIssues([])).toEqual([])
  })
})

describe('hot issues', () => {
  const { records, truth } = planted()
  const all = [...records, ...noise()]
  const window = { from: FROM, to: NOW }

  it('clusters name variants and varied wording into one issue per entity and problem', () => {
    const hs = findHotIssues(all, { window })
    for (const t of truth) {
      const found = hs.filter((h) => h.entity_key === entityKey(t.entity))
      expect(found.map((h) => h.problem_key), t.entity).toEqual([t.problem])
    }
    // only the planted issues are hot: noise stays below the thresholds
    expect(hs.map((h) => h.entity_key).sort()).toEqual(truth.map((t) => entityKey(t.entity)).sort())
    const noiseIssue = hs.find((h) => h.entity_key === '翠湖新城')!
    expect(noiseIssue.title).toBe('翠湖新城 夜间施工噪音扰民')
    expect(noiseIssue.counts).toMatchObject({ records: 6, callers: 5, copies: 1, platform_110: 0 })
    expect(noiseIssue.county_code).toBe('410105')
    expect(noiseIssue.samples.length).toBeLessThanOrEqual(10)
    expect(hs.find((h) => h.entity_key === '枫林家园')!.title).toBe('枫林家园 停水')
  })

  it('keeps different entities apart (翠湖新城 and 翠湖花园)', () => {
    const extra = [
      appeal('翠湖花园电梯故障', '翠湖花园小区电梯经常故障，困人好几次。', 10, 'n11'),
    ]
    const hs = findHotIssues([...all, ...extra], { window })
    const garden = hs.find((h) => h.entity_key === '翠湖花园')!
    expect(garden.problem_key).toBe('elevator')
    expect(garden.counts.records).toBe(3)
    expect(hs.find((h) => h.entity_key === '翠湖新城')!.counts.records).toBe(6)
  })

  it('counts 110 incidents naming the same entity and ranks by heat', () => {
    const incidents: HotRecord[] = [
      { ...appeal('翠湖新城工地纠纷', '翠湖新城小区居民与工地施工人员因夜间施工发生争执。', 12, 'p1'), platform: '110', source_id: 'J-0001' },
      { ...appeal('翠湖新城有人打架', '翠湖新城二期门口有人因噪音问题打架。', 13, 'p2'), platform: '110', source_id: 'J-0002' },
    ]
    const without = findHotIssues(all, { window })
    const withLinked = findHotIssues([...all, ...incidents], { window })
    const a = without.find((h) => h.entity_key === '翠湖新城')!
    const b = withLinked.find((h) => h.entity_key === '翠湖新城')!
    expect(b.counts.platform_110).toBe(2)
    expect(b.heat).toBeGreaterThan(a.heat)
    expect(b.samples.filter((s) => s.platform === '110').map((s) => s.source_id)).toEqual(['J-0001', 'J-0002'])
    expect(withLinked[0].entity_key).toBe('翠湖新城')
    for (let i = 1; i < withLinked.length; i++) expect(withLinked[i - 1].heat).toBeGreaterThanOrEqual(withLinked[i].heat)
  })

  it('attaches a copy that lost the name to the issue it copies', () => {
    const copy = appeal('工地晚上施工太吵', '小区的工地晚上施工太吵了，已经反映多次，至今没有改善。', 12.5, 'a9')
    const hs = findHotIssues([...all, copy], { window })
    expect(hs.find((h) => h.entity_key === '翠湖新城')!.counts.records).toBe(7)
  })

  it('merges a name written with and without the developer in front, and reads the county where known', () => {
    const hs = findHotIssues([
      appeal('绿城百合花园停电', '绿城百合花园小区昨晚停电到今天中午，冰箱里的东西全坏了。', 3, 'g1', { county_code: '' }),
      appeal('百合花园又停电了', '百合花园二期本周第三次停电，电梯里还困了人。', 4, 'g2', { county_code: '410100' }),
      appeal('百合花园频繁断电', '百合花园这个月断电好几回了，供电部门说是线路老化。', 5, 'g3', { county_code: '410102' }),
    ], { window })
    expect(hs.map((h) => [h.entity_key, h.problem_key, h.counts.records])).toEqual([['百合花园', 'power_outage', 3]])
    // '' and the city's own code say nothing about the county
    expect(hs[0].county_code).toBe('410102')
    expect(hs[0].title).toBe('百合花园 停电')
  })

  it('needs several people: one caller repeating is not a hot issue', () => {
    const one = [1, 2, 3, 4].map((d) => appeal('静安小区楼上漏水', `静安小区楼上住户家漏水，第${d}次反映还没人管。`, d, 'same'))
    expect(findHotIssues(one, { window })).toEqual([])
  })

  it('documents the heat index (exported formula)', () => {
    expect(heatIndex({ volume: 3, callers: 3, firstHalf: 1, secondHalf: 2, concentration: 0.5, linked110: 0 }))
      .toBe(Math.round((10 * Math.log(4) + 15 * Math.log(4) + 8 * Math.log(3 / 2) + 5 * 0.5) * 10) / 10)
  })

  it('gives the same fingerprints across runs and input orders', () => {
    const a = findHotIssues(all, { window })
    const shuffled = [...all].reverse()
    shuffled.push(shuffled.shift()!, shuffled.shift()!)
    const b = findHotIssues(shuffled, { window })
    expect(b.map((h) => h.fingerprint)).toEqual(a.map((h) => h.fingerprint))
    expect(b).toEqual(a)
    // next week: the same matter, other people, other words, other record ids → the same fingerprint
    const later = [
      appeal('翠湖新城工地又开始夜里施工', '翠湖新城那个工地最近又开始夜里干活了，噪音吵得人睡不着。', 20, 'w1', { source_id: 'W-1' }),
      appeal('翠湖新城小区附近深夜施工', '翠湖新城小区附近工地深夜施工扰民。', 21, 'w2', { source_id: 'W-2' }),
      appeal('翠湖新城二期施工扰民', '翠湖新城二期旁边打桩，晚上根本没法休息。', 21, 'w3', { source_id: 'W-3' }),
    ]
    const next = findHotIssues(later, { window: { from: FROM + 14 * DAY, to: NOW + 14 * DAY } })
    expect(next.map((h) => h.fingerprint)).toEqual([a.find((h) => h.entity_key === '翠湖新城')!.fingerprint])
    // and as a finding for the consultation items
    const f = Finding.parse(hotIssueToFinding(a[0]))
    expect(f.kind).toBe('hot_issue')
    expect(f.fingerprint).toBe(a[0].fingerprint)
    expect(f.samples.length).toBeLessThanOrEqual(10)
    expect(f.query).toContain('records FINAL')
  })
})

describe('noise that must not make hot issues (seen on the simulated wall)', () => {
  const window = { from: FROM, to: NOW }
  const keys = (s: string) => extractEntities(tag(s)).map((e) => e.key)

  it('never takes a kind of shop for a place', () => {
    for (const k of ['家具城', '超市', '烧烤店', '火锅店', '健身房', '汽修店', '药店', '便利店', '建材城', '大超市']) expect(entityKey(k), k).toBe('')
    expect(keys('本人在金水区东风路的家具城买的商品，回家发现有质量问题')).toEqual(['东风路'])
    expect(keys('家具城拒绝退货')).toEqual([])
    // the same kind of shop all over the city is no hot issue
    const shops = ['410102', '410103', '410104', '410105', '410108'].map((c, i) =>
      appeal('家具城拒绝退货', `在家具城买的沙发有质量问题，商家不给退，第${i}家。`, 2 + i, `s${i}`, { county_code: c }))
    expect(findHotIssues(shops, { window })).toEqual([])
  })

  it('reads no road in common words ending like one (车到半路, 司机绕路)', () => {
    expect(keys('坐网约车到半路司机说不顺路，让我下车')).toEqual([])
    expect(keys('出租车司机绕路多收了钱')).toEqual([])
    expect(keys('金水区北下街街道丰产路靠近阳光小区')).not.toContain('北下街')
  })

  it('keeps one road name in two counties apart, and needs more appeals for a road', () => {
    const road = (county: string, tag: string, n: number) => Array.from({ length: n }, (_, i) =>
      appeal('新华路占道经营', `新华路每天傍晚流动摊贩占道经营，行人只能走机动车道（${tag}${i}）。`, 2 + i, `${tag}${i}`, { county_code: county }))
    const hs = findHotIssues([...road('410181', 'x', 6), ...road('410184', 'y', 6)], { window })
    expect(hs.map((h) => [h.fingerprint, h.counts.records, h.county_code]).sort()).toEqual([
      ['hot_issue|新华路@410181|road_occupation', 6, '410181'],
      ['hot_issue|新华路@410184|road_occupation', 6, '410184'],
    ])
    expect(hs.every((h) => h.entity_key === '新华路' && h.title === '新华路 占道经营')).toBe(true)
    // three appeals make an estate's hot issue, not a road's
    expect(findHotIssues(road('410181', 'z', 3), { window })).toEqual([])
  })

  it('counts only related 110 incidents in the same county, and never more than the appeals', () => {
    const appeals = [1, 2, 3].map((d) => appeal('枫林家园停水', `枫林家园从昨天开始停水，没有通知（${d}）。`, 10 + d * 0.3, `w${d}`))
    const incident = (id: string, day: number, title: string, content: string, county = '410105'): HotRecord =>
      ({ ...appeal(title, content, day, `p${id}`, { county_code: county }), platform: '110', source_id: id })
    const incidents = [
      ...Array.from({ length: 8 }, (_, i) => incident(`J-W${i}`, 10.5, '枫林家园停水', `枫林家园停水好几天了，居民情绪激动（${i}）。`)),
      incident('J-X1', 10.5, '枫林家园停水', '枫林家园停水，居民围堵物业。', '410102'), // another county's 枫林家园
      incident('J-X2', 2, '枫林家园有人打架', '枫林家园门口两人因琐事打架。'), // another matter, a week before
    ]
    const [h] = findHotIssues([...appeals, ...incidents], { window })
    expect(h.entity_key).toBe('枫林家园')
    expect(h.counts.platform_110).toBe(8)
    expect(h.heat_parts.linked110).toBe(3)
    expect(h.heat).toBe(heatIndex(h.heat_parts))
  })

  it('reads 绿都公寓 however jieba splits it', () => {
    expect(keys('绿都公寓楼下烧烤油烟扰民')).toEqual(['绿都公寓'])
    expect(keys('绿都公寓饭店排烟管道对着居民窗户')).toEqual(['绿都公寓'])
    expect(keys('我住在绿都公寓，楼下几家烧烤店')).toEqual(['绿都公寓'])
    expect(keys('投诉绿都公寓底商油烟')).toEqual(['绿都公寓'])
    expect(keys('反映一下文化路上的兴达搅拌站，每天粉尘很大')).toEqual(['文化路', '兴达搅拌站'])
    expect(entityKey('兴达混凝土搅拌站')).toBe('兴达搅拌站')
    expect(entityKey('混凝土搅拌站')).toBe('')
  })

  it('makes a mixing plant its own problem, not construction noise', () => {
    expect(detectProblem('兴达搅拌站扬尘严重', '反映一下文化路上的兴达搅拌站，罐车进出带的泥土满路都是，一刮风尘土飞扬。')?.key).toBe('mixing_plant')
    expect(detectProblem('翠湖新城工地夜间施工', '工地通宵作业，搅拌机的声音吵得人睡不着。')?.key).toBe('construction_noise')
    const hs = findHotIssues([
      appeal('兴达搅拌站扬尘严重', '兴达搅拌站每天粉尘很大，窗户都不敢开。', 3, 'm1'),
      appeal('投诉兴达搅拌站灰尘大', '我家住在兴达搅拌站附近，露天堆放砂石没有覆盖，灰尘到处飘。', 4, 'm2'),
      appeal('兴达混凝土搅拌站车辆进出尘土飞扬', '罐车进出带的泥土满路都是，一刮风尘土飞扬。', 5, 'm3'),
    ], { window })
    expect(hs.map((h) => [h.entity_key, h.problem_key, h.title, h.counts.records])).toEqual([['兴达搅拌站', 'mixing_plant', '兴达搅拌站 扬尘污染', 3]])
  })
})
