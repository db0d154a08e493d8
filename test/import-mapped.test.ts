// Mapped imports into real embedded ClickHouse: a mixed export whose bad rows are reported by line
// and field while the good ones are stored; the dry run writing nothing; every example mapping.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startTestApp, type TestApp } from './helpers/app'
import { workOrder, workOrderCsv, csvLine } from './helpers/import-fixtures'
import { queryRows } from '../analytics/clickhouse'
import { importMapped } from '../ingest/import-cli'
import { checkItems } from '../ingest/service'
import { loadMappingFile } from '../ingest/mapping/schema'

let app: TestApp
let dir: string
beforeAll(async () => {
  app = await startTestApp()
  dir = mkdtempSync(path.join(tmpdir(), 'linkage-mapped-'))
})
afterAll(async () => {
  await app?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const count = async (sql: string) => Number((await queryRows<{ n: number }>(app.db, sql))[0].n)
const sink = () => (kind: 'records' | 'events', items: Parameters<typeof checkItems>[1]) => app.ingest.ingestItems(kind, items.map((i) => () => i))
const fixedClock = () => { let t = Date.UTC(2019, 0, 1); return () => (t += 100) }

function mixedFile(): string {
  const rows = Array.from({ length: 20 }, (_, i) => workOrder(i))
  rows[3] = workOrder(3, { 受理时间: '2019/2/30 9:00:00' }) // no such day
  rows[7] = workOrder(7, { 所属区县: '火星区' }) // not in the value map
  rows[11] = [...workOrder(11), 'stray'] // one field too many
  rows[15] = workOrder(15, { 办结时间: '2019/3/1 8:00:00', 受理时间: '2019/3/16 9:15:05', 派单时间: '' }) // closed before received
  rows[18] = workOrder(18, { 工单状态: '已归档' }) // a status the map lacks
  const file = path.join(dir, 'mixed.csv')
  writeFileSync(file, workOrderCsv(rows))
  return file
}
// Every row spans three physical lines (its content holds two line breaks): row k starts on line 2 + 3k.
const lineOf = (k: number) => 2 + 3 * k

describe('mapped CSV import into ClickHouse', () => {
  it('dry run: reports what would be accepted and rejected, by reason, and writes nothing', async () => {
    const file = mixedFile()
    const mapping = await loadMappingFile('ingest/mappings/12345-work-orders.json')
    const out: string[] = []
    const before = await count(`SELECT count() AS n FROM records`) + await count(`SELECT count() AS n FROM quarantine`)
    const t = await importMapped(file, mapping, async (k, items) => checkItems(k, items, app.ingest.ref), { dryRun: true, out: (s) => out.push(s), now: fixedClock() })
    expect(t).toMatchObject({ accepted: 15, rejected: 5 })
    const text = out.join('\n')
    expect(text).toContain('15 would be accepted, 5 would be rejected')
    expect(text).toMatch(/rejected by reason:\n\s+1 × received_at: "…" \(column 受理时间\) is not a time/)
    expect(text).toContain('dry run: nothing was written.')
    expect(await count(`SELECT count() AS n FROM records`) + await count(`SELECT count() AS n FROM quarantine`)).toBe(before)
  })

  it('stores the good rows and reports each bad one by line, source id, field and column, keeping it in quarantine without personal data', async () => {
    const file = mixedFile()
    const mapping = await loadMappingFile('ingest/mappings/12345-work-orders.json')
    const out: string[] = []
    const t = await importMapped(file, mapping, sink(), { out: (s) => out.push(s), now: fixedClock() })
    expect(t).toMatchObject({ accepted: 15, rejected: 5 })
    expect(out).toContain(`line ${lineOf(3)} (WO-000003): rejected — received_at: "2019/2/30 9:00:00" (column 受理时间) is not a time in the formats YYYY/M/D[ H:mm[:ss]] | iso | excel (or not a real date)`)
    expect(out).toContain(`line ${lineOf(7)} (WO-000007): rejected — county_code: "火星区" (column 所属区县) is not in the mapping's value map for county_code (add it to "map", or set "unmapped")`)
    expect(out).toContain(`line ${lineOf(11)} (WO-000011): rejected — (line): CSV: the row has 17 fields, the header 16 (a stray delimiter, or a quote not closed?)`)
    expect(out).toContain(`line ${lineOf(15)} (WO-000015): rejected — closed_at (column 办结时间): closed_at is before received_at`)
    expect(out.find((l) => l.startsWith(`line ${lineOf(18)} `))).toMatch(/status: "已归档" \(column 工单状态\)/)
    expect(out.join('\n')).not.toMatch(/1381234\d{4}|张三/) // no caller number or name in the report

    const ids = await queryRows<{ source_id: string }>(app.db, `SELECT source_id FROM records FINAL WHERE source_id LIKE 'WO-%' ORDER BY source_id`)
    expect(ids.length).toBe(15)
    expect(ids.map((r) => r.source_id)).not.toContain('WO-000003')
    const [r] = await queryRows<Record<string, unknown>>(app.db, `SELECT * FROM records FINAL WHERE source_id = 'WO-000000'`)
    expect(r).toMatchObject({ platform: '12345', channel: 'web', county_code: '410105', kind: 'complaint', status: 'closed', category_code: 'PUB_STREETLIGHT', source_category: '路灯损坏', title: '小区门口路灯不亮' })
    expect(r.content).toBe('小区门口路灯连续三天不亮，\n请尽快维修。联系电话138****0000')
    expect(r.caller_key).toMatch(/^[0-9a-f]{32}$/)
    expect(String(r.received_at)).toMatch(/^2019-03-01 09:00:05/) // Asia/Shanghai wall time as exported

    const q = await queryRows<{ line: number; source_key: string; errors: string; raw: string }>(app.db, `SELECT line, source_key, errors, raw FROM quarantine WHERE source_key LIKE 'WO-%' ORDER BY line`)
    expect(q.map((x) => x.line)).toEqual([3, 7, 11, 15, 18].map(lineOf))
    expect(JSON.parse(q[0].errors)[0].field).toBe('received_at')
    expect(JSON.parse(q[1].raw)['所属区县']).toBe('火星区')
    for (const x of q) expect(x.raw).not.toMatch(/1381234\d{4}|张三/)
  })

  it('imports the 110 example: Excel serial times, offsets and the source zone', async () => {
    const mapping = await loadMappingFile('ingest/mappings/110-incidents.json')
    const header = ['警情编号', '报警方式', '报警时间', '报警电话', '报警人', '管辖单位', '警情类别', '简要警情', '警情详情', '处警状态', '派警时间', '到场时间', '结警时间']
    const rows = [
      ['J-1', '电话报警', '43524.475752315', '13900001111', '李四', '金水分局', '群众求助', '老人走失', '一位老人在公园走失', '已结警', '43524.48', '43524.49', '43524.5'],
      ['J-2', '网络报警', '2019-02-28T11:25:05+08:00', '', '', '中原分局', '纠纷', '邻里纠纷', '', '已结警', '', '2019-02-28T11:40:00+08:00', '2019-02-28T12:00:00+08:00'],
      ['J-3', '电话报警', '2019/2/28 11:25', '', '', '二七分局', '交通事故', '两车刮擦', '', '已接警', '', '', ''],
    ]
    const file = path.join(dir, 'jq.csv')
    writeFileSync(file, [header, ...rows].map(csvLine).join('\n'))
    const out: string[] = []
    const t = await importMapped(file, mapping, sink(), { out: (s) => out.push(s), now: fixedClock() })
    expect(out.filter((l) => l.startsWith('line '))).toEqual([])
    expect(t).toMatchObject({ accepted: 3, rejected: 0 })
    const got = await queryRows<{ id: string; at: string; arr: string }>(app.db,
      `SELECT source_id AS id, toString(received_at) AS at, toString(arrived_at) AS arr FROM records FINAL WHERE platform = '110' AND source_id LIKE 'J-%' ORDER BY id`)
    expect(got).toEqual([
      { id: 'J-1', at: '2019-02-28 11:25:05.000', arr: '2019-02-28 11:45:36.000' },
      { id: 'J-2', at: '2019-02-28 11:25:05.000', arr: '2019-02-28 11:40:00.000' },
      { id: 'J-3', at: '2019-02-28 11:25:00.000', arr: null },
    ])
  })

  it('imports the online-message example (multi-line bodies with leading newlines and tabs)', async () => {
    const mapping = await loadMappingFile('ingest/mappings/teddy-online-messages.json')
    const body = '\ufeff留言编号,留言用户,留言主题,留言时间,留言详情,一级分类,留言时间_iso\n' +
      '101,U0001,路灯不亮,2020/1/6 12:09:38,"\n\t\t\t\t\t\n\t\t\t\t\t某路段路灯不亮，晚上很黑。\n\t\t\t\t\t\n\t\t\t\t",城乡建设,2020-01-06T12:09:38\n' +
      '102,U0002,噪音扰民,,"　夜间施工噪音",环境保护,2020-01-07T08:00:00\n'
    const file = path.join(dir, 'msgs.csv')
    writeFileSync(file, body)
    const t = await importMapped(file, mapping, sink(), { out: () => {}, now: fixedClock() })
    expect(t).toMatchObject({ accepted: 2, rejected: 0 })
    const rows = await queryRows<{ source_id: string; content: string; at: string }>(app.db,
      `SELECT source_id, content, toString(received_at) AS at FROM records FINAL WHERE source_id LIKE 'WEB-%' ORDER BY source_id`)
    expect(rows).toEqual([
      { source_id: 'WEB-101', content: '某路段路灯不亮，晚上很黑。', at: '2020-01-06 12:09:38.000' },
      // The first time column is empty: the second one is taken.
      { source_id: 'WEB-102', content: '夜间施工噪音', at: '2020-01-07 08:00:00.000' },
    ])
  })
})

describe('POST /api/ingest/records?mapping=NAME', () => {
  const postCsv = (q: string, body: string, type = 'text/csv') =>
    fetch(`${app.url}/api/ingest/records${q}`, { method: 'POST', headers: { 'content-type': type }, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }))

  it('takes text/csv through a mapping from the configured folder, answering each row by its line', async () => {
    const rows = [workOrder(900), workOrder(901, { 所属区县: '火星区' }), workOrder(902)]
    const dry = await postCsv('?mapping=12345-work-orders&dry_run=true', workOrderCsv(rows))
    expect(dry.status).toBe(200)
    expect(dry.body).toMatchObject({ dry_run: true, accepted: 2, rejected: 1 })
    expect(await count(`SELECT count() AS n FROM records WHERE source_id IN ('WO-000900', 'WO-000902')`)).toBe(0)

    const res = await postCsv('?mapping=12345-work-orders', workOrderCsv(rows))
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ accepted: 2, rejected: 1 })
    expect(res.body.results.map((r: any) => [r.line, r.id, r.status])).toEqual([[2, 'WO-000900', 'accepted'], [5, 'WO-000901', 'rejected'], [8, 'WO-000902', 'accepted']])
    expect(res.body.results[1].errors[0]).toMatchObject({ field: 'county_code', reason: expect.stringContaining('"火星区" (column 所属区县)') })
    expect(await count(`SELECT count() AS n FROM records FINAL WHERE source_id IN ('WO-000900', 'WO-000902')`)).toBe(2)
    expect(await count(`SELECT count() AS n FROM quarantine WHERE source_key = 'WO-000901' AND request_id = '${res.body.request_id}'`)).toBe(1)
  })

  it('answers CSV without a mapping, unknown or unfit mappings and unsafe names with a clear error', async () => {
    const csv = workOrderCsv([workOrder(910)])
    const noMap = await postCsv('', csv)
    expect(noMap.status).toBe(415)
    expect(noMap.body.error).toMatch(/text\/csv with \?mapping=NAME/)
    const asNdjson = await postCsv('', csv, 'application/x-ndjson')
    expect(asNdjson.status).toBe(415)
    expect(asNdjson.body.error).toMatch(/^the body looks like CSV.*\?mapping=NAME.*--mapping/)
    const unknown = await postCsv('?mapping=nope', csv)
    expect(unknown.status).toBe(400)
    expect(unknown.body.error).toMatch(/no mapping named "nope"; available: 110-incidents, 12345-work-orders, teddy-online-messages/)
    expect((await postCsv('?mapping=..%2F..%2Fpackage', csv)).body.error).toMatch(/not a plain name/)
    const unfit = await postCsv('?mapping=110-incidents', csv)
    expect(unfit.status).toBe(400)
    expect(unfit.body.error).toMatch(/columns the file does not have: 警情编号 \(for source_id\)/)
    expect((await postCsv('?mapping=12345-work-orders', '')).status).toBe(400)
    // A dry run of plain NDJSON, too.
    const nd = await postCsv('?dry_run=true', '{"source_id": "X-DRY"}', 'application/x-ndjson')
    expect(nd.status).toBe(200)
    expect(nd.body).toMatchObject({ dry_run: true, accepted: 0, rejected: 1 })
    expect(await count(`SELECT count() AS n FROM quarantine WHERE source_key = 'X-DRY'`)).toBe(0)
    expect((await postCsv('?mapping=12345-work-orders', csv, 'text/plain')).status).toBe(415)
    expect(await count(`SELECT count() AS n FROM records WHERE source_id = 'WO-000910'`)).toBe(0)
  })
})

describe('import CLI with a mapping, through a running server', () => {
  it('sends the mapped rows to the server and reports every rejection by its line in the file', async () => {
    const { execFile } = await import('node:child_process')
    const { promisify } = await import('node:util')
    const rows = [workOrder(950), workOrder(951, { 受理时间: '2019/2/29 9:00' }), workOrder(952, { 办结时间: '2019/2/1 9:00:00', 派单时间: '' })]
    const file = path.join(dir, 'via-server.csv')
    writeFileSync(file, workOrderCsv(rows))
    // Not spawnSync: the server answering the CLI runs in this very process. Exit 1: rows were rejected.
    const r = await promisify(execFile)('npx', ['tsx', 'ingest/import-cli.ts', file, '--mapping', 'ingest/mappings/12345-work-orders.json', '--url', app.url],
      { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' }, timeout: 60_000 }).catch((e) => e as { stdout: string; code: number })
    expect(r.stdout).toContain(`sending to the running server at ${app.url}`)
    expect(r.stdout).toContain(`line 5 (WO-000951): rejected — received_at: "2019/2/29 9:00" (column 受理时间)`)
    expect(r.stdout).toContain(`line 8 (WO-000952): rejected — closed_at (column 办结时间): closed_at is before received_at`)
    expect(r.stdout).toContain('1 accepted, 2 rejected')
    expect(await count(`SELECT count() AS n FROM records FINAL WHERE source_id = 'WO-000950'`)).toBe(1)
  }, 60_000)
})

describe('mapped events', () => {
  it('imports an events export (NDJSON of its own keys) into the events table', async () => {
    const mapping = (await import('../ingest/mapping/schema')).parseMapping({
      kind: 'events', format: 'ndjson', timezone: '+08:00',
      fields: {
        event_id: 'eid', platform: { const: '12345' }, record_id: 'order', at: { column: 'when', formats: ['YYYY/M/D H:mm:ss'] },
        type: { column: 'action', map: { 转110: 'transfer', 催办: 'urged' } },
        from_platform: { column: 'action', map: { 转110: '12345' }, unmapped: 'default', default: null },
        to_platform: { column: 'action', map: { 转110: '110' }, unmapped: 'default', default: null },
        counterpart_id: 'other',
      },
    })
    const file = path.join(dir, 'events.jsonl')
    writeFileSync(file, [
      { eid: 'EV-M-1', order: 'WO-000001', when: '2019/3/2 10:00:00', action: '转110', other: 'J-9' },
      { eid: 'EV-M-2', order: 'WO-000001', when: '2019/3/2 11:00:00', action: '催办' },
      { eid: 'EV-M-3', order: 'WO-000001', when: '2019/3/2 12:00:00', action: '表扬' },
    ].map((e) => JSON.stringify(e)).join('\n'))
    const out: string[] = []
    const t = await importMapped(file, mapping, sink(), { out: (s) => out.push(s), now: fixedClock() })
    expect(t).toMatchObject({ accepted: 2, rejected: 1 })
    expect(out).toContain(`line 3 (EV-M-3): rejected — type: "表扬" (column action) is not in the mapping's value map for type (add it to "map", or set "unmapped")`)
    const rows = await queryRows<{ event_id: string; type: string; to_platform: string; at: string }>(app.db,
      `SELECT event_id, type, to_platform, toString(at) AS at FROM events FINAL WHERE event_id LIKE 'EV-M-%' ORDER BY event_id`)
    expect(rows).toEqual([
      { event_id: 'EV-M-1', type: 'transfer', to_platform: '110', at: '2019-03-02 10:00:00.000' },
      { event_id: 'EV-M-2', type: 'urged', to_platform: '', at: '2019-03-02 11:00:00.000' },
    ])
  })
})
