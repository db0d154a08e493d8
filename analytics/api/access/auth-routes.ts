// Sign-in for people (cookie sessions) and the admin API for users. Sign-in and sign-out are public
// routes; everything else goes through the guard.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { ROLES } from './route-table'
import { FailureLimiter, type OneTimeLinks, type SessionStore, type UserStore } from './users'
import { SESSION_COOKIE, WALL_COOKIE, readSigned, setSigned, clear } from './cookies'
import type { TokenStore } from './tokens'

export const SignIn = z.object({ username: z.string().max(64), password: z.string().max(1024) })
export const NewUser = z.object({ username: z.string().max(64), password: z.string().max(1024), role: z.enum(ROLES), regions: z.array(z.string().max(12)).max(50).optional() })
export const LinkCode = z.object({ code: z.string().min(1).max(200) })
export const NewPassword = z.object({ password: z.string().max(1024) })

export interface AuthDeps { users: UserStore; sessions: SessionStore; tokens: TokenStore; links?: OneTimeLinks; limiter?: FailureLimiter }

export function authRoutes({ users, sessions, tokens, links, limiter = new FailureLimiter() }: AuthDeps) {
  return async function plugin(app: FastifyInstance) {
    const who = (req: FastifyRequest) => ({ actor: req.principal?.id ?? '', role: req.principal?.role ?? '', address: req.ip })
    const fail = (reply: FastifyReply, code: number, error: string) => reply.code(code).send({ error })

    app.post('/api/auth/sign-in', async (req, reply) => {
      const b = SignIn.safeParse(req.body)
      if (!b.success) return fail(reply, 400, 'send {"username": …, "password": …}')
      const keys = [`u:${b.data.username}`, `ip:${req.ip}`]
      if (keys.some((k) => limiter.blocked(k))) {
        await app.audit.record({ actor: `user:${b.data.username}`, role: '', address: req.ip, action: 'sign-in', outcome: 'denied', detail: 'rate limited' })
        return reply.code(429).header('retry-after', '900').send({ error: 'too many failed sign-ins for this account or address: try again later' })
      }
      const r = await users.check(b.data.username, b.data.password)
      if (!r.ok) {
        keys.forEach((k) => limiter.fail(k))
        await app.audit.record({ actor: `user:${b.data.username}`, role: '', address: req.ip, action: 'sign-in', outcome: 'failed', detail: r.reason })
        return fail(reply, 401, 'unauthorized: wrong username or password, or the account is disabled')
      }
      limiter.clear(keys[0])
      const s = sessions.create(r.principal)
      await app.audit.record({ actor: r.principal.id, role: r.principal.role, address: req.ip, action: 'sign-in', outcome: 'ok' })
      setSigned(req, reply, SESSION_COOKIE, s.id)
      return reply.send({ username: r.principal.name, role: r.principal.role, csrf: s.csrf })
    })

    // The demo admin's one-time sign-in link (`#signin=CODE`, printed in the log at a demo start).
    app.post('/api/auth/link', async (req, reply) => {
      const b = LinkCode.safeParse(req.body)
      if (!b.success) return fail(reply, 400, 'send {"code": …}')
      const principal = links?.consume(b.data.code) ?? null
      if (!principal) {
        await app.audit.record({ actor: '', role: '', address: req.ip, action: 'sign-in.link', outcome: 'failed', detail: 'unknown, used or expired code' })
        return fail(reply, 401, 'unauthorized: this sign-in link is unknown, used or expired')
      }
      const s = sessions.create(principal)
      await app.audit.record({ actor: principal.id, role: principal.role, address: req.ip, action: 'sign-in.link', outcome: 'ok' })
      setSigned(req, reply, SESSION_COOKIE, s.id)
      return reply.send({ username: principal.name, role: principal.role, csrf: s.csrf })
    })

    // A wall screen opened with `#token=lk_…` sends the token here once; it comes back as an httpOnly
    // cookie (until the token expires), so the page never keeps it and nobody types at the wall.
    app.post('/api/auth/wall', async (req, reply) => {
      const m = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '')
      if (!m) return fail(reply, 401, 'unauthorized: send the wall token as Authorization: Bearer <token>')
      const v = await tokens.verify(m[1])
      if (!v.ok || v.principal.role !== 'wall') {
        const why = v.ok ? `role ${v.principal.role} is not a wall token` : v.reason
        await app.audit.record({ actor: v.ok ? v.principal.id : '', role: v.ok ? v.principal.role : '', address: req.ip, action: 'wall.cookie', outcome: 'denied', detail: why })
        return fail(reply, v.ok ? 403 : 401, `${v.ok ? 'forbidden' : 'unauthorized'}: ${why}`)
      }
      const expires = v.principal.expiresMs ?? Date.now() + 365 * 86_400_000
      setSigned(req, reply, WALL_COOKIE, m[1], Math.max(1, Math.floor((expires - Date.now()) / 1000)))
      await app.audit.record({ actor: v.principal.id, role: 'wall', address: req.ip, action: 'wall.cookie', outcome: 'ok' })
      return reply.send({ role: 'wall', name: v.principal.name })
    })

    app.post('/api/auth/sign-out', async (req, reply) => {
      const c = readSigned(req, SESSION_COOKIE)
      if (c && 'value' in c) sessions.delete(c.value)
      clear(req, reply, SESSION_COOKIE)
      clear(req, reply, WALL_COOKIE)
      return reply.send({ signed_out: true })
    })

    app.get('/api/auth/me', async (req) => {
      const p = req.principal!
      return { id: p.id, role: p.role, name: p.name, regions: p.scope.counties, csrf: req.csrf }
    })

    app.get('/api/admin/users', async () => ({ users: await users.list() }))
    app.post('/api/admin/users', async (req, reply) => {
      const b = NewUser.safeParse(req.body)
      if (!b.success) return fail(reply, 400, b.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '))
      try {
        const u = await users.create(b.data)
        await app.audit.record({ ...who(req), action: 'user.create', target: u.username, outcome: 'ok', detail: `role ${u.role}` })
        return reply.code(201).send(u)
      } catch (e) {
        return fail(reply, 400, (e as Error).message)
      }
    })
    app.post('/api/admin/users/:username/disable', async (req, reply) => {
      const u = (req.params as { username: string }).username
      const ok = await users.disable(u)
      if (ok) sessions.dropUser(u)
      await app.audit.record({ ...who(req), action: 'user.disable', target: u, outcome: ok ? 'ok' : 'failed' })
      return ok ? { disabled: u } : fail(reply, 404, `no user ${u}`)
    })
    app.post('/api/admin/users/:username/password', async (req, reply) => {
      const u = (req.params as { username: string }).username
      const b = NewPassword.safeParse(req.body)
      if (!b.success) return fail(reply, 400, 'send {"password": …}')
      try {
        const ok = await users.passwd(u, b.data.password)
        if (ok) sessions.dropUser(u)
        await app.audit.record({ ...who(req), action: 'user.passwd', target: u, outcome: ok ? 'ok' : 'failed' })
        return ok ? { changed: u } : fail(reply, 404, `no user ${u}`)
      } catch (e) {
        return fail(reply, 400, (e as Error).message)
      }
    })
  }
}
