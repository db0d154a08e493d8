// Sign-in for people (cookie sessions) and the admin API for users. Sign-in and sign-out are public
// routes; everything else goes through the guard.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { ROLES } from './route-table'
import { SESSION_COOKIE, readCookie, FailureLimiter, type SessionStore, type UserStore } from './users'

const SignIn = z.object({ username: z.string().max(64), password: z.string().max(1024) })
const NewUser = z.object({ username: z.string().max(64), password: z.string().max(1024), role: z.enum(ROLES), regions: z.array(z.string().max(12)).max(50).optional() })

function cookie(req: FastifyRequest, value: string, maxAge?: number): string {
  const secure = req.protocol === 'https' ? '; Secure' : ''
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict${secure}${maxAge !== undefined ? `; Max-Age=${maxAge}` : ''}`
}

export function authRoutes(users: UserStore, sessions: SessionStore, limiter = new FailureLimiter()) {
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
      return reply.header('set-cookie', cookie(req, s.id)).send({ username: r.principal.name, role: r.principal.role, csrf: s.csrf })
    })

    app.post('/api/auth/sign-out', async (req, reply) => {
      const id = readCookie(req.headers.cookie, SESSION_COOKIE)
      if (id) sessions.delete(id)
      return reply.header('set-cookie', cookie(req, '', 0)).send({ signed_out: true })
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
      const b = z.object({ password: z.string().max(1024) }).safeParse(req.body)
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
