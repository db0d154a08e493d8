// The problem an appeal is about: a small lexicon of what hotlines hear most, each with the different
// words people use for it, so "半夜还在打桩", "施工噪音太大" and "机器轰鸣吵得睡不着" are one problem.
// Keys are stable identifiers (they go into fingerprints); labels are the plain Chinese shown in
// titles. When no lexicon entry matches, the problem is named by the content word most of a cluster's
// appeals share (see topWords), keyed "kw:<word>".
import type { Token } from './segment'

export interface Problem {
  key: string
  label: string
  /** Any match counts; the title's matches count three times (subjects name the problem). */
  patterns: RegExp[]
}

/**
 * Ordered from specific to general: on a tie the earlier entry wins (construction noise and
 * restaurant fumes before noise, wage arrears before property management).
 */
export const PROBLEMS: Problem[] = [
  // A concrete mixing plant is a matter of its own (dust, noise, mud on the road from its trucks), not a
  // building site's night work: before construction noise and dust so a tie goes to it.
  { key: 'mixing_plant', label: '搅拌站扬尘噪音', patterns: [/搅拌站|商砼站|混凝土站|搅拌厂/] },
  { key: 'construction_noise', label: '施工噪音扰民', patterns: [
    /(?:施工|工地).{0,20}(?:噪|吵|扰民|睡不着|休息)/, /(?:噪|吵|扰民).{0,20}(?:施工|工地)/,
    /(?:夜间|夜里|半夜|深夜|凌晨|晚上|连夜|通宵).{0,4}(?:施工|干活|打桩|作业|开工)/, /打桩|违规施工|挖掘机|渣土车|机器轰鸣|搅拌(?:机|车)/] },
  { key: 'lampblack', label: '油烟扰民', patterns: [/油烟|烧烤|排烟/] },
  { key: 'noise', label: '噪音扰民', patterns: [/噪音|噪声|扰民|太吵|吵闹|吵得|广场舞|音响|高音喇叭/] },
  { key: 'wage_arrears', label: '拖欠工资', patterns: [/拖欠.{0,8}(?:工资|薪|工钱|劳务费|工程款)|欠薪|讨薪|(?:工资|工钱).{0,6}(?:未|没|不)(?:发|付|结|给)|农民工工资/] },
  { key: 'water_outage', label: '停水', patterns: [/停水|断水|没水|没有水|无水|水压(?:低|小|不足)|不来水|供水不正常/] },
  { key: 'power_outage', label: '停电', patterns: [/停电|断电|跳闸|没电|供电不(?:稳|正常)/] },
  { key: 'heating', label: '供暖不热', patterns: [/供暖|暖气|采暖|供热|室温/] },
  { key: 'gas', label: '燃气问题', patterns: [/燃气|天然气|煤气|漏气|通气/] },
  { key: 'school_place', label: '入学学位', patterns: [/学位|入学|划片|招生|上学难|就近上学|就读/] },
  { key: 'illegal_building', label: '违章建筑', patterns: [/违建|违章建筑|违法建设|违章搭建|私搭乱建|乱搭乱建|私自加建|加盖|私建/] },
  { key: 'road_occupation', label: '占道经营', patterns: [/占道|占用人行道|占用消防通道|乱摆摊|摆摊|摊贩|马路市场/] },
  { key: 'dust', label: '扬尘污染', patterns: [/扬尘|粉尘|灰尘|尘土/] },
  { key: 'sewage_odor', label: '污水异味', patterns: [/污水|异味|臭味|臭气|排污|下水道|化粪池/] },
  { key: 'garbage', label: '垃圾清运', patterns: [/垃圾|脏乱差|清运/] },
  { key: 'leak', label: '房屋漏水', patterns: [/漏水|渗水|渗漏|漏雨/] },
  { key: 'elevator', label: '电梯故障', patterns: [/电梯/] },
  { key: 'property_cert', label: '房产证办理', patterns: [/房产证|不动产证|不动产权证|办证难/] },
  { key: 'delivery_delay', label: '延期交房', patterns: [/交房|延期交付|逾期交付|烂尾/] },
  { key: 'demolition', label: '拆迁安置补偿', patterns: [/拆迁|征收|安置|补偿款/] },
  { key: 'traffic', label: '交通拥堵', patterns: [/拥堵|堵车|红绿灯|信号灯|交通秩序/] },
  { key: 'parking', label: '停车问题', patterns: [/停车(?:费|位|难|场)|乱停|乱停乱放/] },
  { key: 'fees', label: '乱收费', patterns: [/乱收费|多收费|收费不合理|违规收费|高收费/] },
  { key: 'property_mgmt', label: '物业服务问题', patterns: [/物业/] },
  { key: 'safety', label: '安全隐患', patterns: [/安全隐患|隐患|危险|危房/] },
]

export const PROBLEM_BY_KEY = new Map(PROBLEMS.map((p) => [p.key, p]))

/** The lexicon problem of one appeal (title matches count 3, content matches 1), or null. */
export function detectProblem(title: string, content: string): Problem | null {
  let best: Problem | null = null
  let bestScore = 0
  for (const p of PROBLEMS) {
    let score = 0
    for (const re of p.patterns) {
      if (re.test(title)) score += 3
      if (re.test(content)) score += 1
    }
    if (score > bestScore) { best = p; bestScore = score }
  }
  return best
}

// Night words turn "施工噪音扰民" into "夜间施工噪音扰民" when most of a cluster's appeals use them.
const NIGHT = /夜间|晚上|夜里|半夜|深夜|凌晨|通宵|连夜|夜晚|晚间|\d{1,2}点(?:多|以后|之后)|睡不着|休息/
export const mentionsNight = (text: string) => NIGHT.test(text)
// What a mixing plant's appeals are about: dust, noise, or both (the title says which).
export const mentionsDust = (text: string) => /扬尘|粉尘|灰尘|尘土|落灰|一层灰|是灰|泥土|泥浆/.test(text)
export const mentionsNoise = (text: string) => /噪音|噪声|吵|轰鸣|扰民|睡不着/.test(text)

// Words that say nothing about the problem: appeal formulas, people, time, vague nouns.
const STOP = new Set([
  '问题', '情况', '投诉', '反映', '举报', '咨询', '请问', '希望', '要求', '建议', '领导', '书记', '市长', '局长', '您好', '你好', '谢谢', '感谢', '尊敬', '解决',
  '处理', '部门', '相关', '有关', '政府', '业主', '居民', '群众', '市民', '小区', '我们', '他们', '现在', '目前', '一直', '多次', '没有', '时间', '工作', '生活',
  '影响', '严重', '正常', '能否', '是否', '为什么', '怎么', '什么', '已经', '进行', '存在', '导致', '出现', '回复', '答复', '落实', '重视', '尽快', '及时', '给予',
  '帮助', '联系', '电话', '上级', '主管部门', '上级领导', '职能部门', '监管', '调查', '核实', '领导', '市委', '县委', '区委', '今年', '去年', '每天', '晚上', '白天', '今天', '昨天', '单位', '人员', '工作人员', '地方', '一个', '这个', '那个', '这样', '这些',
])
const VAGUE = new Set(['发现', '交叉口', '路口', '十字路口', '附近', '位置', '路段', '行人', '车辆', '协调', '督促', '整改', '请求', '核查', '查处', '管理', '情况说明'])
const CONTENT_TAGS = new Set(['n', 'vn', 'nz', 'v', 'an'])

/** Content words of one appeal (distinct): nouns and verbs of two or more characters, not formulaic. */
export function contentWords(tokens: Token[], exclude: ReadonlySet<string> = new Set()): string[] {
  const out = new Set<string>()
  for (const t of tokens) {
    if (!CONTENT_TAGS.has(t.tag) || t.word.length < 2 || t.word.length > 6 || STOP.has(t.word) || exclude.has(t.word)) continue
    // Addressees (环保部门, 监管部门) and places on the way (交叉口) say nothing about the problem.
    if (/部门$/.test(t.word) || VAGUE.has(t.word)) continue
    // Divisions (金水区, 北下街街道) are where, not what.
    if (/^[\u4e00-\u9fa5]{2,6}(?:区|县|市|镇|乡|街道|办事处)$/.test(t.word) && !/(?:小区|社区|园区|景区|校区|片区|城区|市区|超市|夜市|菜市)$/.test(t.word)) continue
    if (!/^[\u4e00-\u9fa5]+$/.test(t.word)) continue
    out.add(t.word)
  }
  return [...out]
}

/** The word most of the given appeals share (ties: the longer, then the first in code-point order). */
export function topWord(wordLists: string[][]): string {
  const df = new Map<string, number>()
  for (const ws of wordLists) for (const w of new Set(ws)) df.set(w, (df.get(w) ?? 0) + 1)
  let best = ''
  let n = 0
  for (const [w, c] of df) {
    if (c > n || (c === n && (w.length > best.length || (w.length === best.length && w < best)))) { best = w; n = c }
  }
  return best
}
