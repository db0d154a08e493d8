// Candidate entities (places and organisations) named in appeal text, and the key that maps the
// variants of one name to one entity.
//
// Why not jieba's ns/nt tags alone: estate and company names are mostly out of the dictionary, so
// jieba splits them into pieces ("锦楚/x 国际/n 新城/ns", "杜鹃/nr 文苑/nr 小区/n"). A name is
// therefore read as a run of name-like words (nouns, proper nouns, unknown words, numerals) that ends
// with a type suffix (小区, 新城, 公司, 路 …). Words that cannot be part of a name (verbs,
// prepositions, pronouns, locatives such as 旁边/附近, administrative divisions such as 郑州市/金水区)
// end the run, which also strips the city and district prefixes people put before a name.
//
// Normalisation then removes what varies between mentions of one place: the phase or part
// (二期, 三区, 东区, 5号楼), generic tails (小区, 工地, 项目), legal forms (有限公司 → 公司), so that
// "XX新城", "XX新城小区", "XX新城二期" and "XX新城工地" share the key "XX新城". "XX新城旁边的工地" names
// XX新城 (the bare 工地 has no name of its own and is dropped).
import { wordFreq, type Token } from './segment'

export type EntityType = 'estate' | 'org' | 'site' | 'road' | 'place'

/** Name endings and the kind of entity they make; longest first so 有限公司 wins over 公司. */
const SUFFIX_TABLE: [string, EntityType][] = ([
  // residential compounds and buildings
  ...['小区', '花园', '新城', '家园', '公寓', '苑', '庭', '府', '城', '园', '郡', '湾', '邸', '墅', '山庄', '公馆', '大厦', '广场', '家属院', '院', '新村', '村', '社区', '名门', '华庭', '国际'].map((s) => [s, 'estate'] as [string, EntityType]),
  // organisations
  ...['公司', '有限公司', '集团', '学校', '小学', '中学', '幼儿园', '大学', '学院', '医院', '卫生院', '诊所', '市场', '超市', '商场', '酒店', '宾馆', '饭店', '银行', '中心', '车站', '物流园', '工业园', '产业园'].map((s) => [s, 'org'] as [string, EntityType]),
  // sites that make noise, dust or disputes
  ...['工地', '搅拌站', '站', '厂', '项目', '矿', '砂场', '石场', '垃圾场', '停车场'].map((s) => [s, 'site'] as [string, EntityType]),
  // roads and streets: context more often than the subject, so ranked lowest
  ...['路', '街', '大道', '大街', '巷', '桥', '立交'].map((s) => [s, 'road'] as [string, EntityType]),
  ...['公园', '景区', '水库', '河'].map((s) => [s, 'place'] as [string, EntityType]),
] as [string, EntityType][]).sort((a, b) => b[0].length - a[0].length)

/** How likely an entity of this type is the subject of the appeal (roads are mostly the address). */
export const TYPE_RANK: Record<EntityType, number> = { estate: 3, site: 3, org: 3, place: 2, road: 1 }

function suffixOf(word: string): [string, EntityType] | null {
  for (const s of SUFFIX_TABLE) if (word.endsWith(s[0])) return s
  return null
}

// Phase and part markers that follow a name: 二期, 3期, 三区, 东区, 南苑? (no: 苑 is a name ending).
const PHASE = /(?:[一二三四五六七八九十\d]+期|[一二三四五六七八九十\dA-Za-z]+区|[东西南北中]区|[一二三四五六七八九十\d]+(?:号院|号楼|栋|幢|单元|号))$/
// Generic tails: the same place with or without them.
const GENERIC_TAIL = /(?:住宅小区|小区|住宅区|家属区|生活区|施工现场|施工工地|工地|项目部|项目)$/
const LEGAL_FORM = /(?:股份有限公司|有限责任公司|有限公司)$/
// What people put before a name: a demonstrative, a pronoun, an anonymised or real division prefix.
const LEAD_WORDS = /^(?:该|本|此|这个|那个|这|那|我们|我|你们|他们|其|某|贵)/
const ANON_DIVISION = /^[A-Za-z]\d{0,2}(?:省|市|区|县)/
const ADMIN_WORD = /^[\u4e00-\u9fa5]{1,6}(?:省|市|区|县|镇|乡|街道|办事处)$/
// Words ending in 区/市 that are not divisions.
const NOT_ADMIN = new Set(['小区', '社区', '园区', '景区', '校区', '片区', '城区', '市区', '厂区', '营区', '矿区', '新区', '东区', '西区', '南区', '北区', '超市', '菜市', '夜市', '集市', '城市'])

/**
 * Kinds of shop and service. Appeals name a shop by its kind far more often than by its name ("在东风路的
 * 家具城买的沙发"), and every city has hundreds of each: a kind is never an entity on its own.
 */
export const SHOP_KINDS = [
  '超市', '便利店', '烧烤店', '烧烤摊', '火锅店', '健身房', '健身中心', '美容店', '美容院', '美发店', '理发店', '培训机构', '培训班', '手机店', '家具城', '家具店',
  '建材城', '建材市场', '电器城', '数码城', '美食城', '服装城', '商城', '影城', '电影院', '汽修店', '汽修厂', '修理厂', '洗车店', '洗车房', '奶茶店', '药店', '药房',
  '餐馆', '餐厅', '饭馆', '面馆', '小吃店', '快餐店', '足浴店', '洗浴中心', '按摩店', '网吧', '网咖', 'ktv', '歌厅', '游戏厅', '台球厅', '棋牌室', '麻将馆',
  '水果店', '蛋糕店', '花店', '宠物店', '干洗店', '五金店', '菜市场', '农贸市场', '批发市场', '商店', '小卖部', '门市', '门面', '门店', '店铺', '商铺', '底商',
  '快递站', '驿站', '加工厂', '小作坊', '作坊', '养殖场', '废品站', '废品收购站', '回收站', '充电站', '4s店', '售楼部', '售楼处', '营业厅', '购物中心', '商业中心', '早教中心',
]
/** Names that are a kind, not a particular place (after normalisation). */
const GENERIC = new Set([
  '小区', '花园', '公司', '学校', '医院', '市场', '工地', '城', '园', '院', '村', '站', '厂', '路', '街', '中心', '广场', '公园', '社区',
  '物业公司', '开发公司', '施工公司', '建筑公司', '工程公司', '管理公司', '物业管理公司', '房地产公司', '保安公司', '快递公司', '家政公司',
  '卫生服务中心', '社区卫生服务中心', '社区服务中心', '便民服务中心', '养老服务中心', '党群服务中心', '政务服务中心', '文化活动中心', '日间照料中心',
  '社区卫生服务站', '卫生服务站', '社区医院', '卫生室', '社区中心', '老旧', '老旧小区', '交叉口', '十字路口', '路口', '丁字路口', '红绿灯', '附近', '县城', '省城', '全城', '进城', '农村', '城市', '新城', '老城', '主城', '城中村', '本村', '我村', '该村', '全村', '乡村', '新农村',
  '马路', '道路', '公路', '大路', '小路', '街道', '大街', '小巷', '一条路', '这条路', '那条路', '高速', '高速路',
  '幼儿园', '小学', '中学', '大学', '学院', '卫生院', '诊所', '银行', '超市', '商场', '酒店', '饭店', '宾馆', '车站', '加油站', '派出所站',
  '人民医院', '中医院', '医院门诊', '第一中学', '实验小学', '实验中学', '中心小学', '民办学校', '公立学校', '私立学校', '培训学校',
  '搅拌站', '垃圾站', '收费站', '公交站', '地铁站', '检测站', '供电站', '变电站', '工厂', '化工厂', '水厂', '污水处理厂', '垃圾场', '停车场',
  '施工项目', '建设项目', '政府', '家园', '公寓', '大厦', '国际', '集团', '政务中心', '服务中心', '客服中心', '市中心', '活动中心', '项目',
  '服务站', '网站', '站长', '车间', '市政府', '住建局', '房管局', '开发区', '本院', '该院', '我院', '法院', '名城', '历史文化名城', '文明城',
  // utilities and public services named by their kind: the place they fail is the entity, not the supplier
  // shops and services named by their kind: 一家家具城, 楼下的超市 name no particular place
  ...SHOP_KINDS,
  '燃气公司', '供电公司', '电力公司', '自来水公司', '供水公司', '热力公司', '供热公司', '公交公司', '移动公司', '电信公司', '联通公司', '保险公司', '供暖公司', '水务公司',
])

// Common words ending like a road: 到半路, 司机绕路, 过马路 name no road.
const NOT_ROAD_WORDS = new Set(['半路', '绕路', '顺路', '马路', '走路', '让路', '带路', '问路', '迷路', '上路', '一路', '沿路', '修路', '堵路', '拦路', '过路', '网路', '电路',
  '线路', '思路', '出路', '退路', '套路', '道路', '公路', '小路', '大路', '近路', '远路', '弯路', '活路', '老路', '新路', '岔路', '路过', '进路', '来路', '土路', '水路',
  '上街', '逛街', '沿街', '临街', '满街', '大街', '当街', '街道', '过桥', '天桥', '小巷'])
// Descriptors of a firm's trade: "建筑劳务有限公司" is a kind of firm, the name is what comes before.
const FIRM_TRADE = /(?:建筑|劳务|工程|建设|建工|物业|服务|管理|商贸|贸易|置业|地产|房地产|开发|科技|实业|投资|装饰|装修|运输|物流|信息|网络|文化|传媒|餐饮|咨询|电子|机械|环保|保安|家政|教育|混凝土|商砼|建材|劳务派遣)+$/
// Material words before 搅拌站: 混凝土搅拌站 is a kind, 兴达混凝土搅拌站 is 兴达搅拌站.
const PLANT_MATERIAL = /(?:混凝土|商砼|商混|水泥|沥青|砂浆|砼)(?=搅拌站$)/

// Words after a name that make it a division: 北下街/街道 is a town, not a road.
const DIVISION_AFTER = new Set(['街道', '街道办', '办事处', '街办', '镇', '乡'])

// Words that end a name run even though jieba tags them as nouns (people, parts of a place, topics).
const STOP_WORDS = new Set([
  '业主', '居民', '住户', '村民', '群众', '市民', '家长', '学生', '老人', '孩子', '工人', '农民工', '员工', '领导', '书记', '市长', '县长', '区长', '局长', '您好', '你好',
  '物业', '开发商', '施工方', '问题', '情况', '投诉', '反映', '举报', '关于', '要求', '希望', '建议', '咨询', '请问', '噪音', '噪声', '垃圾', '附近', '周边', '旁边', '对面',
  '门口', '隔壁', '楼下', '楼上', '后面', '前面', '里面', '外面', '地铁', '号线', '晚上', '夜间', '白天', '凌晨', '半夜', '深夜', '每天', '现在', '目前', '最近', '近期',
  '今年', '去年', '当时', '以前', '之前', '中午', '下午', '上午', '早上', '周末', '平时', '长期', '多年', '近日', '至今', '夜晚', '晚间', '施工', '停水', '停电', '工资',
  '一下', '一点', '一起', '严重', '非法', '违法', '违规', '正常', '很多', '好多', '大量', '所有', '一些', '部分', '整个', '全部', '多次', '长期以来', '一直',
])

const NAME_TAGS = new Set(['n', 'nr', 'nrt', 'nrfg', 'nz', 'ns', 'nt', 'nw', 'x', 'eng', 'j', 'l', 'm', 'a', 't', 'vn', 'b', 'ng', 'an', 'i', 's', 'tg'])
// Tags that are names on their own (people's, places', organisations' and unknown words).
const PROPER_TAGS = new Set(['nr', 'nrt', 'nrfg', 'nz', 'ns', 'nt', 'nw', 'x', 'eng', 'j'])
// Adjectives, time words, verbal nouns …: part of a name only right after a name word or right before
// the ending ("幸福家园", "北欧春天小区", "雅礼洋湖实验中学"), never as the start of a longer run
// ("前段时间丁字街", "依法监督泰华一村小区").
const WEAK_TAGS = new Set(['a', 't', 'vn', 'b', 'ng', 'an', 'i', 's', 'tg', 'l', 'm'])
// Endings that say only "a place of this kind": the name before them must be a name, not a common word.
const KIND_ENDINGS = /(?:小区|社区|公司|项目|工地|市场|学校|医院|中心|站|厂|路|街|村)$/
// Governments, courts, bureaus: addressees of appeals, not the places they are about.
const VERB_BEFORE_ENDING = /(?:住|出|入|进|回|去|到|在|逛|上|离|转|搬)$/
const AUTHORITY = /(?:政府|法院|检察院|国务院|工程院|设计院|研究院|局|委员会|办公室|办事处|派出所|人大|政协|党委|网站|支队|大队)$/
// Quantities before a name: 一家, 两个, 400多位, 368号 …
const QUANTITY = /^(?:[一两二三四五六七八九十几数多\d]+[多余]?(?:个|家|所|座|条|处|位|栋|间|些|号|户|名|米处|月份|年))+/
const HAS_WORD_CHAR = /[\u4e00-\u9fa5A-Za-z0-9]/

function isAdmin(t: Token): boolean {
  if (t.word === '省' || t.word === '市' || t.word === '区' || t.word === '县') return true
  return ADMIN_WORD.test(t.word) && !NOT_ADMIN.has(t.word)
}

function nameLike(t: Token): boolean {
  if (!NAME_TAGS.has(t.tag) || !HAS_WORD_CHAR.test(t.word) || STOP_WORDS.has(t.word) || isAdmin(t)) return false
  // Numerals only as part of a name (一村, 5号); a long number is a date, a count or a masked phone.
  if (t.tag === 'm' && (/\d/.test(t.word) ? true : t.word.length > 2 && !t.word.startsWith('第'))) return false
  return true
}

/** A word this rare in the segmenter's dictionary (or absent) is a name stem, whatever its tag. */
const RARE_WORD = 60
const isRare = (w: string) => w.length >= 2 && wordFreq(w) < RARE_WORD
// Single characters that are grammar or a common attribute, never half of a name stem.
const FUNCTION_CHARS = new Set([...'的了在是我你他她它这那和与及或从到对向给把被让就也还又很太有没不要会能个上下里去来说住买租等吗呢吧啊各每某该本此其几多少新老旧大小高低好坏全整一二三四五六七八九十两号楼栋层门旁边外内前后间近'])
const NO_STEM_TAGS = new Set(['p', 'c', 'r', 'f', 'm', 'q', 'u', 'uj', 'ul', 'uz', 'ug', 'uv', 'ud', 'y', 'e', 'o', 'w'])

/** The distinctive characters of a name before its ending (no phase, generic tail, legal form, trade). */
function stemChars(raw: string): number {
  let t = stripPhase(stripLead(raw))
  for (let i = 0; i < 3; i++) { const g = GENERIC_TAIL.exec(t); if (g && t.length > g[0].length) t = t.slice(0, t.length - g[0].length) }
  t = t.replace(LEGAL_FORM, '公司').replace(PLANT_MATERIAL, '')
  const sfx = suffixOf(t)
  if (sfx) t = t.slice(0, t.length - sfx[0].length)
  return t.replace(FIRM_TRADE, '').length
}

export interface EntityMention {
  key: string // normalised: one key for all variants of the name
  surface: string // as written, without division prefix and phase (the display name)
  type: EntityType
}

/** Strips the division prefix and demonstratives from the front of a name as written. */
function stripLead(s: string): string {
  let t = s.normalize('NFKC').replace(/[^\u4e00-\u9fa5A-Za-z0-9]/g, '')
  for (let i = 0; i < 3; i++) {
    const before = t
    t = t.replace(LEAD_WORDS, '').replace(QUANTITY, '').replace(ANON_DIVISION, '')
    // An anonymised division inside ("现K8县冷江东路", "M6州M7市乾州新城"): the name follows it.
    t = t.replace(/^.*[A-Za-z]\d{1,2}(?:省|市|区|县|州)(?=[\u4e00-\u9fa5]{2})/, '')
    // A division's last character glued to the name by the segmenter ("市锦楚", "县星沙").
    if (/^(?:省|市|区|县|镇|乡|号)/.test(t) && t.length >= 4) t = t.slice(1)
    if (/^(?:街道|社区)/.test(t) && t.length >= 5) t = t.slice(2)
    if (t === before) break
  }
  return t
}

function stripPhase(s: string): string {
  let t = s
  for (let i = 0; i < 4; i++) {
    const m = PHASE.exec(t)
    if (!m || t.length - m[0].length < 2) break
    t = t.slice(0, t.length - m[0].length)
  }
  return t
}

/**
 * The key of a name: division prefix, phase and generic tails removed, legal form unified, Latin
 * letters lower-cased. '' when what remains is a kind of place rather than a particular one.
 */
export function entityKey(name: string): string {
  let t = stripLead(name)
  // A generic tail (小区, 工地 …) was cut: what stood before it is a name, however short (润城小区 → 润城).
  let tail = false
  for (let i = 0; i < 4; i++) {
    const before = t
    t = stripPhase(t)
    const g = GENERIC_TAIL.exec(t)
    if (g && t.length - g[0].length >= 2) { t = t.slice(0, t.length - g[0].length); tail = true }
    t = t.replace(LEGAL_FORM, '公司').replace(/集团公司$/, '集团').replace(PLANT_MATERIAL, '').replace(/(公寓|大厦)楼$/, '$1')
    if (t === before) break
  }
  t = t.toLowerCase()
  if (t.length < 2 || t.length > 20 || GENERIC.has(t) || AUTHORITY.test(t)) return ''
  // A kind of shop with a size or age word: 大超市, 新开的家具城 (→ 新开家具城 is cut before), 小饭馆.
  if (/^(?:大|小|新|老|旧|一家|这家|那家|该|本)/.test(t) && GENERIC.has(t.replace(/^(?:大|小|新|老|旧|一家|这家|那家|该|本)/, ''))) return ''
  // Only a trade before 公司: 建筑劳务公司 is any such firm.
  const firm = /(?:公司|集团)$/.exec(t)
  if (firm && t.slice(0, firm.index).replace(FIRM_TRADE, '') === '') return ''
  if (t === '搅拌站' || /^(?:混凝土|商砼|商混|水泥|沥青)搅拌站$/.test(t)) return ''
  // At least two characters before a one-character ending (城, 园, 村 …), else it is a common word.
  const sfx = suffixOf(t)
  if (sfx && t.length - sfx[0].length < (sfx[0].length === 1 && !tail ? 2 : 1)) return ''
  // A kind before the ending is no name either: 交叉口饭店, 公寓饭店, 路口超市.
  if (sfx && GENERIC.has(t.slice(0, t.length - sfx[0].length))) return ''
  // A verb before a one-character ending makes a common phrase, not a name: 外地住院, 回老家进城, 去公园.
  if (sfx && sfx[0].length === 1 && VERB_BEFORE_ENDING.test(t.slice(0, -1))) return ''
  if (/^\d+$/.test(t) || /^[a-z0-9]+$/.test(t)) return ''
  return t
}

/**
 * Entities named in segmented text, in order of appearance. A run of name-like words is cut after each
 * word ending with a type suffix unless the next word continues the name (another suffix word, such as
 * 凤凰/城/小区, or a phase marker): "朝晖路锦楚国际新城三区" gives 朝晖路 and 锦楚国际新城.
 */
export function extractEntities(input: Token[]): EntityMention[] {
  // "绿都公寓楼下": jieba glues 楼 to the ending (公寓楼/n 下/f); the name ends before it.
  const tokens = input.flatMap((t) => {
    const m = /^(公寓|小区|大厦|花园|家园)(楼)$/.exec(t.word)
    return m ? [{ word: m[1], tag: t.tag }, { word: m[2], tag: 'n' }] : [t]
  })
  const out: EntityMention[] = []
  const MAX_RUN_CHARS = 16
  type RunToken = Token & { idx: number; rescued?: boolean }
  let run: RunToken[] = []
  /**
   * Out-of-vocabulary name stems are often split and mis-tagged ("绿/a 都/d 公寓", "兴达/v 搅拌站",
   * "润/v 城府"): when fewer than two distinctive characters stand before a non-road ending, the one or
   * two words right before the run join it if they are single characters that are not grammar, or
   * words rare in the dictionary.
   */
  const rescue = (words: RunToken[]): RunToken[] => {
    const raw = words.map((w) => w.word).join('')
    const sfx = suffixOf(stripPhase(raw)) ?? suffixOf(raw)
    if (!sfx || sfx[1] === 'road') return words
    const need = 2 - stemChars(raw)
    if (need <= 0) return words
    const add: RunToken[] = []
    let chars = 0
    for (let j = words[0].idx - 1; j >= 0 && add.length < 2 && chars < need; j--) {
      const t = tokens[j]
      if (!/^[\u4e00-\u9fa5]{1,2}$/.test(t.word) || NO_STEM_TAGS.has(t.tag) || STOP_WORDS.has(t.word) || isAdmin(t)) break
      if (t.word.length === 1 ? FUNCTION_CHARS.has(t.word) : !isRare(t.word)) break
      add.unshift({ word: t.word, tag: 'nz', idx: j, rescued: true })
      chars += t.word.length
    }
    return chars >= need ? [...add, ...words] : words
  }
  const emit = (upto: number) => {
    const words = rescue(run.slice(0, upto))
    run = run.slice(upto)
    if (!words.length) return
    // 到半路, 司机绕路: a common word ending like a road is no road.
    if (NOT_ROAD_WORDS.has(words[words.length - 1].word)) return
    const surfaceRaw = words.map((w) => w.word).join('')
    // Keep the tail of an over-long run: the name sits right before the suffix.
    const raw = surfaceRaw.length > MAX_RUN_CHARS ? surfaceRaw.slice(-MAX_RUN_CHARS) : surfaceRaw
    const sfx = suffixOf(stripPhase(raw)) ?? suffixOf(raw)
    if (!sfx) return
    const key = entityKey(raw)
    if (!key) return
    // "影响小区", "卫生小区": a kind ending after a common word is no name. The part before such an
    // ending needs a proper-name word or three characters in two words or more.
    const base = stripPhase(raw)
    const head = base.replace(KIND_ENDINGS, '')
    // (a name ending of its own before the kind ending, as in 锦绣花园小区, is a name)
    // (搅拌站 is a specific ending: two distinctive characters before it make a name, 美景搅拌站)
    const plant = /搅拌站$/.test(base) && stemChars(raw) >= 2
    if (KIND_ENDINGS.test(base) && !plant && !(suffixOf(head) && !KIND_ENDINGS.test(head) && head.length >= 3)) {
      const body = words.filter((w) => (w.rescued || !suffixOf(w.word)) && !PHASE.test(w.word))
      const chars = body.reduce((n, w) => n + w.word.length, 0)
      const oneProperWord = body.length === 0 && (key.length >= 4 || words.some((w) => PROPER_TAGS.has(w.tag)))
      // (a word rare in the dictionary is a name whatever jieba tagged it: 航宇/n 搅拌站)
      if (!body.some((w) => PROPER_TAGS.has(w.tag) || isRare(w.word)) && !(body.length >= 2 && chars >= 3) && !oneProperWord) return
    }
    out.push({ key, surface: stripPhase(stripLead(raw)), type: sfx[1] })
  }
  const flush = () => {
    // Cut the run after its last word that ends a name (suffix, or phase marker right after one).
    let end = -1
    for (let i = 0; i < run.length; i++) {
      const w = run[i].word
      if (suffixOf(w) || (end === i - 1 && end >= 0 && PHASE.test(w))) end = i
    }
    if (end >= 0) emit(end + 1)
    run = []
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]
    const next0 = tokens[i + 1]
    // "阳光里小区": 里 is tagged a locative, but between a name and its ending it is part of the name.
    if (t.word === '里' && run.length > 0 && next0 && suffixOf(next0.word)) { run.push({ word: t.word, tag: 'n', idx: i }); continue }
    // "北下街街道", "建设路街道": the name of a town (a division), not a road.
    if (next0 && DIVISION_AFTER.has(next0.word) && (suffixOf(t.word) || run.length)) { run = []; i++; continue }
    if (!nameLike(t)) { flush(); continue }
    if (WEAK_TAGS.has(t.tag) && !suffixOf(t.word)) {
      const prevIsName = run.length > 0 && PROPER_TAGS.has(run[run.length - 1].tag)
      const beforeEnding = t.word.length <= 2 && !!next0 && nameLike(next0) && !!suffixOf(next0.word)
      // A two-character adjective opening a name is a brand word (宏远, 幸福, 阳光); stop words are not.
      const brand = t.tag === 'a' && t.word.length === 2 && run.length === 0 && !!next0 && nameLike(next0)
      if (!prevIsName && !beforeEnding && !brand) { flush(); continue }
    }
    // At most four words before the ending: a longer run has glued words from before the name.
    if (run.length >= 4 && !run.some((w) => suffixOf(w.word))) run.shift()
    run.push({ ...t, idx: i })
    const next = tokens[i + 1]
    // A kind of another type after an ending starts no longer name: 绿都公寓/饭店 is 绿都公寓 (and a 饭店).
    // After a generic ending (小区, 社区, 工地) a kind is a part of the place, not a longer name, and so
    // is a square after a compound's ending (花园, 家园 …): 荣盛小区/广场, 建正家园/广场 are their squares.
    // (a one-character ending is part of a plaza's own name: 绿城广场)
    const sq = suffixOf(t.word)
    const squareOf = !!next && next.word === '广场' && !!sq && sq[1] === 'estate' && sq[0].length >= 2 && sq[0] !== '广场'
    const kindAfter = !!next && GENERIC.has(next.word) && !GENERIC_TAIL.test(next.word)
      && (suffixOf(next.word)?.[1] !== suffixOf(t.word)?.[1] || GENERIC_TAIL.test(t.word) || squareOf)
    if (suffixOf(t.word) && !(next && nameLike(next) && !kindAfter && (suffixOf(next.word) || PHASE.test(next.word) || GENERIC_TAIL.test(next.word)))) {
      // The name ends here; what follows starts a new one (or is a phase marker we skip).
      emit(run.length)
      run = []
    }
  }
  flush()
  return out
}
