// README promises that had no test: unknown categories rejected; timestamp parsing (no offset means
// Shanghai, `Z` near midnight, impossible dates, far past and future); `[from, to)` window edges;
// non-default response limits; log redaction; 503 with Retry-After when storage cannot take the rows.
// Everything through HTTP against a real app (embedded ClickHouse); ClickHouse is read directly
// only to see what was stored. Dates come from the test clock (testNow()), never from today.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { startTestApp, post, postRaw, getJson, ndjson, captureLog, type TestApp } from './helpers/app'
import { record, at, shanghaiDate, testNow } from './helpers/fixtures'
import { queryRows } from '../analytics/clickhouse'
import type { RecordInput } from '../model/record'

const categories = JSON.parse(readFileSync(new URL('../ingest/refdata/categories.v1.json', import.meta.url), 'utf8'))
const AS_OF = new Date(testNow()).toISOString()
const q = encodeURIComponent

// Days of their own, so the checks below do not see each other's records.
const T = shanghaiDate(-12), T_PREV = shanghaiDate(-13), T_NEXT = shanghaiDate(-11) // timestamps
const W = shanghaiDate(-20), W_PREV = shanghaiDate(-21), W_NEXT = shanghaiDate(-19) // window edges
const R = shanghaiDate(-16) // response limits
const M = shanghaiDate(-25) // everything else

/** A record received (and last updated) at exactly `ts`, as written. */
const recAt = (source_id: string, ts: string, over: Partial<RecordInput> = {}) => record({ source_id, received_at: ts, updated_at: ts, ...over })

async function stored(app: TestApp, ids: string[]): Promise<Map<string, { ms: number; day: string }>> {
  const rows = await queryRows<{ source_id: string; ms: number; day: string }>(app.db,
    `SELECT source_id, toUnixTimestamp64Milli(received_at) AS ms, toString(toDate(received_at)) AS day
     FROM records FINAL WHERE source_id IN {ids:Array(String)}`, { ids })
  return new Map(rows.map((r) => [r.source_id, { ms: Number(r.ms), day: r.day }]))
}

async function exportedIds(app: TestApp, from: string, to: string): Promise<string[]> {
  const res = await fetch(`${app.url}/api/export/records?from=${q(from)}&to=${q(to)}`)
  expect(res.status, `${from} … ${to}`).toBe(200)
  const text = (await res.text()).trim()
  return text ? text.split('\n').map((l) => JSON.parse(l).source_id).sort() : []
}

async function volume(app: TestApp, from: string, to: string): Promise<number> {
  const r = await getJson(app, `/api/metrics/overview?from=${q(from)}&to=${q(to)}&as_of=${q(AS_OF)}`)
  expect(r.status, `${from} … ${to}`).toBe(200)
  return r.body.metrics.volume_12345.value
}

// ---------- response limits: the same records judged under the default and under other limits ----------

// 12345: clock from dispatch; 110: clock from the call. Defaults 1440 and 30 minutes; the second app
// below runs with 60 and 10.
const responseDay = (): RecordInput[] => [
  recAt('RL-G1', at(`${R}T09:00`), { status: 'handling', dispatched_at: at(`${R}T09:00`), first_response_at: at(`${R}T09:50`), updated_at: at(`${R}T09:50`) }), // 50 min
  recAt('RL-G2', at(`${R}T09:00`), { status: 'handling', dispatched_at: at(`${R}T09:00`), first_response_at: at(`${R}T11:00`), updated_at: at(`${R}T11:00`) }), // 120 min
  recAt('RL-J1', at(`${R}T20:00`), { platform: '110', kind: 'crime', status: 'handling', dispatched_at: at(`${R}T20:01`),
    first_response_at: at(`${R}T20:08`), arrived_at: at(`${R}T20:08`), updated_at: at(`${R}T20:08`) }), // 8 min
  recAt('RL-J2', at(`${R}T20:00`), { platform: '110', kind: 'crime', status: 'handling', dispatched_at: at(`${R}T20:01`),
    first_response_at: at(`${R}T20:25`), arrived_at: at(`${R}T20:25`), updated_at: at(`${R}T20:25`) }), // 25 min
]

async function responseRates(app: TestApp) {
  const out: Record<string, { num: number; den: number; formula: string }> = {}
  for (const p of ['12345', '110']) {
    const r = await getJson(app, `/api/metrics/overview?from=${R}&to=${R}&platform=${p}&as_of=${q(AS_OF)}`)
    expect(r.status).toBe(200)
    const m = r.body.metrics[`response_rate_${p}`] ?? r.body.metrics.response_rate
    out[p] = { num: m.numerator, den: m.denominator, formula: m.formula }
  }
  return out
}
let defaultRates: Awaited<ReturnType<typeof responseRates>> | null = null

describe('README promises (default configuration)', () => {
  let app: TestApp
  let log: () => string
  beforeAll(async () => {
    const cap = captureLog('trace')
    log = cap.text
    app = await startTestApp({ LOG_LEVEL: 'trace', METRICS_CACHE_MS: '0' }, { logger: cap.logger })
  })
  afterAll(async () => { await app?.stop() })

  it('rejects unknown categories, with the field and the code named, and stores the good lines beside them', async () => {
    const known = categories.categories[0].code as string
    const r = await post(app, 'records', ndjson([
      recAt('CAT-OK', at(`${M}T08:00`), { category_code: known }),
      recAt('CAT-UNKNOWN', at(`${M}T08:01`), { category_code: 'NO_SUCH_CATEGORY' }),
      recAt('CAT-CASE', at(`${M}T08:02`), { category_code: known.toLowerCase() }),
      recAt('CAT-NEAR', at(`${M}T08:03`), { category_code: `${known}_X` }),
    ]))
    expect(r.status).toBe(200)
    expect(r.body.results.map((x: any) => [x.id, x.status])).toEqual([
      ['CAT-OK', 'accepted'], ['CAT-UNKNOWN', 'rejected'], ['CAT-CASE', 'rejected'], ['CAT-NEAR', 'rejected']])
    for (const x of r.body.results.slice(1)) {
      expect(x.errors.map((e: any) => e.field)).toEqual(['category_code'])
      expect(x.errors[0].reason).toMatch(/unknown/i)
    }
    expect(r.body.results[1].errors[0].reason).toContain('NO_SUCH_CATEGORY')
    expect([...(await stored(app, ['CAT-OK', 'CAT-UNKNOWN', 'CAT-CASE', 'CAT-NEAR'])).keys()]).toEqual(['CAT-OK'])
    // Kept in quarantine with the reason, under the request's id.
    const qr = await getJson(app, `/api/ingest/quarantine?request_id=${r.body.request_id}`)
    expect(qr.body.rows.map((x: any) => x.source_key).sort()).toEqual(['CAT-CASE', 'CAT-NEAR', 'CAT-UNKNOWN'])
    expect(qr.body.rows.every((x: any) => x.errors[0].field === 'category_code')).toBe(true)
  })

  it('reads a timestamp without an offset as Asia/Shanghai, in every accepted form', async () => {
    const base = Date.parse(`${T}T09:30:00+08:00`)
    const cases: [string, string, number][] = [
      ['TS-LOCAL-T', `${T}T09:30:00`, base],
      ['TS-LOCAL-SPACE', `${T} 09:30:00.250`, base + 250],
      ['TS-LOCAL-MIN', `${T}T09:30`, base],
      ['TS-OFFSET', `${T}T09:30:00+08:00`, base],
      ['TS-OTHER-OFFSET', `${T}T01:30:00Z`, base],
      ['TS-MINUS5', `${T_PREV}T20:30:00-05:00`, base],
    ]
    const r = await post(app, 'records', ndjson(cases.map(([id, ts]) => recAt(id, ts))))
    expect(r.body.rejected).toBe(0)
    const s = await stored(app, cases.map((c) => c[0]))
    for (const [id, ts, ms] of cases) expect([ts, s.get(id)?.ms], id).toEqual([ts, ms])
  })

  it('puts a Z timestamp near midnight on the Shanghai day it falls in', async () => {
    const cases: [string, string, string][] = [
      // 16:00Z is midnight in Shanghai: the evening before in UTC is already the next day here.
      ['Z-EARLY', `${T_PREV}T16:30:00Z`, T], // 00:30 in Shanghai
      ['Z-MIDNIGHT', `${T_PREV}T16:00:00.000Z`, T], // 00:00:00.000 exactly
      ['Z-LATE', `${T}T15:59:59.999Z`, T], // 23:59:59.999
      ['Z-NEXT', `${T}T16:00:00Z`, T_NEXT], // 00:00 of the next day
      ['Z-UTC-SAME-DAY', `${T}T00:30:00Z`, T], // 08:30
    ]
    expect((await post(app, 'records', ndjson(cases.map(([id, ts]) => recAt(id, ts))))).body.rejected).toBe(0)
    const s = await stored(app, cases.map((c) => c[0]))
    for (const [id, ts, day] of cases) {
      expect(s.get(id)?.day, `${id} ${ts}`).toBe(day)
      expect(s.get(id)?.ms, id).toBe(Date.parse(ts))
    }
    // The metrics count them on those days too (with the six of the test before on T).
    const onT = await exportedIds(app, T, T)
    expect(onT.filter((id) => id.startsWith('Z-'))).toEqual(['Z-EARLY', 'Z-LATE', 'Z-MIDNIGHT', 'Z-UTC-SAME-DAY'])
    expect((await exportedIds(app, T_NEXT, T_NEXT)).filter((id) => id.startsWith('Z-'))).toEqual(['Z-NEXT'])
    expect((await exportedIds(app, T_PREV, T_PREV)).filter((id) => id.startsWith('Z-'))).toEqual([])
    expect(await volume(app, T, T)).toBe(onT.length)
  })

  let batch = 0
  async function expectRejected(field: keyof RecordInput, values: unknown[]) {
    const lines = values.map((v, i) => ({ ...record({ source_id: `BAD-${++batch}-${field}-${i}` }), [field]: v }))
    const r = await post(app, 'records', ndjson(lines))
    const accepted = r.body.results.filter((x: any) => x.status !== 'rejected').map((x: any) => values[x.line - 1])
    expect(accepted, 'accepted although impossible').toEqual([])
    expect(r.status).toBe(422) // nothing accepted
    for (const [i, x] of r.body.results.entries()) {
      expect(x.status, String(values[i])).toBe('rejected')
      expect(x.errors.map((e: any) => e.field), String(values[i])).toContain(field)
    }
    expect((await stored(app, lines.map((l) => l.source_id))).size).toBe(0)
    const qr = await getJson(app, `/api/ingest/quarantine?request_id=${r.body.request_id}&per_request=500&limit=500`)
    expect(qr.body.rows.length).toBe(values.length)
  }

  it('rejects impossible dates and times (no offset)', async () => {
    await expectRejected('received_at', ['2026-02-30 10:00:00', '2025-02-29T08:00:00', '2026-04-31T10:00', '2026-13-01T10:00:00',
      `${T} 25:00:00`, `${T}T23:60:00`, `${T}T12:00:60`, `${T}T9:30:00`, `${T}`, 'yesterday', ''])
  })

  it('rejects impossible dates and times with an offset', async () => {
    // Date.parse alone rolls 2026-02-30 over into March: the calendar must be checked here too.
    await expectRejected('received_at', ['2026-02-30T10:00:00+08:00', '2025-02-29T08:00:00Z', '2026-04-31T10:00:00+08:00',
      `${T}T25:00:00+08:00`, `${T}T23:60:00Z`, `${T}T10:00:00+25:00`, '2026-13-01T10:00:00Z'])
  })

  it('rejects the far past and the far future, and values that are not timestamps', async () => {
    await expectRejected('received_at', ['1970-01-01T00:00:00Z', '1899-12-31T12:00:00+08:00', '0001-01-01T00:00:00Z', '1999-12-31 23:59:59',
      '2999-01-01T00:00:00+08:00', '9999-12-31T23:59:59Z', '2100-01-01 00:00:00', 1_795_000_000_000, null])
    // Lifecycle stamps are held to the same rules.
    await expectRejected('closed_at', ['2999-01-01T00:00:00+08:00', '2026-02-30T10:00:00+08:00', `${T} 25:00`])
  })

  it('windows are [from, to): from included, to excluded, a date-only to includes its whole day', async () => {
    const recs = [
      recAt('W-BEFORE', `${W_PREV}T23:59:59.999+08:00`),
      recAt('W-FROM', `${W}T00:00:00.000+08:00`),
      recAt('W-NOON', `${W}T12:00:00.000+08:00`),
      recAt('W-LAST', `${W}T23:59:59.999+08:00`),
      recAt('W-NEXT', `${W_NEXT}T00:00:00.000+08:00`),
    ]
    expect((await post(app, 'records', ndjson(recs))).body.rejected).toBe(0)
    const cases: [string, string, string[]][] = [
      [W, W, ['W-FROM', 'W-LAST', 'W-NOON']], // a date-only to: the whole of W, not W-NEXT at the next midnight
      [W, `${W}T12:00:00+08:00`, ['W-FROM']], // W-NOON is exactly at to: excluded
      [`${W}T12:00:00+08:00`, `${W}T23:59:59.999+08:00`, ['W-NOON']], // exactly at from: included; W-LAST exactly at to: excluded
      [`${W}T12:00`, `${W}T23:59:59.999`, ['W-NOON']], // the same bounds without an offset: Shanghai
      [`${W_PREV}T23:59:59.999+08:00`, `${W}T00:00:00+08:00`, ['W-BEFORE']],
      [W_PREV, W_PREV, ['W-BEFORE']],
      [W, W_NEXT, ['W-FROM', 'W-LAST', 'W-NEXT', 'W-NOON']],
      [`${W}T04:00:00Z`, `${W}T15:59:59.999Z`, ['W-NOON']], // 12:00 … 23:59:59.999 in Shanghai, W-LAST at to
    ]
    for (const [from, to, ids] of cases) {
      expect(await exportedIds(app, from, to), `${from} … ${to}`).toEqual(ids)
      expect(await volume(app, from, to), `${from} … ${to}`).toBe(ids.length)
    }
    // The window is reported back as it was applied.
    const o = await getJson(app, `/api/metrics/overview?from=${W}&to=${W}&as_of=${q(AS_OF)}`)
    expect(o.body.window).toEqual({ from: `${W}T00:00:00.000+08:00`, to: `${W_NEXT}T00:00:00.000+08:00`, tz: 'Asia/Shanghai' })
  })

  it('judges response under the default limits (1440 and 30 minutes)', async () => {
    expect((await post(app, 'records', ndjson(responseDay()))).body.rejected).toBe(0)
    defaultRates = await responseRates(app)
    // Every response here is within 1440 minutes of dispatch (12345) or 30 of the call (110).
    expect([defaultRates['12345'].num, defaultRates['12345'].den]).toEqual([2, 2])
    expect([defaultRates['110'].num, defaultRates['110'].den]).toEqual([2, 2])
    expect(defaultRates['12345'].formula).toContain('1440')
  })

  it('answers 503 with Retry-After when storage cannot take the rows, stores nothing of it, and takes the resend once', async () => {
    const lines = ndjson([recAt('S503-1', at(`${M}T10:00`)), recAt('S503-2', at(`${M}T10:01`),
      { caller_phone: '13900007731', content: '楼道里停着红色自行车挡路，隐私文本7731' })])
    // ClickHouse refuses inserts while a partition has too many parts (its back-pressure). With the
    // limit at one part, and a part stored, every insert into records is refused.
    expect((await post(app, 'records', ndjson([recAt('S503-0', at(`${M}T09:59`))]))).status).toBe(200)
    await app.db.command({ query: 'ALTER TABLE records MODIFY SETTING parts_to_throw_insert = 1' })
    let res: Response
    try {
      res = await postRaw(app, 'records', lines)
    } finally {
      await app.db.command({ query: 'ALTER TABLE records RESET SETTING parts_to_throw_insert' })
    }
    expect(res.status).toBe(503)
    const retryAfter = res.headers.get('retry-after')
    expect(retryAfter).toMatch(/^\d+$/)
    expect(Number(retryAfter)).toBeGreaterThan(0)
    const body = await res.json() as any
    expect(body.error).toMatch(/resend/i)
    // It says what to do, not ClickHouse's internals.
    expect(JSON.stringify(body)).not.toMatch(/DB::|Exception|Code: ?\d|TOO_MANY_PARTS|parts_to_throw|While executing/i)
    expect((await stored(app, ['S503-1', 'S503-2'])).size).toBe(0)
    // The refusal is logged (with ClickHouse's detail) under the request id the sender was given.
    expect(body.request_id).toBeTruthy()
    expect(log()).toContain(body.request_id)
    // The sender resends the same request: stored, once.
    const again = await post(app, 'records', lines)
    expect([again.status, again.body.accepted]).toEqual([200, 2])
    const again2 = await post(app, 'records', lines)
    expect(again2.status).toBe(200)
    const [{ n }] = await queryRows<{ n: number }>(app.db, `SELECT count() AS n FROM records FINAL WHERE source_id IN ('S503-1', 'S503-2')`)
    expect(Number(n)).toBe(2)
  })

  it('keeps caller numbers and free text out of the log, on every path a request takes', async () => {
    const phone = '13900007731'
    const secret = '红色自行车挡路，隐私文本7731'
    const rec = recAt('LOG-1', at(`${M}T11:00`), { caller_phone: phone, content: `楼道里停着${secret}`, title: `标题${secret}` })
    // Accepted, rejected (unknown category) and not JSON; the test before sent one refused by storage.
    const r = await post(app, 'records', ndjson([rec, { ...rec, source_id: 'LOG-2', category_code: 'NO_SUCH_CATEGORY' }]) +
      `\n{"platform":"12345","source_id":"LOG-3","caller_phone":"${phone}","content":"${secret}`)
    expect([r.body.accepted, r.body.rejected]).toEqual([1, 2])
    const text = log()
    expect(text).toContain(r.body.request_id) // the request was logged (its rejections)…
    for (const s of [phone, secret, '红色自行车', '隐私文本']) expect(text, s).not.toContain(s) // …without what it carried
  })

  it('the logger censors caller_phone, content and raw lines wherever request data is logged', async () => {
    const phone = '13900008842'
    const secret = '隐私内容8842'
    const rec = { ...recAt('LOG-9', at(`${M}T12:00`)), caller_phone: phone, content: secret }
    const before = log().length
    app.logger.info(rec, 'a record at the top level')
    app.logger.info({ body: rec }, 'a request body')
    app.logger.child({ reqId: 'r-1' }).warn({ line: { raw: JSON.stringify(rec), caller_phone: phone, content: secret } }, 'a raw line')
    app.logger.error({ caller_phone: phone, content: secret, raw: JSON.stringify(rec) }, 'fields alone')
    await new Promise((res) => setTimeout(res, 50))
    const lines = log().slice(before).trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.map((l) => l.msg)).toEqual(['a record at the top level', 'a request body', 'a raw line', 'fields alone'])
    expect(lines[0].caller_phone).toBe('[redacted]')
    expect(lines[0].content).toBe('[redacted]')
    expect(lines[0].source_id).toBe('LOG-9') // the rest stays readable
    expect(lines[1].body.caller_phone).toBe('[redacted]')
    expect(lines[2].line.raw).toBe('[redacted]')
    expect(lines[3].raw).toBe('[redacted]')
    for (const s of [phone, secret]) expect(log().slice(before), s).not.toContain(s)
  })
})

describe('response limits are configuration', () => {
  let app: TestApp
  beforeAll(async () => {
    // libchdb opens one data directory per process: the app above is closed by now.
    app = await startTestApp({ RESPONSE_LIMIT_12345_MIN: '60', RESPONSE_LIMIT_110_MIN: '10', METRICS_CACHE_MS: '0' })
    expect((await post(app, 'records', ndjson(responseDay()))).body.rejected).toBe(0)
  })
  afterAll(async () => { await app?.stop() })

  it('RESPONSE_LIMIT_12345_MIN=60 and RESPONSE_LIMIT_110_MIN=10 judge the same records differently', async () => {
    const rates = await responseRates(app)
    // 12345: 50 min in time, 120 min late; 110: 8 min in time, 25 min late.
    expect([rates['12345'].num, rates['12345'].den]).toEqual([1, 2])
    expect([rates['110'].num, rates['110'].den]).toEqual([1, 2])
    expect(rates['12345'].formula).toContain('60')
    expect(rates['12345'].formula).not.toContain('1440')
    expect(rates['110'].formula).toContain('10')
    expect(rates['110'].formula).not.toContain(' 30 ')
    // Under the defaults the same records were all in time.
    expect(defaultRates).not.toBeNull()
    expect([defaultRates!['12345'].num, defaultRates!['110'].num]).toEqual([2, 2])
  })
})
