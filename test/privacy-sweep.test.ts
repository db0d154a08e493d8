// Personal data never leaves ingest in clear. A simulated day is sent (callers' numbers in clear,
// some also written into the messages), with hand-made records whose numbers are written the ways
// people write them (+86, dashes, spaces) and bad lines carrying numbers. Then every number that was
// actually sent is searched for, exactly and in its common formattings, in every table, every API
// answer (ingest answers included) and every log line. Searching for these exact numbers (not for
// anything that looks like one) keeps the check exact: the hexadecimal caller keys contain 11-digit
// runs by chance, and a pattern search took those for phone numbers on most dates.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestApp, captureLog, type TestApp } from './helpers/app'
import { testNow, record } from './helpers/fixtures'
import { Simulator } from '../ingest/simulator/simulator'
import { queryRows } from '../analytics/clickhouse'

const DAY = 86_400_000

// What a sender may have written: mobile numbers and ID card numbers, in any formatting.
const MOBILE_IN_TEXT = /(?<!\d)(?:\+?86[- ]?|0086[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)/g
const ID_IN_TEXT = /(?<![0-9A-Za-z])\d{6}[- ]?\d{8}[- ]?\d{3}[\dXx](?![0-9A-Za-z])/g
const digits = (s: string) => s.replace(/[^\dXx]/g, '').toUpperCase()
const national = (d: string) => (d.length === 15 && d.startsWith('0086') ? d.slice(4) : d.length === 13 && d.startsWith('86') ? d.slice(2) : d)

/**
 * Every sent number found in `text`, however it is written there: each run of digits, allowing the
 * separators people put between groups (spaces, dashes, brackets, a leading +), is reduced to its
 * digits and every 11-digit (phone) and 18-character (ID) window of it is looked up among the sent
 * numbers. So "13812345678", "+8613812345678", "+86 138-1234-5678" and "0086 138 1234 5678" all count.
 */
function findSent(text: string, phones: Set<string>, ids: Set<string>): string[] {
  const found = new Set<string>()
  for (const m of text.matchAll(/\+?\d[\d ()+-]*[\dXx]|\d/g)) {
    const d = digits(m[0])
    for (let i = 0; i + 11 <= d.length; i++) if (phones.has(d.slice(i, i + 11))) found.add(d.slice(i, i + 11))
    for (let i = 0; i + 18 <= d.length; i++) if (ids.has(d.slice(i, i + 18))) found.add(d.slice(i, i + 18))
  }
  return [...found]
}

let app: TestApp
let log: () => string
const phones = new Set<string>() // every mobile number sent (national 11 digits)
const ids = new Set<string>() // every ID card number sent (18 characters, X upper case)
const sentText: string[] = []
const answers: { what: string; text: string }[] = []
const withNumbers: { platform: string; source_id: string }[] = []
let from = ''
let to = ''

function collect(value: unknown) {
  const s = typeof value === 'string' ? value : ''
  for (const m of s.matchAll(MOBILE_IN_TEXT)) phones.add(national(digits(m[0])))
  for (const m of s.matchAll(ID_IN_TEXT)) ids.add(digits(m[0]))
}

async function send(kind: 'records' | 'events', lines: string) {
  sentText.push(lines)
  const res = await fetch(`${app.url}/api/ingest/${kind}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines })
  const text = await res.text()
  answers.push({ what: `POST ${kind} → ${res.status}`, text })
  return { status: res.status, body: JSON.parse(text) }
}

beforeAll(async () => {
  const cap = captureLog('debug')
  log = cap.text
  app = await startTestApp({ LOG_LEVEL: 'debug' }, { logger: cap.logger })
  const now = testNow()
  const sim = new Simulator({ seed: 11, scale: 0.05, now })
  for (const b of sim.backfill(1)) {
    for (const r of b.records) {
      if (r.caller_phone) phones.add(national(digits(r.caller_phone)))
      collect(r.title)
      collect(r.content)
      if (/1[3-9]\d{9}/.test(r.content ?? '') && withNumbers.length < 20) withNumbers.push({ platform: r.platform, source_id: r.source_id })
    }
    if (b.records.length) expect((await send('records', b.records.map((r) => JSON.stringify(r)).join('\n'))).status).toBe(200)
    if (b.events.length) expect((await send('events', b.events.map((e) => JSON.stringify(e)).join('\n'))).status).toBe(200)
  }
  // Numbers written the ways people write them, in stored records…
  const day = new Date(now + 8 * 3600_000).toISOString().slice(0, 10)
  const hand = [
    record({ source_id: 'PII-FMT-1', received_at: `${day}T08:00:00+08:00`, updated_at: `${day}T08:00:00+08:00`,
      caller_phone: '+86 139-0011-6677', title: '请回电 139 0011 4455', content: '联系电话：+86 139-0011-2233，身份证号41010519850305321X，备用 +8613900118899' }),
    record({ source_id: 'PII-FMT-2', received_at: `${day}T08:05:00+08:00`, updated_at: `${day}T08:05:00+08:00`,
      caller_phone: '8613900115566', content: '来电人称家属电话0086 139 0011 3344，身份证410105199202023456' }),
  ]
  for (const r of hand) { collect(r.caller_phone); phones.add(national(digits(r.caller_phone!))); collect(r.title); collect(r.content) }
  expect((await send('records', hand.map((r) => JSON.stringify(r)).join('\n'))).body.accepted).toBe(2)
  withNumbers.push({ platform: '12345', source_id: 'PII-FMT-1' }, { platform: '12345', source_id: 'PII-FMT-2' })
  // …and in bad lines, which go to quarantine and into the log of rejections.
  const bad = [
    JSON.stringify({ platform: '12345', source_id: 'PII-BAD', caller_phone: '13955556666', content: '身份证410105199001011234 电话13955556666' }),
    '{"platform":"12345","source_id":"PII-BROKEN","caller_phone":"139 5555 7777","content":"电话+86-139-5555-8888',
    JSON.stringify({ ...record({ source_id: 'PII-BADCAT', caller_phone: '13955559999', content: '电话13955550000' }), category_code: 'NO_SUCH_CATEGORY' }),
  ]
  for (const l of ['13955556666', '13955557777', '13955558888', '13955559999', '13955550000']) phones.add(l)
  ids.add('410105199001011234')
  expect((await send('records', bad.join('\n'))).body.rejected).toBe(3)
  from = new Date(now - 2 * DAY + 8 * 3600_000).toISOString().slice(0, 10)
  to = new Date(now + DAY + 8 * 3600_000).toISOString().slice(0, 10)
})
afterAll(async () => { await app?.stop() })

describe('personal data', () => {
  it('the search finds every formatting of a number, and every number that was sent', () => {
    const p = new Set(['13812345678'])
    const i = new Set(['41010519900101123X'])
    for (const v of ['13812345678', '+8613812345678', '+86 13812345678', '0086 138 1234 5678', '138-1234-5678', '138 1234 5678',
      '+86-138-1234-5678', '(+86) 138 1234 5678', 'tel:13812345678;', '"caller":"13812345678"'])
      expect(findSent(`前文${v}后文`, p, i), v).toEqual(['13812345678'])
    for (const v of ['41010519900101123X', '41010519900101123x', '410105 19900101 123X', '410105-19900101-123X'])
      expect(findSent(`身份证${v}。`, p, i), v).toEqual(['41010519900101123X'])
    expect(findSent('13812345679 1381234567 138****5678 410105********123X', p, i)).toEqual([])
    // The sent day carries hundreds of callers, numbers inside messages and ID numbers, and the
    // search finds all of them in what was sent.
    expect(phones.size).toBeGreaterThan(300)
    expect(ids.size).toBeGreaterThanOrEqual(3)
    expect(withNumbers.length).toBeGreaterThan(5)
    const inSent = new Set(findSent(sentText.join('\n'), phones, ids))
    expect([...phones, ...ids].filter((n) => !inSent.has(n))).toEqual([])
  })

  it('is in no table', async () => {
    const tables = await queryRows<{ name: string }>(app.db,
      `SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name`)
    const names = tables.map((t) => t.name)
    expect(names).toEqual(expect.arrayContaining(['records', 'events', 'quarantine']))
    for (const table of names) {
      const rows = await queryRows(app.db, `SELECT * FROM \`${table}\``)
      if (['records', 'events', 'quarantine'].includes(table)) expect(rows.length, table).toBeGreaterThan(0)
      expect(findSent(JSON.stringify(rows), phones, ids), table).toEqual([])
    }
    // The stored records do carry a caller key (hashed) and the masked messages.
    const [{ keyed }] = await queryRows<{ keyed: number }>(app.db, `SELECT countIf(caller_key != '') AS keyed FROM records`)
    expect(Number(keyed)).toBeGreaterThan(300)
  })

  it('is in no API answer', async () => {
    const paths = [
      `/api/metrics/overview?from=${from}&to=${to}`,
      `/api/metrics/overview?from=${from}&to=${to}&bucket=hour&platform=12345`,
      `/api/metrics/by-region?from=${from}&to=${to}`,
      '/api/metrics/bounces?days=366',
      '/api/metrics/definitions',
      '/api/ingest/quarantine?limit=500&per_request=500',
      `/api/export/records?from=${from}&to=${to}`,
      ...withNumbers.map((r) => `/api/trace/${r.platform}/${encodeURIComponent(r.source_id)}`),
    ]
    for (const p of paths) {
      const res = await fetch(app.url + p)
      expect(res.status, p).toBe(200)
      answers.push({ what: `GET ${p}`, text: await res.text() })
    }
    // The answers are about the data that was sent: the records with numbers in them are traced,
    // the export holds the day, quarantine shows the bad lines.
    const trace = JSON.parse(answers.find((a) => a.what.includes('/api/trace/12345/PII-FMT-1'))!.text)
    expect(trace.records[0].source_id).toBe('PII-FMT-1')
    expect(answers.find((a) => a.what.includes('/api/export/'))!.text.split('\n').length).toBeGreaterThan(300)
    expect(answers.find((a) => a.what.includes('/api/ingest/quarantine'))!.text).toContain('PII-BAD')
    for (const a of answers) expect(findSent(a.text, phones, ids), a.what).toEqual([])
  })

  it('is in no log line', () => {
    const lines = log().trim().split('\n')
    expect(lines.length).toBeGreaterThan(3)
    // The rejected request was logged (with its counts, never its lines).
    expect(log()).toContain('ingest with rejections')
    for (const line of lines) expect(findSent(line, phones, ids), line.slice(0, 300)).toEqual([])
  })
})
