// Consultation items (issue 7): findings become or update one item per fingerprint, idempotently and
// across restarts; the lifecycle with its history, audit and version conflicts (one winner of two
// concurrent changes); region scope; the agenda (Markdown, escaped HTML); the routing list version a
// decision writes and the before/after comparison.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { loadConfig } from '../config'
import { startApp, makeLogger, type App } from '../app'
import { authorize, post, ndjson } from './helpers/app'
import { testNow, record, at, shanghaiDate } from './helpers/fixtures'
import { ItemStore } from '../analytics/items/store'
import { itemId } from '../analytics/items/model'
import { KeyedMutex } from '../analytics/items/mutex'
import type { Finding } from '../model/finding'

// One data directory for the whole file: the restart test reopens it in this process (chdb binds the
// first directory a process opens).
const dir = mkdtempSync(path.join(tmpdir(), 'linkage-items-'))
const start = () => startApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'silent', DEMO: 'false', INGEST_FLUSH_MS: '20' }),
  { jobs: false, logger: makeLogger('silent') }).then(authorize)
let app: App
const tokens: Record<string, { token: string; id: string }> = {}
beforeAll(async () => {
  app = await start()
  for (const [name, o] of Object.entries({
    admin: { role: 'admin' as const }, member: { role: 'member' as const }, wall: { role: 'wall' as const },
    leaderCity: { role: 'leader' as const }, leader105: { role: 'leader' as const, regions: ['410105'] },
  })) {
    const t = await app.tokens.create({ ...o, name: `items ${name}` })
    tokens[name] = { token: t.token, id: t.info.id }
  }
})
afterAll(async () => { await app?.close(); rmSync(dir, { recursive: true, force: true }) })

const NOW = testNow()
const DAY = 86_400_000
const store = () => ItemStore.for(app.db)

function finding(over: Partial<Finding> & { fingerprint: string }): Finding {
  return {
    kind: 'disputed_category',
    title: '井盖缺失 金水区 反复转办',
    severity: 'medium',
    county_code: '410105',
    category_code: 'PUB_MANHOLE',
    units: ['CGJ', 'JD'],
    first_seen: NOW - 7 * DAY,
    last_seen: NOW - DAY,
    counts: { records: 12, transfers: 9 },
    series: [{ day: shanghaiDate(-2), n: 5 }, { day: shanghaiDate(-1), n: 7 }],
    samples: [{ platform: '12345', source_id: 'G-1' }, { platform: '110', source_id: 'J-1' }],
    query: "SELECT platform, source_id FROM records FINAL WHERE category_code = 'PUB_MANHOLE'",
    suggested_lead: 'CGJ',
    suggested_assist: ['JD'],
    ...over,
  }
}

async function call(method: string, p: string, token = tokens.admin.token, body?: unknown) {
  const res = await fetch(app.url + p, {
    method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  let json: any = null
  try { json = JSON.parse(text) } catch { /* md or html */ }
  return { status: res.status, text, json, type: res.headers.get('content-type') ?? '' }
}
const transition = (id: string, body: Record<string, unknown>, token = tokens.member.token) => call('POST', `/api/items/${id}/transition`, token, body)

describe('findings become items', () => {
  it('creates one item per fingerprint (duplicates in one batch merge), open, with a raised history row', async () => {
    const r = await store().upsertFindings([
      finding({ fingerprint: 'dc|PUB_MANHOLE|410105' }),
      finding({ fingerprint: 'dc|PUB_MANHOLE|410102', county_code: '410102', title: '井盖缺失 中原区 反复转办' }),
      finding({ fingerprint: 'dc|PUB_MANHOLE|410105', counts: { records: 12, transfers: 9 } }),
    ], NOW)
    expect(r.raised.sort()).toEqual([itemId('dc|PUB_MANHOLE|410102'), itemId('dc|PUB_MANHOLE|410105')].sort())
    const list = await call('GET', '/api/items?kind=disputed_category')
    expect(list.status).toBe(200)
    expect(list.json.items.map((i: any) => i.fingerprint).sort()).toEqual(['dc|PUB_MANHOLE|410102', 'dc|PUB_MANHOLE|410105'])
    const id = itemId('dc|PUB_MANHOLE|410105')
    const one = await call('GET', `/api/items/${id}`)
    expect(one.json.item).toMatchObject({
      id, status: 'open', version: 1, severity: 'medium', kind_label: '高频争议事项', county_code: '410105', units: ['CGJ', 'JD'],
      suggested_lead: 'CGJ', evidence: { counts: { records: 12, transfers: 9 }, samples: [{ platform: '12345', source_id: 'G-1' }, { platform: '110', source_id: 'J-1' }] },
    })
    expect(one.json.item.evidence.query).toMatch(/PUB_MANHOLE/)
    expect(one.json.history).toEqual([expect.objectContaining({ version: 1, action: 'raised', actor: 'detector', to_status: 'open' })])
  })

  it('is idempotent: the same findings again write no version and no history', async () => {
    const id = itemId('dc|PUB_MANHOLE|410105')
    const r = await store().upsertFindings([finding({ fingerprint: 'dc|PUB_MANHOLE|410105' })], NOW + 3600_000)
    expect(r).toEqual({ raised: [], escalated: [], updated: [], unchanged: 1 })
    const item = await store().get(id)
    expect(item!.version).toBe(1)
    expect(await store().history(id)).toHaveLength(1)
    const rows = await app.db.query({ query: `SELECT count() AS n FROM items WHERE id = {id:String}`, query_params: { id }, format: 'JSONEachRow' })
    expect(((await rows.json()) as any)[0].n).toBe(1)
  })

  it("next week's finding updates the same item: series merged, seen range widened, samples newest first", async () => {
    const fp = 'dc|PUB_MANHOLE|410105'
    const r = await store().upsertFindings([finding({
      fingerprint: fp, last_seen: NOW + 6 * DAY, title: '井盖缺失 金水区 反复转办（持续）', counts: { records: 20, transfers: 15 },
      series: [{ day: shanghaiDate(-1), n: 8 }, { day: shanghaiDate(5), n: 3 }], samples: [{ platform: '12345', source_id: 'G-9' }],
    })], NOW + 7 * DAY)
    expect(r.updated).toEqual([itemId(fp)])
    const item = (await store().get(itemId(fp)))!
    expect(item.version).toBe(2)
    expect(item.status).toBe('open')
    expect(item.title).toBe('井盖缺失 金水区 反复转办（持续）')
    expect(item.evidence.counts).toEqual({ records: 20, transfers: 15 })
    expect(item.evidence.series).toEqual([{ day: shanghaiDate(-2), n: 5 }, { day: shanghaiDate(-1), n: 8 }, { day: shanghaiDate(5), n: 3 }])
    expect(item.evidence.samples.map((s) => s.source_id)).toEqual(['G-9', 'G-1', 'J-1'])
    expect(Date.parse(item.first_seen)).toBe(NOW - 7 * DAY)
    expect(Date.parse(item.last_seen)).toBe(NOW + 6 * DAY)
    expect((await store().list({ kind: ['disputed_category'] })).length).toBe(2)
    expect((await store().history(itemId(fp))).map((h) => h.action)).toEqual(['raised', 'seen_again'])
  })

  it('severity only escalates, with an escalated history row', async () => {
    const fp = 'rc|caller-x'
    const id = itemId(fp)
    await store().upsertFindings([finding({ fingerprint: fp, kind: 'repeat_caller', severity: 'low', title: '同一来电人反复投诉' })], NOW)
    const up = await store().upsertFindings([finding({ fingerprint: fp, kind: 'repeat_caller', severity: 'high', title: '同一来电人反复投诉', counts: { records: 30 } })], NOW + DAY)
    expect(up.escalated).toEqual([id])
    const item = (await store().get(id))!
    expect(item.severity).toBe('high')
    expect(Date.parse(item.escalated_at!)).toBe(NOW + DAY)
    const h = await store().history(id)
    expect(h.at(-1)).toMatchObject({ action: 'escalated', detail: expect.stringContaining('low → high') })
    // A lower severity later does not lower it (the counts still update).
    await store().upsertFindings([finding({ fingerprint: fp, kind: 'repeat_caller', severity: 'medium', title: '同一来电人反复投诉', counts: { records: 31 } })], NOW + 2 * DAY)
    expect((await store().get(id))!.severity).toBe('high')
    expect((await store().get(id))!.evidence.counts.records).toBe(31)
    // The queue lists the most severe first.
    expect((await call('GET', '/api/items')).json.items[0].id).toBe(id)
  })
})

describe('lifecycle', () => {
  const fp = 'jc|ping-pong|CGJ-PCS'
  const id = itemId(fp)
  beforeAll(async () => {
    await store().upsertFindings([finding({ fingerprint: fp, kind: 'jurisdiction_conflict', title: '占道经营 城管与派出所来回转办', category_code: 'ENV_STREET_VENDOR', units: ['CGJ', 'PCS'] })], NOW)
  })

  it('refuses invalid transitions with a clear 400, and a stale version with 409 naming the current one', async () => {
    const close = await transition(id, { action: 'close', expected_version: 1 })
    expect(close.status).toBe(400)
    expect(close.json.error).toMatch(/cannot close an item that is open.*possible now: review, dismiss/)
    const decide = await transition(id, { action: 'decide', expected_version: 1, decision: { lead: 'CGJ', assist: [], norm: 'x', start_date: '2026-11-01' } })
    expect(decide.status).toBe(400)
    expect(decide.json.error).toMatch(/decide needs status under_review/)
    const dismiss = await transition(id, { action: 'dismiss', expected_version: 1 })
    expect(dismiss.status).toBe(400)
    expect(dismiss.json.error).toMatch(/reason/)
    expect((await transition(id, { action: 'fly', expected_version: 1 })).status).toBe(400)
    const stale = await transition(id, { action: 'review', expected_version: 7 })
    expect(stale.status).toBe(409)
    expect(stale.json).toMatchObject({ current: { version: 1, status: 'open' } })
    expect(stale.json.error).toMatch(/now version 1 \(open\)/)
    expect((await transition('it_00000000000000000000', { action: 'review', expected_version: 1 })).status).toBe(404)
    expect((await store().get(id))!.version).toBe(1)
  })

  it('two concurrent changes with the same expected version: exactly one 200 and one 409', async () => {
    const [a, b] = await Promise.all([
      transition(id, { action: 'review', expected_version: 1, reason: 'first' }),
      transition(id, { action: 'dismiss', expected_version: 1, reason: 'not a real dispute' }, tokens.admin.token),
    ])
    expect([a.status, b.status].sort()).toEqual([200, 409])
    const winner = a.status === 200 ? a : b
    const loser = a.status === 200 ? b : a
    expect(loser.json.current).toEqual({ version: 2, status: winner.json.item.status })
    const h = await store().history(id)
    expect(h.map((r) => r.version)).toEqual([1, 2])
    // Back to a known state for the happy path: reopen if it was dismissed, else it is under review.
    if (winner.json.item.status === 'dismissed') {
      expect((await transition(id, { action: 'reopen', expected_version: 2 })).status).toBe(200)
      expect((await transition(id, { action: 'review', expected_version: 3 })).status).toBe(200)
    }
  })

  it('review → decide → close, each with its actor in the history and the audit trail; deciding writes a routing list version', async () => {
    let item = (await store().get(id))!
    expect(item.status).toBe('under_review')
    const badUnit = await transition(id, { action: 'decide', expected_version: item.version, decision: { lead: 'NOPE', assist: [], norm: '城管主办', start_date: shanghaiDate(-3) } })
    expect(badUnit.status).toBe(400)
    expect(badUnit.json.error).toMatch(/unknown unit NOPE/)
    const decision = { lead: 'CGJ', assist: ['PCS', 'JD'], norm: '占道经营由城管主办，涉及治安的派出所协办', start_date: shanghaiDate(-3) }
    const d = await transition(id, { action: 'decide', expected_version: item.version, decision })
    expect(d.status, d.text).toBe(200)
    expect(d.json.item).toMatchObject({ status: 'decided', decision, decided_by: tokens.member.id, version: item.version + 1 })
    expect(d.json.item.routing_version).toBeGreaterThan(0)
    const routing = await store().routingVersions('ENV_STREET_VENDOR')
    expect(routing[0]).toMatchObject({ version: d.json.item.routing_version, lead: 'CGJ', assist: ['PCS', 'JD'], start_date: decision.start_date, item_id: id, actor: tokens.member.id })
    expect((await store().currentRouting()).find((r) => r.category_code === 'ENV_STREET_VENDOR')?.version).toBe(d.json.item.routing_version)
    item = d.json.item
    const c = await transition(id, { action: 'close', expected_version: item.version, reason: '已按会商意见落实' })
    expect(c.status).toBe(200)
    expect(c.json.item.status).toBe('closed')

    const one = await call('GET', `/api/items/${id}`, tokens.leaderCity.token)
    const changes = one.json.history.filter((h: any) => h.actor !== 'detector')
    expect(changes.at(-2)).toMatchObject({ action: 'decide', actor: tokens.member.id, role: 'member', from_status: 'under_review', to_status: 'decided', detail: expect.stringMatching(/lead CGJ; assist PCS,JD/) })
    expect(changes.at(-1)).toMatchObject({ action: 'close', actor: tokens.member.id, role: 'member', to_status: 'closed', reason: '已按会商意见落实' })

    const audit = (await call('GET', '/api/audit?limit=1000')).json.rows as any[]
    expect(audit.find((r) => r.action === 'item.decide' && r.target === id && r.outcome === 'ok')).toMatchObject({ actor: tokens.member.id, role: 'member' })
    expect(audit.find((r) => r.action === 'item.close' && r.target === id)).toMatchObject({ outcome: 'ok' })
    expect(audit.find((r) => r.action === 'item.decide' && r.target === id && r.outcome === 'failed')?.detail).toMatch(/unknown unit NOPE/)
    expect(audit.some((r) => r.action === 'item.review' && r.outcome === 'failed' && /now version/.test(r.detail))).toBe(true)
  })

  it('the before/after comparison counts the category × county per day around the start date', async () => {
    // Decision start: 3 days before the test day; windows of 4 days (start … today) each side.
    const rec = (n: string, day: string, over = {}) => record({ source_id: `IMP-${n}`, county_code: '410105', category_code: 'ENV_STREET_VENDOR', received_at: at(`${day}T10:00`), ...over })
    const r = await post(app, 'records', ndjson([
      rec('1', shanghaiDate(-5)), rec('2', shanghaiDate(-5)), rec('3', shanghaiDate(-6)), rec('4', shanghaiDate(-7)),
      rec('5', shanghaiDate(-1)),
      rec('6', shanghaiDate(-8)), // outside the before window
      rec('7', shanghaiDate(-5), { county_code: '410102' }), // another county
      rec('8', shanghaiDate(-5), { category_code: 'PUB_MANHOLE' }), // another category
    ]))
    expect(r.body.rejected, JSON.stringify(r.body)).toBe(0)
    const imp = await call('GET', `/api/items/${id}/impact?as_of=${encodeURIComponent(new Date(NOW).toISOString())}`, tokens.leaderCity.token)
    expect(imp.status, imp.text).toBe(200)
    expect(imp.json).toMatchObject({ days: 4, before: { records: 4 }, after: { records: 1 }, change: { records: 0.25 } })
    expect(imp.json.before.series.map((p: any) => p.records)).toEqual([1, 1, 2, 0])
    expect(imp.json.after.series.map((p: any) => p.day)).toEqual([shanghaiDate(-3), shanghaiDate(-2), shanghaiDate(-1), shanghaiDate(0)])
    expect((await call('GET', `/api/items/${itemId('rc|caller-x')}/impact`)).status).toBe(404) // no decision
  })

  it('the wall reads the queue only (no evidence or history); changes are for admin and member only', async () => {
    expect((await call('GET', '/api/items', tokens.wall.token)).status).toBe(200)
    expect((await call('GET', `/api/items/${id}`, tokens.wall.token)).status).toBe(403)
    expect((await call('GET', '/api/items/agenda', tokens.wall.token)).status).toBe(403)
    expect((await transition(id, { action: 'reopen', expected_version: 1 }, tokens.wall.token)).status).toBe(403)
    expect((await transition(id, { action: 'reopen', expected_version: 1 }, tokens.leaderCity.token)).status).toBe(403)
  })
})

describe('region scope', () => {
  it('a county leader sees only its county (city-wide items are for city-scoped callers)', async () => {
    await store().upsertFindings([finding({ fingerprint: 'surge|city', kind: 'surge', county_code: '', category_code: '', title: '全市话务量激增' })], NOW)
    const mine = (await call('GET', '/api/items?limit=1000', tokens.leader105.token)).json.items as any[]
    expect(mine.length).toBeGreaterThan(0)
    expect(mine.every((i) => i.county_code === '410105')).toBe(true)
    const all = (await call('GET', '/api/items?limit=1000', tokens.leaderCity.token)).json.items as any[]
    expect(all.map((i) => i.county_code)).toEqual(expect.arrayContaining(['410105', '410102', '']))
    expect((await call('GET', `/api/items/${itemId('dc|PUB_MANHOLE|410102')}`, tokens.leader105.token)).status).toBe(404)
    expect((await call('GET', `/api/items/${itemId('surge|city')}`, tokens.leader105.token)).status).toBe(404)
    expect((await call('GET', `/api/items/${itemId('dc|PUB_MANHOLE|410105')}`, tokens.leader105.token)).status).toBe(200)
    const agenda = await call('GET', `/api/items/agenda?ids=${itemId('dc|PUB_MANHOLE|410102')}`, tokens.leader105.token)
    expect(agenda.status).toBe(404)
    // Filters combine with the scope.
    const filtered = (await call('GET', '/api/items?county=410102', tokens.leader105.token)).json.items
    expect(filtered).toEqual([])
    expect((await call('GET', '/api/items?severity=urgent')).status).toBe(400)
  })
})

describe('agenda and minutes', () => {
  it('Markdown and printable HTML, with item text escaped', async () => {
    const fp = 'hot|xss'
    await store().upsertFindings([finding({ fingerprint: fp, kind: 'hot_issue', title: '<script>alert(1)</script> 某小区|噪音*扰民' })], NOW)
    const ids = [itemId(fp), itemId('jc|ping-pong|CGJ-PCS')].join(',')
    const md = await call('GET', `/api/items/agenda?ids=${ids}&format=md`)
    expect(md.status).toBe(200)
    expect(md.type).toMatch(/text\/markdown/)
    expect(md.text).toContain('# 会商议程与纪要')
    expect(md.text).toContain('\\<script\\>alert(1)\\</script\\> 某小区\\|噪音\\*扰民')
    expect(md.text).not.toContain('<script>')
    expect(md.text).toContain('热点问题')
    expect(md.text).toContain('占道经营由城管主办') // the decision's norm
    expect(md.text).toMatch(/\| 状态 \| 已办结/)
    const html = await call('GET', `/api/items/agenda?ids=${ids}&format=html`)
    expect(html.status).toBe(200)
    expect(html.type).toMatch(/text\/html/)
    expect(html.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html.text).not.toContain('<script')
    expect(html.text).toContain('城市管理局（CGJ）')
    // Without ids: the items under review.
    const queue = await call('GET', '/api/items/agenda')
    expect(queue.status).toBe(200)
    expect((await call('GET', '/api/items/agenda?ids=nope')).status).toBe(400)
  })
})

describe('the per-item lock', () => {
  it('runs holders of one key one at a time and different keys at once', async () => {
    const m = new KeyedMutex()
    const log: string[] = []
    const step = (k: string, tag: string, ms: number) => m.run([k], async () => { log.push(`${tag}+`); await new Promise((r) => setTimeout(r, ms)); log.push(`${tag}-`) })
    await Promise.all([step('a', 'a1', 30), step('a', 'a2', 1), step('b', 'b1', 5)])
    expect(log.indexOf('a1-')).toBeLessThan(log.indexOf('a2+'))
    expect(log.indexOf('b1+')).toBeLessThan(log.indexOf('a1-'))
    expect(m.size).toBe(0)
  })
})

describe('fingerprints across a restart', () => {
  it('the same finding after a restart updates nothing and finds the same item with its history', async () => {
    const fp = 'dc|PUB_MANHOLE|410105'
    const before = (await store().get(itemId(fp)))!
    const historyBefore = await store().history(itemId(fp))
    await app.close()
    app = await start()
    const again = await ItemStore.for(app.db).upsertFindings([finding({
      fingerprint: fp, last_seen: NOW + 6 * DAY, title: '井盖缺失 金水区 反复转办（持续）', counts: { records: 20, transfers: 15 },
      series: [{ day: shanghaiDate(-1), n: 8 }, { day: shanghaiDate(5), n: 3 }], samples: [{ platform: '12345', source_id: 'G-9' }],
    })], NOW + 8 * DAY)
    expect(again.unchanged).toBe(1)
    const res = await call('GET', `/api/items/${itemId(fp)}`)
    expect(res.status).toBe(200)
    expect(res.json.item).toEqual(before)
    expect(res.json.history).toEqual(historyBefore)
    expect((await ItemStore.for(app.db).list({ limit: 1000 })).filter((i) => i.fingerprint === fp)).toHaveLength(1)
  })
})
