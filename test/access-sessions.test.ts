// People sign in: Argon2id passwords, an httpOnly SameSite=Strict session cookie, CSRF on cookie-
// authenticated state changes, sign-out and disabling end sessions at once, idle sessions expire,
// failed sign-ins are limited per account and address, and each sign-in is audited.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { startTestApp, type TestApp } from './helpers/app'
import { SessionStore } from '../analytics/api/access/users'

let app: TestApp
beforeAll(async () => { app = await startTestApp({}, { auth: false }) })
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
    expect(s.set).toMatch(/^linkage_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/) // Secure only over TLS
    const me = await call('GET', '/api/auth/me', { cookie: s.cookie })
    expect(me.json).toMatchObject({ role: 'member', regions: ['410102'], csrf: s.csrf })
    expect((await call('GET', '/api/metrics/overview', { cookie: s.cookie })).status).toBe(200)
    expect((await call('GET', '/api/admin/tokens', { cookie: s.cookie })).status).toBe(403)
    expect((await call('GET', '/api/metrics/overview', { cookie: s.cookie.slice(0, -2) + 'xx' })).json.error).toMatch(/session expired or signed out/)
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
