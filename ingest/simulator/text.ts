// Filling the catalogue's templates with places that exist in Zhengzhou: the county and
// street/town names come from the division list; roads are well-known ones per district (for
// the outer counties, the road-named streets of the division list plus common road names).
import type { Platform } from '../../model/record'
import type { County, Town } from './geo'
import type { Rng } from './random'

const ROADS: Record<string, string[]> = {
  '410102': ['中原路', '建设路', '桐柏路', '秦岭路', '棉纺路', '伏牛路', '化工路', '互助路', '工人路', '华山路'],
  '410103': ['大学路', '京广路', '嵩山路', '兴华街', '长江路', '一马路', '大同路', '航海中路', '政通路', '淮河路'],
  '410104': ['紫荆山路', '城东路', '商城路', '航海东路', '陇海路', '东大街', '南关街', '未来路', '港湾路'],
  '410105': ['花园路', '文化路', '经三路', '农业路', '东风路', '金水路', '北环路', '丰产路', '未来路', '纬五路', '黄河路', '国基路'],
  '410106': ['中心路', '济源路', '新安路', '工业路', '登封路'],
  '410108': ['江山路', '天河路', '开元路', '长兴路', '英才街', '文化北路'],
  '410122': ['青年路', '万胜路', '商都大道', '广惠街', '东风路'],
  '410171': ['经开第八大街', '经开第三大街', '航海东路', '经北一路', '朝凤路', '经南五路'],
  '410172': ['科学大道', '长椿路', '莲花街', '翠竹街', '西四环', '瑞达路'],
  '410173': ['新港大道', '郑港四路', '迎宾大道', '四港联动大道', '航海路'],
  '410181': ['杜甫路', '新华路', '永安路', '紫荆路', '嵩山路'],
  '410182': ['索河路', '京城路', '中原路', '荥泽大道'],
  '410183': ['青屏大街', '新华路', '西大街', '开阳路'],
  '410184': ['新建路', '新华路', '轩辕路', '中华北路', '人民路'],
  '410185': ['少林大道', '嵩阳路', '中岳大街', '书院河路'],
}
const COMMON_ROADS = ['人民路', '建设路', '文化路', '解放路', '新华路', '工业路']
const COMMUNITY_STEMS = ['幸福', '阳光', '锦绣', '康宁', '和平', '翠园', '金桂', '书香', '滨河', '紫荆', '丽景', '福华', '铁路', '纺织', '煤炭', '电力', '园丁', '银杏', '盛世', '怡心']
const COMMUNITY_SUFFIX = ['小区', '家园', '花园', '家属院', '苑', '新村', '社区', '公寓']
const SHOPS = ['超市', '烧烤店', '火锅店', '健身房', '美容店', '理发店', '培训机构', '手机店', '家具城', '汽修店', '洗车店', '奶茶店', '药店', '便利店', '餐馆', '足浴店', '网吧']
const COMPANY_STEMS = ['恒达', '中鼎', '鑫源', '华建', '宏远', '博翔', '金盛', '正和', '宇通', '新航']
const COMPANY_KIND = ['建筑工程有限公司', '物业服务有限公司', '商贸有限公司', '劳务有限公司', '置业有限公司', '科技有限公司']
const TIMES = ['最近几天', '这一周', '连续多日', '今天上午', '昨天晚上', '每天夜里', '近一个月', '今天下午', '周末', '前天']

export function roadsOf(county: County, _town: Town | null): string[] {
  const own = ROADS[county.code]
  if (own) return own
  const fromTowns = county.towns.filter((t) => /路街道$/.test(t.name)).map((t) => t.name.replace(/街道$/, ''))
  return fromTowns.length ? [...fromTowns, ...COMMON_ROADS] : COMMON_ROADS
}

export interface FillContext {
  county: County
  town: Town | null
}

/** Fill {placeholders}; every name used in a record is chosen once so title and content agree. */
export function makeFiller(rng: Rng, ctx: FillContext): (template: string) => string {
  const roads = roadsOf(ctx.county, ctx.town)
  const road = rng.pick(roads)
  const others = roads.filter((r) => r !== road)
  const road2 = others.length ? rng.pick(others) : COMMON_ROADS.find((r) => r !== road)!
  const community = rng.pick(COMMUNITY_STEMS) + rng.pick(COMMUNITY_SUFFIX)
  const shop = rng.pick(SHOPS)
  const company = `郑州${rng.pick(COMPANY_STEMS)}${rng.pick(COMPANY_KIND)}`
  const n = String(rng.int(2, 9))
  const money = String(rng.pick([280, 500, 800, 1200, 1680, 2600, 3500, 4800, 6000, 8500, 12000, 23000, 46000]))
  const place = rng.pick([`${road}与${road2}交叉口`, `${road}${rng.int(1, 300)}号附近`, `${community}门口`, `${road}${community}旁`])
  const values: Record<string, string> = {
    district: ctx.county.name,
    street: ctx.town?.name ?? '',
    road,
    road2,
    community,
    place,
    shop,
    company,
    time: rng.pick(TIMES),
    n,
    money,
  }
  return (t) => t.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m)
}

/** The opening that an operator or a police desk writes before the caller's words. */
export function contentPrefix(platform: Platform, channel: string, body: string): string {
  if (platform === '110') return body.startsWith('报警人称') ? body : '报警人称：' + body
  const b = body.replace(/^报警人称/, '来电人称')
  if (b.startsWith('来电人称')) return b
  return (channel === 'phone' ? '来电人反映：' : '网民留言反映：') + b
}
