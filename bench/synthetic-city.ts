// A large city's records and events, generated inside ClickHouse (INSERT … SELECT from numbers()):
// both platforms (2/3 12345 work orders, 1/3 110 incidents) over `days` up to `end`, received in
// order of number (with jitter), with their lifecycle events (about 5 a record: accept, dispatch,
// sign, reply, close; some returns and re-dispatches, transfers to the other platform). Texts come
// from a small pool with the occasional emergency or escalation wording; caller keys repeat. One
// record in 48 goes back to its first unit after the second returns it (A→B→A). Shared by
// bench:detect and bench:query.
import type { Db } from '../analytics/clickhouse'
import { CATEGORY_BY_CODE } from '../ingest/simulator/catalog'
import { REGIONS } from '../ingest/simulator/geo'

const DAY = 86_400_000

export function syntheticCity(db: Db, o: { records: number; days: number; end: number }) {
  const RECORDS = o.records, end = o.end
  const start = end - o.days * DAY
  const step = (o.days * DAY) / RECORDS // ms between records (uniform over the span; the hour of day is shaped below)
  const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  const arr = (xs: string[]) => `[${xs.map(q).join(', ')}]`
  const cats = [...CATEGORY_BY_CODE.values()]
  const cats12345 = cats.filter((c) => c.owner === '12345').map((c) => c.code)
  const cats110 = cats.filter((c) => c.owner === '110').map((c) => c.code)
  const counties = REGIONS.counties.map((c) => c.code)
  const texts = [
    '小区门口道路破损，希望尽快修复', '楼下饭店油烟扰民，晚上很吵', '工地夜间施工噪音大，影响休息', '小区停水一天了，什么时候恢复', '物业不作为，电梯经常坏',
    '公司拖欠工资三个月', '路灯不亮，晚上出行不便', '垃圾清运不及时，气味很大', '邻居家狗天天叫', '健身房预付卡无法退费', '孩子入学划片问题咨询',
    '房产证一直办不下来', '违章搭建影响采光', '占道经营堵塞交通', '暖气不热，室温很低', '下水道堵塞污水外溢', '出租车绕路多收费', '社保转移接续咨询',
    '反映多次没人管，再不解决就找媒体曝光', '家门口有人打架', '电动车被盗', '车辆被剐蹭对方逃逸',
  ]
  const rare = ['邻居站在楼顶说不想活了', '扬言要报复社会', '几十人在门口拉横幅', '闻到煤气泄漏的味道']

  /** Records [from, to) of the numbering: received in order of number (with jitter), ingested as given. */
  async function insertRecords(from: number, to: number, ingested: 'past' | 'now') {
    const rec = `toDateTime64(${start / 1000}, 3, 'Asia/Shanghai') + toIntervalMillisecond(toUInt64(number * ${step}) + cityHash64(number, 7) % ${Math.max(1, Math.round(step))})`
    for (let off = from; off < to; off += 500_000) {
      const n = Math.min(500_000, to - off)
      await db.command({ query: `INSERT INTO records (platform, source_id, version, ingested_at, channel, received_at, county_code, town_code, lat, lon,
          source_category, category_code, kind, urgency, title, content, caller_key, unit_code, due_at, status,
          accepted_at, dispatched_at, signed_at, first_response_at, arrived_at, replied_at, closed_at)
        SELECT p, sid, least(r + toIntervalHour(30), toDateTime64(${end / 1000}, 3, 'Asia/Shanghai')) AS version,
          ${ingested === 'now' ? 'now64(3)' : 'r + toIntervalMinute(2)'}, if(p = '110', 'phone', 'phone'), r, county, '', if(p = '110', 34.7 + (h % 1000) / 5000, NULL), if(p = '110', 113.6 + (h % 997) / 5000, NULL),
          cat, cat, if(p = '110', 'public_safety', 'complaint'), if(h % 100 = 0, 'emergency', 'normal'),
          txt, concat('来电人反映：', txt, '。'), caller, concat('ZZ-', county, if(p = '110', '-PCS01', '-JD001')), r + toIntervalDay(5),
          if(r + toIntervalHour(26) < toDateTime64(${end / 1000}, 3, 'Asia/Shanghai'), 'closed', 'handling'),
          r + toIntervalSecond(60), r + toIntervalSecond(1200), if(h % 50 = 0, NULL, r + toIntervalSecond(3600)), r + toIntervalSecond(7200),
          if(p = '110', r + toIntervalSecond(900), NULL),
          if(r + toIntervalHour(24) < toDateTime64(${end / 1000}, 3, 'Asia/Shanghai'), r + toIntervalHour(24), NULL),
          if(r + toIntervalHour(26) < toDateTime64(${end / 1000}, 3, 'Asia/Shanghai'), r + toIntervalHour(26), NULL)
        FROM (SELECT number, cityHash64(number) AS h, if(number % 3 = 2, '110', '12345') AS p,
                concat(if(p = '110', 'J', 'G'), '410100-', toString(number)) AS sid, ${rec} AS r,
                arrayElement(${arr(counties)}, 1 + cityHash64(number, 1) % ${counties.length}) AS county,
                if(p = '110', arrayElement(${arr(cats110)}, 1 + cityHash64(number, 2) % ${cats110.length}),
                              arrayElement(${arr(cats12345)}, 1 + cityHash64(number, 2) % ${cats12345.length})) AS cat,
                if(h % 500 = 0, arrayElement(${arr(rare)}, 1 + h % ${rare.length}), arrayElement(${arr(texts)}, 1 + cityHash64(number, 3) % ${texts.length})) AS txt,
                hex(cityHash64(cityHash64(number, 4) % ${Math.max(1, Math.round(RECORDS * 0.6))})) AS caller
              FROM numbers(${off}, ${n}))
        SETTINGS max_partitions_per_insert_block = 0` })
    }
  }

  /** Events of the records [from, to): accept, dispatch, sign, reply, close; returns and transfers for some. */
  async function insertEvents(from: number, to: number, ingested: 'past' | 'now') {
    for (let off = from; off < to; off += 250_000) {
      const n = Math.min(250_000, to - off)
      await db.command({ query: `INSERT INTO events (platform, event_id, record_id, type, at, from_platform, to_platform, from_unit, to_unit, counterpart_id, note, ingested_at)
        SELECT platform, concat(source_id, ':', e.1, ':', toString(e.3)), source_id, e.1, received_at + toIntervalSecond(e.2),
          if(e.1 = 'transfer', platform, ''), if(e.1 = 'transfer', if(platform = '12345', '110', '12345'), ''),
          if(e.1 IN ('returned', 'unit_transfer'), if(e.3 = 2, concat(unit_code, 'B'), unit_code), ''), if(e.1 IN ('dispatched', 'redispatched', 'signed'), if(e.3 = 2, concat(unit_code, 'B'), unit_code), ''),
          if(e.1 = 'transfer', concat(if(platform = '12345', 'J', 'G'), substring(source_id, 2), 'Z'), ''), '',
          ${ingested === 'now' ? 'now64(3)' : 'received_at + toIntervalSecond(e.2) + toIntervalMinute(1)'}
        FROM (SELECT platform, source_id, received_at, unit_code, cityHash64(source_id) AS h FROM records
              WHERE source_id IN (SELECT concat(if(number % 3 = 2, 'J', 'G'), '410100-', toString(number)) FROM numbers(${off}, ${n})))
        ARRAY JOIN arrayFilter(x -> x.2 >= 0 AND received_at + toIntervalSecond(x.2) < toDateTime64(${end / 1000}, 3, 'Asia/Shanghai'), [
          ('accepted', 60, 1), ('dispatched', 1200, 1),
          ('returned', if(h % 12 = 0, 2400, -1), 1), ('redispatched', if(h % 12 = 0, 3000, -1), 2),
          ('returned', if(h % 48 = 0, 3300, -1), 2), ('redispatched', if(h % 48 = 0, 3500, -1), 3),
          ('transfer', if(h % 25 = 1, 300, -1), 1),
          ('signed', if(h % 50 = 0, -1, 3600), 1), ('replied', 86400, 1), ('closed', 93600, 1)]) AS e
        SETTINGS max_partitions_per_insert_block = 0` })
    }
  }
  return { start, step, insertRecords, insertEvents }
}
