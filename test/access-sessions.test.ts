// People sign in: Argon2id passwords, an httpOnly SameSite=Strict session cookie, CSRF on cookie-
// authenticated state changes, sign-out and disabling end sessions at once, idle sessions expire,
// failed sign-ins are limited per account and address, and each sign-in is audited.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestApp, type TestApp } from './helpers/app'
import { SessionStore } from '../analytics/api/access/users'

let app: TestApp
// One app per file (chdb binds one data directory per process): with the demo admin link and a short audit retention.
beforeAll(async () => { app = await startTestApp({ DEMO_ADMIN_LINK: 'true', AUDIT_RETENTION_DAYS: '30' }, { auth: false }) })
afterAll(async () => { await app?.stop() })

const PASSWORD = 'correct horse battery staple'
async function call(method: string, path: string, o: { token?: string; cookie?: string; csrf?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {}
  if (o.token) headers.authorization = `Bearer ${o.token}`
  if (o.cookie) headers.cookie = o.cookie
  if (o.csrf) headers['x-csrf-token'] = o.csrf
  if (o.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(app.url + path, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) })
  return { status: res.status, headers: res.headers, json: (await res.json().catch(() => null)) as any }
}
async function signIn(username: string, password = PASSWORD) {
  const r = await call('POST', '/api/auth/sign-in', { body: { username, password } })
  const set = r.headers.get('set-cookie') ?? ''
  return { ...r, set, cookie: set.split(';')[0], csrf: r.json?.csrf as string }
}
const createUser = (username: string, role: string, regions?: string[], password = PASSWORD) =>
  call('POST', '/api/admin/users', { token: app.adminToken, body: { username, password, role, regions } })

describe('users and sessions', () => {
  it('signs in with a cookie that is httpOnly and SameSite=Strict, scoped to the user\'s regions', async () => {
    expect((await createUser('short', 'member', [], 'too short')).json.error).toMatch(/at least 12 characters/)
    expect((await createUser('mia', 'member', ['410102'])).status).toBe(201)
    const wrong = await signIn('mia', 'not the password at all')
    expect(wrong.status).toBe(401)
    expect(wrong.json.error).toMatch(/wrong username or password/)
    expect((await signIn('nobody-at-all')).json.error).toBe(wrong.json.error) // same answer for an unknown user
    const s = await signIn('mia')
    expect(s.status).toBe(200)
    // Signed (id.signature), httpOnly, SameSite=Strict; Secure only over TLS.
    expect(s.set).toMatch(/^linkage_session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9%_+/-]+; Path=\/; HttpOnly; SameSite=Strict$/)
    const me = await call('GET', '/api/auth/me', { cookie: s.cookie })
    expect(me.json).toMatchObject({ role: 'member', regions: ['410102'], csrf: s.csrf })
    expect((await call('GET', '/api/metrics/overview', { cookie: s.cookie })).status).toBe(200)
    expect((await call('GET', '/api/admin/tokens', { cookie: s.cookie })).status).toBe(403)
    // One character of the id changed (to another one, whatever the random id holds): the signature no longer matches.
    const tampered = await call('GET', '/api/metrics/overview', { cookie: s.cookie.replace(/=(.)/, (_, c: string) => '=' + (c === 'A' ? 'B' : 'A')) })
    expect(tampered.status).toBe(401)
    expect(tampered.json.error).toMatch(/tampered session cookie/)
    expect((await call('GET', '/api/metrics/overview', { cookie: 'linkage_session=' + s.cookie.split('=')[1].split('.')[0] })).json.error).toMatch(/tampered session cookie/) // unsigned
  })

  it('requires the session\'s CSRF token for cookie-authenticated state changes', async () => {
    expect((await createUser('ada', 'admin')).status).toBe(201)
    const a = await signIn('ada')
    const b = await signIn('ada')
    const made = (csrf?: string) => call('POST', '/api/admin/tokens', { cookie: a.cookie, csrf, body: { role: 'wall' } })
    const none = await made()
    expect(none.status).toBe(403)
    expect(none.json.error).toMatch(/CSRF/)
    expect((await made(b.csrf)).status).toBe(403) // another session's token
    expect((await made(a.csrf)).status).toBe(201)
  })

  it('ends sessions at sign-out, on disabling and on a password change', async () => {
    expect((await createUser('sam', 'leader')).status).toBe(201)
    const s1 = await signIn('sam')
    const out = await call('POST', '/api/auth/sign-out', { cookie: s1.cookie })
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/)
    expect((await call('GET', '/api/auth/me', { cookie: s1.cookie })).status).toBe(401)
    const s2 = await signIn('sam')
    expect((await call('POST', '/api/admin/users/sam/password', { token: app.adminToken, body: { password: 'another long password' } })).status).toBe(200)
    expect((await call('GET', '/api/auth/me', { cookie: s2.cookie })).status).toBe(401)
    const s3 = await signIn('sam', 'another long password')
    expect(s3.status).toBe(200)
    expect((await call('POST', '/api/admin/users/sam/disable', { token: app.adminToken, body: {} })).status).toBe(200)
    expect((await call('GET', '/api/auth/me', { cookie: s3.cookie })).status).toBe(401)
    expect((await signIn('sam', 'another long password')).status).toBe(401)
    const listed = (await call('GET', '/api/admin/users', { token: app.adminToken })).json.users
    expect(listed.find((u: any) => u.username === 'sam')).toMatchObject({ disabled: true, role: 'leader' })
    expect(JSON.stringify(listed)).not.toMatch(/argon2|password/)
  })

  it('forgets a session left idle longer than the limit', () => {
    const store = new SessionStore(60_000)
    const { id } = store.create({ id: 'user:x', role: 'wall', name: 'x', scope: { counties: 'all' }, platforms: 'all' }, 0)
    expect(store.get(id, 59_000)).not.toBeNull() // used: the idle clock restarts
    expect(store.get(id, 118_000)).not.toBeNull()
    expect(store.get(id, 178_001)).toBeNull()
  })

  it('audits sign-ins, then limits failed ones per account and address', async () => {
    const rows = (await call('GET', '/api/audit?limit=1000&action=sign-in', { token: app.adminToken })).json.rows as any[]
    expect(rows.some((r) => r.actor === 'user:mia' && r.outcome === 'ok' && r.role === 'member')).toBe(true)
    expect(rows.some((r) => r.actor === 'user:mia' && r.outcome === 'failed' && r.detail === 'wrong password')).toBe(true)
    expect(JSON.stringify(rows)).not.toContain('not the password at all') // passwords never stored
    expect((await createUser('lim', 'wall')).status).toBe(201)
    for (let i = 0; i < 5; i++) await signIn('lim', 'wrong password number ' + i)
    const blocked = await signIn('lim') // right password, but too many failures
    expect(blocked.status).toBe(429)
    expect(blocked.json.error).toMatch(/too many failed sign-ins/)
  })
})

describe('wall screens, the demo admin link, audit retention', () => {
  it('turns a wall token into a signed httpOnly cookie that works until the token is revoked', async () => {
    const wall = await app.tokens.create({ role: 'wall', name: 'hall screen', expiresDays: 2 })
    const set = await call('POST', '/api/auth/wall', { token: wall.token })
    expect(set.status).toBe(200)
    const header = set.headers.get('set-cookie') ?? ''
    expect(header).toMatch(/^linkage_wall=lk_[^;]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict$/)
    expect(Number(/Max-Age=(\d+)/.exec(header)![1])).toBeGreaterThan(86_400) // lives as long as the token
    const cookie = header.split(';')[0]
    expect((await call('GET', '/api/metrics/overview', { cookie })).status).toBe(200)
    expect((await call('GET', '/api/export/records', { cookie })).status).toBe(403) // a wall reads what the wall shows
    expect((await call('GET', '/api/metrics/overview', { cookie: cookie.replace('lk_', 'lk_x') })).json.error).toMatch(/tampered wall cookie/)
    await app.tokens.revoke(wall.info.id)
    const after = await call('GET', '/api/metrics/overview', { cookie })
    expect(after.status).toBe(401)
    expect(after.json.error).toMatch(/revoked token/)
    // Only wall tokens become cookies; unknown tokens are refused.
    const evaluator = await app.tokens.create({ role: 'evaluator' })
    expect((await call('POST', '/api/auth/wall', { token: evaluator.token })).status).toBe(403)
    expect((await call('POST', '/api/auth/wall', { token: 'lk_' + 'a'.repeat(43) })).status).toBe(401)
    const audit = (await call('GET', '/api/audit?action=wall.cookie', { token: app.adminToken })).json.rows as any[]
    expect(audit.map((r) => r.outcome).sort()).toEqual(['denied', 'denied', 'ok'])
  })

  it('signs the demo admin in once with the printed link', async () => {
    expect(app.demoAdminLink).toMatch(/^http:\/\/localhost:\d+\/#signin=[A-Za-z0-9_-]{32}$/)
    const code = app.demoAdminLink!.split('#signin=')[1]
    const r = await call('POST', '/api/auth/link', { body: { code } })
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ username: 'demo-admin', role: 'admin' })
    const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]
    expect((await call('GET', '/api/admin/users', { cookie })).status).toBe(200)
    const again = await call('POST', '/api/auth/link', { body: { code } })
    expect(again.status).toBe(401)
    expect(again.json.error).toMatch(/unknown, used or expired/)
  })

  it('drops audit rows older than AUDIT_RETENTION_DAYS', async () => {
    const [t] = await (await app.db.query({ query: `SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'audit'`, format: 'JSONEachRow' })).json<{ engine_full: string }>()
    expect(t.engine_full).toContain('toIntervalDay(30)')
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString().replace('T', ' ').replace('Z', '')
    await app.db.insert({ table: 'audit', format: 'JSONEachRow', values: [{ at: old, actor: 'retention-old', role: 'admin', address: '', action: 'test.old', target: '', outcome: 'ok', detail: '' }],
      clickhouse_settings: { date_time_input_format: 'best_effort' } })
    await app.db.command({ query: 'OPTIMIZE TABLE audit FINAL' })
    const rows = (await call('GET', '/api/audit?limit=10000', { token: app.adminToken })).json.rows as any[]
    expect(rows.some((r) => r.actor === 'retention-old')).toBe(false)
    expect(rows.some((r) => r.action === 'sign-in')).toBe(true) // recent rows stay
  })
})
