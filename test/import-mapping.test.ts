// Mapping pieces without storage: time formats and zones, value maps, text cleanup, the schema's errors.
import { describe, it, expect } from 'vitest'
import { parseTime, TimeZone, DEFAULT_FORMATS, compileFormat } from '../ingest/mapping/time'
import { RowMapper, cleanText } from '../ingest/mapping/mapper'
import { parseMapping, MappingError } from '../ingest/mapping/schema'
import { mappedItems } from '../ingest/mapping/source'
import { looksLikeCsv } from '../ingest/parse'

const SH = TimeZone.of('Asia/Shanghai')
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString())

describe('time formats', () => {
  it('reads the default formats as Asia/Shanghai wall time unless the value has an offset', () => {
    expect(iso(parseTime('2019/2/28 11:25:05', DEFAULT_FORMATS, SH))).toBe('2019-02-28T03:25:05.000Z')
    expect(iso(parseTime('2019/2/28 9:05', DEFAULT_FORMATS, SH))).toBe('2019-02-28T01:05:00.000Z')
    expect(iso(parseTime('2019-02-28T11:25:05+08:00', DEFAULT_FORMATS, SH))).toBe('2019-02-28T03:25:05.000Z')
    expect(iso(parseTime('2019-02-28T11:25:05.123Z', DEFAULT_FORMATS, SH))).toBe('2019-02-28T11:25:05.123Z')
    expect(iso(parseTime('2019-02-28 11:25:05', DEFAULT_FORMATS, SH))).toBe('2019-02-28T03:25:05.000Z')
    expect(iso(parseTime('2019年2月28日 11:25', DEFAULT_FORMATS, SH))).toBe('2019-02-28T03:25:00.000Z')
  })

  it('reads date-only values as midnight in the source zone', () => {
    expect(iso(parseTime('2019-04-25', DEFAULT_FORMATS, SH))).toBe('2019-04-24T16:00:00.000Z')
    expect(iso(parseTime('2019/4/25', DEFAULT_FORMATS, SH))).toBe('2019-04-24T16:00:00.000Z')
  })

  it('reads US MM/DD/YYYY hh:mm:ss AM/PM, 12 AM being midnight and 12 PM noon', () => {
    const us = ['MM/DD/YYYY hh:mm:ss A']
    const utc = TimeZone.of('+00:00')
    expect(iso(parseTime('01/01/2019 06:08:26 PM', us, utc))).toBe('2019-01-01T18:08:26.000Z')
    expect(iso(parseTime('01/01/2019 12:08:26 AM', us, utc))).toBe('2019-01-01T00:08:26.000Z')
    expect(iso(parseTime('01/01/2019 12:08:26 PM', us, utc))).toBe('2019-01-01T12:08:26.000Z')
    expect(parseTime('01/01/2019 13:08:26 PM', us, utc)).toBeNull()
    expect(iso(parseTime('2019/1/1 下午6:08', ['YYYY/M/D Ah:mm'], SH))).toBe('2019-01-01T10:08:00.000Z')
  })

  it('reads Excel serial days (1900 system), with fractions as the time of day', () => {
    const utc = TimeZone.of('UTC')
    expect(iso(parseTime('43524', ['excel'], utc))).toBe('2019-02-28T00:00:00.000Z')
    expect(iso(parseTime('43524.475752315', ['excel'], utc))).toBe('2019-02-28T11:25:05.000Z')
    expect(iso(parseTime('43524.475752315', ['excel'], SH))).toBe('2019-02-28T03:25:05.000Z')
    expect(parseTime('12', ['excel'], utc)).toBeNull() // before March 1900: Lotus' phantom leap day
    expect(parseTime('abc', ['excel'], utc)).toBeNull()
  })

  it('applies IANA zones with daylight saving time and fixed offsets to values without an offset', () => {
    const ny = TimeZone.of('America/New_York')
    expect(iso(parseTime('2019-01-15 09:00:00', DEFAULT_FORMATS, ny))).toBe('2019-01-15T14:00:00.000Z') // EST
    expect(iso(parseTime('2019-07-15 09:00:00', DEFAULT_FORMATS, ny))).toBe('2019-07-15T13:00:00.000Z') // EDT
    // The skipped spring hour is shifted forward; the repeated autumn hour is the earlier one.
    expect(iso(parseTime('2019-03-10 02:30:00', DEFAULT_FORMATS, ny))).toBe('2019-03-10T07:30:00.000Z')
    expect(iso(parseTime('2019-11-03 01:30:00', DEFAULT_FORMATS, ny))).toBe('2019-11-03T05:30:00.000Z')
    expect(iso(parseTime('2019-07-15 09:00:00', DEFAULT_FORMATS, TimeZone.of('-05:00')))).toBe('2019-07-15T14:00:00.000Z')
    expect(iso(parseTime('2019-07-15 09:00:00', DEFAULT_FORMATS, TimeZone.of('+0530')))).toBe('2019-07-15T03:30:00.000Z')
    // An explicit offset wins over the zone.
    expect(iso(parseTime('2019-07-15T09:00:00+08:00', DEFAULT_FORMATS, ny))).toBe('2019-07-15T01:00:00.000Z')
    expect(() => TimeZone.of('Mars/Olympus')).toThrow(/unknown time zone/)
  })

  it('refuses impossible dates and times instead of rolling them over', () => {
    for (const s of ['2019/2/29 10:00:00', '2019/13/1', '2019-02-30', '2019/2/28 24:00:00', '2019/2/28 11:60', 'yesterday', ''])
      expect(parseTime(s, DEFAULT_FORMATS, SH), s).toBeNull()
    expect(iso(parseTime('2020/2/29', DEFAULT_FORMATS, SH))).toBe('2020-02-28T16:00:00.000Z')
    expect(() => compileFormat('HH:mm')).toThrow(/needs YYYY/)
    expect(() => compileFormat('YYYY-M-D[ H')).toThrow(/unbalanced/)
  })
})

const base = {
  fields: {
    platform: { const: '12345' }, channel: { const: 'web' }, source_id: '编号', received_at: '受理时间',
    county_code: { column: '区县', map: { 金水区: '410105', 中原区: '410102' } },
    kind: { const: 'complaint' },
    status: { column: '状态', map: { 已办结: 'closed', 办理中: 'handling' }, unmapped: 'default', default: 'received' },
    content: '内容', title: '标题', caller_phone: '来电号码', closed_at: '办结时间',
  },
}
const header = ['编号', '受理时间', '区县', '状态', '内容', '标题', '来电号码', '办结时间']

describe('row mapper', () => {
  it('maps columns, constants and value maps, cleans text and derives updated_at from the latest time', () => {
    const m = new RowMapper(parseMapping(base), header)
    const r = m.map({ kind: 'csv', fields: ['G-1', '2019/2/28 11:25:05', '　金水区 ', '已办结', '\n\t\t\t小区路灯不亮。\n\t\t\t\n\t\t请维修\u3000谢谢', '\t路灯\u3000不亮\n', '13812345678', '2019/3/1 9:00:00'] })
    expect(r.errors).toEqual([])
    expect(r.id).toBe('G-1')
    expect(r.value).toEqual({
      platform: '12345', channel: 'web', source_id: 'G-1', received_at: '2019-02-28T03:25:05.000Z', county_code: '410105',
      kind: 'complaint', status: 'closed', content: '小区路灯不亮。\n请维修 谢谢', title: '路灯 不亮', caller_phone: '13812345678',
      closed_at: '2019-03-01T01:00:00.000Z', updated_at: '2019-03-01T01:00:00.000Z',
    })
    // An unmapped status falls back to the default; an unmapped district is an error naming field, column and value.
    const bad = m.map({ kind: 'csv', fields: ['G-2', '2019/2/30 10:00', '火星区', '新状态', '', '', '', ''] })
    expect(bad.value.status).toBe('received')
    expect(bad.errors).toEqual([
      { field: 'received_at', reason: expect.stringMatching(/^"2019\/2\/30 10:00" \(column 受理时间\) is not a time in the formats/) },
      { field: 'county_code', reason: expect.stringMatching(/^"火星区" \(column 区县\) is not in the mapping's value map for county_code/) },
    ])
  })

  it('never quotes personal data in an error, and withholds personal columns from the quarantined text', () => {
    const m = new RowMapper(parseMapping({ ...base, fields: { ...base.fields, caller_phone: { column: '来电号码', map: { x: 'y' } } }, personal_columns: ['姓名'] }), [...header, '姓名'])
    const row = { kind: 'csv' as const, fields: ['G-3', '2019/2/28 11:25:05', '金水区', '已办结', '', '', '13812345678', '', '张三'] }
    const r = m.map(row)
    expect(JSON.stringify(r.errors)).not.toContain('13812345678')
    expect(r.errors[0].reason).toMatch(/value withheld/)
    const raw = m.rawOf(row)
    expect(raw).not.toContain('13812345678')
    expect(raw).not.toContain('张三')
    expect(JSON.parse(raw)['编号']).toBe('G-3')
  })

  it('refuses a mapping naming columns the file lacks, and a bad mapping with every problem by path', () => {
    expect(() => new RowMapper(parseMapping(base), ['编号', '受理时间'])).toThrow(/columns the file does not have: 区县 \(for county_code\)/)
    let msg = ''
    try { parseMapping({ timezone: 'Nowhere/City', fields: { source_id: 'a', bogus: 'b', received_at: { column: 'x', const: 'y' } } }) } catch (e) { msg = (e as MappingError).message }
    expect(msg).toMatch(/fields\.bogus: unknown record field bogus/)
    expect(msg).toMatch(/fields\.received_at: give exactly one of column, columns or const/)
    expect(msg).toMatch(/fields\.platform: platform is required/)
    expect(msg).toMatch(/timezone: unknown time zone "Nowhere\/City"/)
  })

  it('reads NDJSON through a mapping, by keys and dotted paths, with numbers as they are', async () => {
    const mapping = parseMapping({
      fields: { ...base.fields, source_id: 'id', received_at: { column: 'opened', formats: ['excel'] }, county_code: { const: '410105' }, status: { const: 'received' },
        content: 'detail.text', title: 'subject', caller_phone: 'phone', closed_at: 'closed', lat: 'pos.lat', lon: 'pos.lon' },
    })
    const lines = [
      JSON.stringify({ id: 'N-1', opened: 43524.5, detail: { text: '  text ' }, subject: 't', pos: { lat: 34.75, lon: 113.62 } }),
      '{broken',
      JSON.stringify({ id: 'N-2', opened: 'soon', pos: { lat: 'north', lon: 113.6 } }),
    ]
    const items = []
    for await (const it of mappedItems([lines.join('\r\n')], mapping, 'ndjson')) items.push(it)
    expect(items[0]).toMatchObject({ line: 1, id: 'N-1', value: { received_at: '2019-02-28T04:00:00.000Z', content: 'text', lat: 34.75, lon: 113.62 } })
    expect(items[0].errors).toBeUndefined()
    expect(items[1]).toMatchObject({ line: 2, errors: [{ field: '(line)', reason: expect.stringMatching(/malformed JSON/) }] })
    expect(items[2].errors!.map((e) => e.field)).toEqual(['received_at', 'lat'])
  })

  it('cleans text: leading newlines and tabs, full-width spaces', () => {
    expect(cleanText('\n\n\t\t　标题　内容 ', 'line')).toBe('标题 内容')
    expect(cleanText('\r\n\t第一行\t\r\n\r\n\t　第二行', 'text')).toBe('第一行\n第二行')
    expect(cleanText(' as is\t', 'none')).toBe(' as is\t')
  })

  it('tells CSV sent as NDJSON from broken JSON', () => {
    expect(looksLikeCsv('留言编号,留言主题,留言时间\n1,"路灯",2020/1/6 12:09:38\n')).toBe(true)
    expect(looksLikeCsv('\ufeffid\tname\n1\tx')).toBe(true)
    expect(looksLikeCsv('{"a": 1}\n{"a": 2}')).toBe(false)
    expect(looksLikeCsv('not json at all')).toBe(false)
  })
})

describe('mapping folder', () => {
  it('loads NAME.json or NAME.yaml from its folder, re-reads a changed file, and refuses names that are not plain', async () => {
    const { mkdtempSync, writeFileSync, rmSync, utimesSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const path = await import('node:path')
    const { MappingStore } = await import('../ingest/mapping/store')
    const dir = mkdtempSync(path.join(tmpdir(), 'linkage-maps-'))
    writeFileSync(path.join(dir, 'a.json'), JSON.stringify(base))
    writeFileSync(path.join(dir, 'b.yaml'), 'timezone: America/New_York\nfields:\n  platform: { const: "110" }\n  channel: { const: phone }\n  source_id: id\n  received_at: { column: t, formats: ["MM/DD/YYYY hh:mm:ss A"] }\n  county_code: { const: "410105" }\n  kind: { const: assistance }\n  status: { const: received }\n')
    const store = new MappingStore(dir)
    expect(store.names()).toEqual(['a', 'b'])
    expect((await store.get('a')).fields.source_id).toMatchObject({ column: '编号' })
    const b = await store.get('b')
    expect(b.timezone).toBe('America/New_York')
    const m = new RowMapper(b, ['id', 't']).map({ kind: 'csv', fields: ['X-1', '01/01/2019 06:08:26 PM'] })
    expect(m.value.received_at).toBe('2019-01-01T23:08:26.000Z')
    writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ ...base, timezone: '+00:00' }))
    utimesSync(path.join(dir, 'a.json'), new Date(Date.UTC(2030, 0, 1)), new Date(Date.UTC(2030, 0, 1)))
    expect((await store.get('a')).timezone).toBe('+00:00')
    await expect(store.get('../a')).rejects.toThrow(/not a plain name/)
    await expect(store.get('c')).rejects.toThrow(/no mapping named "c"; available: a, b/)
    writeFileSync(path.join(dir, 'bad.json'), '{"fields": {}, "kind": "calls"}')
    await expect(store.get('bad')).rejects.toThrow(/bad.json is not a valid mapping:\n  kind:/)
    rmSync(dir, { recursive: true, force: true })
  })
})

describe('progress line', () => {
  it('shows rows, share of the file, rate and ETA from an injected clock', async () => {
    const { progressLine } = await import('../ingest/mapping/report')
    expect(progressLine(500, 100, 1000, 200)).toBe('500 rows · 10%')
    expect(progressLine(20_000, 250_000, 1_000_000, 4000)).toBe('20,000 rows · 25% · 5,000 rows/s · ETA 0:12')
    expect(progressLine(90_000, 1_000_000, 1_000_000, 75_000)).toBe('90,000 rows · 100% · 1,200 rows/s')
  })
})

describe('mapped sources, edge cases', () => {
  const collect = async (text: string, format: 'csv' | 'ndjson' = 'csv') => {
    const out = []
    for await (const it of mappedItems([text], parseMapping(base), format)) out.push(it)
    return out
  }
  it('refuses an empty CSV or one of blank lines (no header), and takes a header alone as no rows', async () => {
    await expect(collect('')).rejects.toThrow(/the file is empty: a CSV needs a header line/)
    await expect(collect('\ufeff\r\n\r\n')).rejects.toThrow(/the file is empty/)
    expect(await collect(header.join(',') + '\r\n')).toEqual([])
    expect(await collect('', 'ndjson')).toEqual([])
  })
  it('rejects ragged rows and rows with an unclosed quote by line, keeping the rows after them', async () => {
    const good = ['G-1', '2019/2/28 11:25:05', '金水区', '已办结', 'x', 't', '', '']
    const text = [header, good, ['G-2', 'short'], [...good.slice(0, 7), '', '', ''], good.map((f, i) => (i === 0 ? 'G-4' : f))].map((r) => r.join(',')).join('\n') + '\nG-5,"never closed\n'
    const items = await collect(text)
    expect(items.map((i) => [i.line, i.id, i.errors?.[0]?.reason ?? 'ok'])).toEqual([
      [2, 'G-1', 'ok'],
      [3, 'G-2', 'CSV: the row has 2 fields, the header 8 (a stray delimiter, or a quote not closed?)'],
      [4, 'G-1', 'ok'], // two trailing empty fields: a delimiter at the end of the line, tolerated
      [5, 'G-4', 'ok'],
      [6, null, expect.stringMatching(/^CSV: a quoted field opened on line 6 is never closed/)],
    ])
  })
})

describe('import report', () => {
  it('masks a phone or ID number that reaches a printed reason through a column not declared personal', async () => {
    const { ImportReport } = await import('../ingest/mapping/report')
    const lines: string[] = []
    const rep = new ImportReport((s) => lines.push(s), () => ['区县'])
    rep.add({ accepted: 0, rejected: 1, results: [{ line: 7, id: 'G-7', status: 'rejected', errors: [{ field: 'county_code', reason: '"13812345678 410105199001011234" (column 区县) is not in the mapping\'s value map for county_code' }] }] })
    expect(lines[0]).toMatch(/^line 7 \(G-7\): rejected — county_code: "138\*\*\*\*5678 410105\*{12}" \(column 区县\)/)
    expect(rep.summary()[0]).toMatch(/1 × county_code: "…" \(column 区县\) is not in the mapping's value map/)
  })
})
