// Access control: every route of the route table (the same table the server enforces) is called with
// every role and with no credentials; region-scoped reads never return another county's data; source
// tokens are held to their platform and counties; bad tokens get 401 saying why, wrong roles 403.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { existsSync } from 'node:fs'
import Fastify from 'fastify'
import { startTestApp, ndjson, type TestApp } from './helpers/app'
import { record, transfer, shanghaiDate, at } from './helpers/fixtures'
import { ROUTES, ROLES, type Role, type RouteRule } from '../analytics/api/access/route-table'
import { installAccess, RouteNotInTableError } from '../analytics/api/access/guard'
import { TokenStore } from '../analytics/api/access/tokens'
import { Audit } from '../analytics/api/access/audit'

const A = '410102' // 中原区: the scoped tokens' county
const B = '410105' // 金水区: another county, whose data must never reach them
const DAY = shanghaiDate(0)
const WIN = `from=${DAY}&to=${DAY}&as_of=${encodeURIComponent(at(`${DAY}T23:00`))}`

let app: TestApp
const city: Partial<Record<Role, string>> = {}
const scoped: Partial<Record<Role, string>> = {}

async function call(method: string, path: string, token?: string, body?: string, type?: string) {
  const headers: Record<string, string> = {}
  if (token) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = type ?? 'application/json'
  const res = await fetch(app.url + path, { method, headers, body })
  const text = await res.text()
  let json: any = null
  try { json = JSON.parse(text) } catch { /* NDJSON or HTML */ }
  return { status: res.status, text, json }
}

let n = 0
/** A request for the rule: its example URL and a valid body (ingest lines dated away from the seeded day). */
function requestFor(rule: RouteRule): { path: string; body?: string; type?: string } {
  const path = rule.example ?? rule.path
  if (rule.path === '/api/ingest/records')
    return { path, body: JSON.stringify(record({ source_id: `MX-${++n}`, platform: '110', kind: 'assistance', county_code: A, received_at: '2025-01-10T09:00:00+08:00' })), type: 'application/x-ndjson' }
  if (rule.path === '/api/ingest/events')
    return { path, body: JSON.stringify({ event_id: `MXE-${++n}`, platform: '110', record_id: 'MX-1', type: 'accepted', at: '2025-01-10T09:05:00+08:00' }), type: 'application/x-ndjson' }
  if (rule.method === 'POST' && rule.path === '/api/admin/tokens') return { path, body: JSON.stringify({ role: 'wall', expires_days: 1 }) }
  if (rule.method === 'POST' && rule.path === '/api/admin/users') return { path, body: JSON.stringify({ username: `mx-user-${++n}`, password: 'a long enough password', role: 'wall' }) }
  if (rule.path === '/api/admin/users/:username/password') return { path, body: JSON.stringify({ password: 'a long enough password' }) }
  if (rule.method === 'POST' && (rule.path === '/api/auth/sign-in' || rule.path.endsWith('/disable'))) return { path, body: '{}' }
  return { path }
}

beforeAll(async () => {
  // auth: false — nothing here is sent with the harness's admin token unless a test says so.
  app = await startTestApp({}, { auth: false })
  for (const role of ROLES) {
    city[role] = (await app.tokens.create({ role, platforms: role === 'source' ? ['12345', '110'] : undefined, name: `city ${role}` })).token
    scoped[role] = (await app.tokens.create({ role, regions: [A], platforms: role === 'source' ? ['110'] : undefined, name: `${A} ${role}` })).token
  }
  // Two matters, one in each county: a 12345 order transferred to 110.
  const records = [
    record({ source_id: 'MATRIX-1', county_code: A, status: 'transferred_out' }),
    record({ source_id: 'MATRIX-2', county_code: B, status: 'transferred_out' }),
    record({ source_id: 'J-MATRIX-3', platform: '110', kind: 'assistance', county_code: A }),
    record({ source_id: 'J-MATRIX-4', platform: '110', kind: 'assistance', county_code: B }),
  ]
  const events = [
    transfer('MEV-1', '12345', 'MATRIX-1', '110', 'J-MATRIX-3', at(`${DAY}T09:10`)),
    transfer('MEV-2', '12345', 'MATRIX-2', '110', 'J-MATRIX-4', at(`${DAY}T09:10`)),
  ]
  const r = await call('POST', '/api/ingest/records', app.adminToken, ndjson(records), 'application/x-ndjson')
  expect(r.json.rejected, r.text).toBe(0)
  const e = await call('POST', '/api/ingest/events', app.adminToken, ndjson(events), 'application/x-ndjson')
  expect(e.json.rejected, e.text).toBe(0)
})
afterAll(async () => { await app?.stop() })

describe('route table × roles', () => {
  const dashboardBuilt = existsSync(new URL('../web/dist/index.html', import.meta.url))
  for (const rule of ROUTES) {
    it(`${rule.method} ${rule.path}`, async () => {
      if (!dashboardBuilt && rule.path === '/*') return // static files are served only once built
      const anon = requestFor(rule)
      const none = await call(rule.method, anon.path, undefined, anon.body, anon.type)
      if (rule.allow === 'public') { if (!rule.selfChecked) expect([401, 403], none.text).not.toContain(none.status) }
      else expect(none.status, none.text).toBe(401)
      for (const role of ROLES) {
        const req = requestFor(rule)
        const res = await call(rule.method, req.path, city[role], req.body, req.type)
        const allowed = rule.allow === 'public' || rule.allow.includes(role)
        if (rule.selfChecked) expect(res.status, `${role}: ${res.text}`).toBeLessThan(500) // its own credential decides
        else if (allowed) {
          expect([401, 403], `${role}: ${res.text}`).not.toContain(res.status)
          // Registered on the server (not Fastify's "Route … not found"): table and server agree both ways.
          expect(String(res.json?.message ?? ''), `${role}`).not.toMatch(/^Route .* not found$/)
        } else expect(res.status, `${role}: ${res.text}`).toBe(403)
      }
    })
  }

  it('refuses to start a server with a route missing from the table', async () => {
    const f = Fastify()
    installAccess(f, { tokens: new TokenStore(app.db), openRole: null, audit: new Audit(app.db), cookieSecret: 'test' })
    expect(() => f.get('/api/not-in-the-table', async () => 'x')).toThrow(RouteNotInTableError)
    await f.close().catch(() => {})
  })
})

describe('bad credentials', () => {
  it('answers 401 saying which: malformed, unknown, revoked, expired; 403 for a wrong role', async () => {
    const p = '/api/metrics/definitions'
    expect((await call('GET', p)).json.error).toMatch(/no credentials/)
    expect((await call('GET', p, 'not-a-token')).json.error).toMatch(/malformed token/)
    const res = await fetch(app.url + p, { headers: { authorization: 'Basic abc' } })
    expect(res.status).toBe(401)
    expect(((await res.json()) as any).error).toMatch(/malformed Authorization/)
    expect((await call('GET', p, 'lk_' + 'A'.repeat(43))).json.error).toMatch(/unknown token/)
    const t = await app.tokens.create({ role: 'wall' })
    expect((await call('GET', p, t.token)).status).toBe(200)
    expect(await app.tokens.revoke(t.info.id)).toBe(true)
    const revoked = await call('GET', p, t.token) // at once, despite the cache
    expect(revoked.status).toBe(401)
    expect(revoked.json.error).toMatch(/revoked token/)
    const short = await app.tokens.create({ role: 'wall', expiresDays: 1 / 86_400 }) // one second
    await new Promise((r) => setTimeout(r, 1200))
    const expired = await call('GET', p, short.token)
    expect(expired.status).toBe(401)
    expect(expired.json.error).toMatch(/expired token/)
    const wrong = await call('GET', '/api/export/records', city.wall)
    expect(wrong.status).toBe(403)
    expect(wrong.json.error).toMatch(/role wall may not/)
  })
})

describe('region scope', () => {
  it('overview counts only the scoped county (records, and events by their sending record)', async () => {
    const all = await call('GET', `/api/metrics/overview?${WIN}`, city.evaluator)
    const one = await call('GET', `/api/metrics/overview?${WIN}`, scoped.evaluator)
    expect(all.json.metrics.volume_12345.value).toBe(2)
    expect(all.json.metrics.transfers_to_110.value).toBe(2)
    expect(one.json.metrics.volume_12345.value).toBe(1)
    expect(one.json.metrics.volume_110.value).toBe(1)
    expect(one.json.metrics.transfers_to_110.value).toBe(1)
  })

  it('by-region lists only the scoped counties (no 未知区域)', async () => {
    const one = await call('GET', `/api/metrics/by-region?${WIN}`, scoped.leader)
    expect(one.json.regions.map((r: any) => r.county_code)).toEqual([A])
    expect(one.json.regions[0].metrics.volume_12345.value).toBe(1)
    const all = await call('GET', `/api/metrics/by-region?${WIN}`, city.leader)
    expect(all.json.regions.length).toBeGreaterThan(2)
  })

  it('export holds only the scoped county, and no text for evaluators', async () => {
    const lines = async (token: string) => (await call('GET', `/api/export/records?from=${DAY}&to=${DAY}`, token)).text.split('\n').filter(Boolean).map((l) => JSON.parse(l))
    const ev = await lines(scoped.evaluator!)
    expect(ev.map((r) => r.source_id).sort()).toEqual(['J-MATRIX-3', 'MATRIX-1'])
    expect(ev.every((r) => r.county_code === A && !('title' in r))).toBe(true)
    const member = await lines(scoped.member!)
    expect(member.every((r) => r.county_code === A && 'title' in r)).toBe(true)
    expect((await lines(city.evaluator!)).length).toBe(4)
  })

  it('trace does not find or follow a matter outside the scope', async () => {
    expect((await call('GET', '/api/trace/12345/MATRIX-2', scoped.member)).status).toBe(404)
    const own = await call('GET', '/api/trace/12345/MATRIX-1', scoped.member)
    expect(own.status).toBe(200)
    expect(own.json.records.map((r: any) => r.source_id).sort()).toEqual(['J-MATRIX-3', 'MATRIX-1'])
    const all = await call('GET', '/api/trace/12345/MATRIX-2', city.member)
    expect(all.json.records.map((r: any) => r.source_id).sort()).toEqual(['J-MATRIX-4', 'MATRIX-2'])
    expect(own.text).not.toContain('MATRIX-2')
  })

  it('refuses city-wide-only data (bounces) to a scoped credential', async () => {
    expect((await call('GET', '/api/metrics/bounces', scoped.wall)).status).toBe(403)
    expect((await call('GET', '/api/metrics/bounces', city.wall)).status).toBe(200)
  })

  it('no scoped read returns the other county', async () => {
    for (const rule of ROUTES.filter((r) => r.method === 'GET' && r.scope === 'region' && r.allow !== 'public')) {
      for (const role of (rule.allow as readonly Role[]).filter((r) => r !== 'admin')) {
        const url = rule.example ?? rule.path
        const q = rule.path.startsWith('/api/metrics') ? WIN : rule.path.startsWith('/api/export') ? `from=${DAY}&to=${DAY}` : ''
        const res = await call('GET', q ? `${url}${url.includes('?') ? '&' : '?'}${q}` : url, scoped[role])
        if (rule.path.startsWith('/api/metrics')) expect(res.status, `${role} ${rule.path}`).toBe(200)
        expect([401, 403], `${role} ${rule.path}`).not.toContain(res.status)
        expect(res.text, `${role} ${rule.path}`).not.toContain(B)
        expect(res.text, `${role} ${rule.path}`).not.toMatch(/MATRIX-2|J-MATRIX-4/)
      }
    }
  })
})

describe('source scope on ingest', () => {
  it('rejects lines of another platform or county with the field and reason, stores the rest', async () => {
    const lines = [
      record({ source_id: 'SRC-OK', platform: '110', kind: 'assistance', county_code: A }),
      record({ source_id: 'SRC-PLATFORM', platform: '12345', county_code: A }),
      record({ source_id: 'SRC-COUNTY', platform: '110', kind: 'assistance', county_code: B }),
    ]
    const r = await call('POST', '/api/ingest/records', scoped.source, ndjson(lines), 'application/x-ndjson')
    expect(r.status).toBe(200)
    expect(r.json.accepted).toBe(1)
    expect(r.json.results[1].errors[0]).toMatchObject({ field: 'platform' })
    expect(r.json.results[1].errors[0].reason).toMatch(/only platform 110/)
    expect(r.json.results[2].errors[0]).toMatchObject({ field: 'county_code' })
    expect(r.json.results[2].errors[0].reason).toMatch(new RegExp(`only counties ${A}`))
    const ev = await call('POST', '/api/ingest/events', scoped.source, JSON.stringify({ event_id: 'SRC-EV', platform: '12345', record_id: 'MATRIX-1', type: 'accepted', at: at(`${DAY}T09:30`) }), 'application/x-ndjson')
    expect(ev.json.results[0].errors[0].field).toBe('platform')
    const exp = (await call('GET', `/api/export/records?from=${DAY}&to=${DAY}`, app.adminToken)).text
    expect(exp).toContain('SRC-OK')
    expect(exp).not.toContain('SRC-PLATFORM')
    expect(exp).not.toContain('SRC-COUNTY')
  })

  it('takes events of a county-scoped source only for stored records of its counties', async () => {
    const ev = (id: string, recordId: string) => ({ event_id: id, platform: '110', record_id: recordId, type: 'accepted', at: at(`${DAY}T09:40`) })
    const r = await call('POST', '/api/ingest/events', scoped.source,
      ndjson([ev('EV-OWN', 'J-MATRIX-3'), ev('EV-OTHER', 'J-MATRIX-4'), ev('EV-UNKNOWN', 'J-NOT-SENT')]), 'application/x-ndjson')
    expect(r.status).toBe(200)
    expect(r.json.accepted).toBe(1)
    expect(r.json.results.map((x: any) => x.status)).toEqual(['accepted', 'rejected', 'rejected'])
    expect(r.json.results[1].errors[0]).toMatchObject({ field: 'record_id' })
    expect(r.json.results[1].errors[0].reason).toMatch(new RegExp(`county ${B}; this token may send only counties ${A}`))
    expect(r.json.results[2].errors[0].reason).toMatch(/not stored: .* must send the record before its events/)
    // A city-wide source is not limited by county: its event for the other county's record is taken.
    const city110 = await call('POST', '/api/ingest/events', city.source, ndjson([ev('EV-CITY', 'J-MATRIX-4')]), 'application/x-ndjson')
    expect(city110.json.accepted).toBe(1)
  })

  it('quarantine: a source sees only the lines it sent; admin sees all', async () => {
    await call('POST', '/api/ingest/records', city.source, '{"source_id":"Q-OTHER"}', 'application/x-ndjson')
    const mine = await call('GET', '/api/ingest/quarantine', scoped.source)
    expect(mine.status).toBe(200)
    const keys = mine.json.rows.map((r: any) => r.source_key)
    expect(keys).toContain('SRC-COUNTY')
    expect(keys).not.toContain('Q-OTHER')
    const all = (await call('GET', '/api/ingest/quarantine', app.adminToken)).json.rows.map((r: any) => r.source_key)
    expect(all).toEqual(expect.arrayContaining(['SRC-COUNTY', 'Q-OTHER']))
  })
})

describe('audit trail', () => {
  it('records token creation, use, revocation, refusals and export and trace reads; admins read it, nobody writes it', async () => {
    const created = await call('POST', '/api/admin/tokens', app.adminToken, JSON.stringify({ role: 'evaluator', regions: [A], name: 'audited' }))
    expect(created.status).toBe(201)
    const t = created.json.token as string
    expect((await call('GET', `/api/export/records?from=${DAY}&to=${DAY}`, t)).status).toBe(200)
    expect((await call('GET', '/api/trace/12345/MATRIX-1', app.adminToken)).status).toBe(200)
    expect((await call('GET', '/api/ingest/quarantine', t)).status).toBe(403)
    expect((await call('DELETE', `/api/admin/tokens/${created.json.id}`, app.adminToken)).status).toBe(200)
    expect((await call('GET', '/api/metrics/definitions', t)).status).toBe(401)
    const rows = (await call('GET', '/api/audit?limit=1000', app.adminToken)).json.rows as any[]
    const find = (action: string, pred: (r: any) => boolean = () => true) => rows.find((r) => r.action === action && pred(r))
    expect(find('token.create', (r) => r.target === created.json.id)).toMatchObject({ role: 'admin', outcome: 'ok', address: expect.stringMatching(/127\.0\.0\.1/) })
    expect(find('token.use', (r) => r.actor === created.json.id)).toBeTruthy()
    expect(find('export.read', (r) => r.actor === created.json.id)).toMatchObject({ role: 'evaluator', outcome: 'ok' })
    expect(find('trace.read', (r) => r.target === '12345:MATRIX-1')).toBeTruthy()
    expect(find('auth.denied', (r) => r.actor === created.json.id && r.target === 'GET /api/ingest/quarantine')).toMatchObject({ outcome: 'denied' })
    expect(find('token.revoke', (r) => r.target === created.json.id)).toMatchObject({ outcome: 'ok' })
    expect(find('auth.denied', (r) => r.detail === 'revoked token')).toBeTruthy()
    // No route writes or deletes audit rows.
    for (const m of ['POST', 'PUT', 'DELETE']) expect((await call(m, '/api/audit', app.adminToken, m === 'DELETE' ? undefined : '{}')).status).toBe(404)
    expect((await call('GET', '/api/audit', city.evaluator)).status).toBe(403)
  })
})
