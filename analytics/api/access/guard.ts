// Enforces the route table: every route registered on the server must be in it (else start-up fails),
// and each request is let through only with credentials of an allowed role. 401: no, malformed,
// unknown, revoked or expired credentials, a tampered cookie; 403: a role the route does not allow.
// Credentials, first found wins: Authorization: Bearer, the session cookie, the wall cookie, else the
// open role (demo mode) or 401.
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import { findRule, type Role, type RouteRule } from './route-table'
import type { Principal, TokenStore } from './tokens'
import { CITY_WIDE, type Scope } from '../../scope'
import type { SendScope } from '../../../ingest/validate'
import type { Audit } from './audit'
import type { OneTimeLinks, SessionStore, UserStore } from './users'
import { SESSION_COOKIE, WALL_COOKIE, readSigned } from './cookies'

declare module 'fastify' {
  interface FastifyRequest { principal: Principal | null; /** the session's CSRF token, when signed in by cookie */ csrf: string | null }
  interface FastifyInstance { audit: Audit }
}

export interface AccessOptions {
  tokens: TokenStore
  /** Role of requests without credentials (demo mode: wall over the whole city); null: refused. */
  openRole: Role | null
  audit: Audit
  /** People's sessions (cookie); without it only bearer tokens are accepted. */
  sessions?: SessionStore
  users?: UserStore
  /** Key that signs cookies (derived from the deployment's secret, app.ts). */
  cookieSecret: string
  /** One-time sign-in links (the demo admin's). */
  links?: OneTimeLinks
}

export class RouteNotInTableError extends Error {}

export function installAccess(app: FastifyInstance, o: AccessOptions): void {
  app.decorateRequest('principal', null)
  app.decorateRequest('csrf', null)
  app.decorate('audit', o.audit)
  const open: Principal | null = o.openRole ? { id: 'open', role: o.openRole, name: 'no credentials (AUTH_OPEN_ROLE)', scope: CITY_WIDE, platforms: 'all' } : null
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    const rules = methods.map((m) => {
      const rule = findRule(m, route.url)
      if (!rule) throw new RouteNotInTableError(`route ${m} ${route.url} is not in the access table (analytics/api/access/route-table.ts): add it with the roles it allows`)
      return rule
    })
    if (rules.some((r) => r.allow === 'public')) {
      if (!rules.every((r) => r.allow === 'public')) throw new RouteNotInTableError(`route ${route.url}: its methods mix public and guarded access`)
      return
    }
    const guard = guardFor(rules[0], o.tokens, open, o.audit, o.sessions)
    const prev = route.onRequest
    route.onRequest = prev ? [guard, ...(Array.isArray(prev) ? prev : [prev])] : [guard]
  })
}

function guardFor(rule: RouteRule, tokens: TokenStore, open: Principal | null, audit: Audit, sessions?: SessionStore): onRequestHookHandler {
  const allowed = rule.allow as readonly Role[]
  return async function guard(req: FastifyRequest, reply: FastifyReply) {
    const header = req.headers.authorization
    let principal: Principal
    const session = header || !sessions ? null : readSigned(req, SESSION_COOKIE)
    const wall = header || session ? null : readSigned(req, WALL_COOKIE)
    if (session) {
      // Signed in by cookie: the session must be live, and a state change must carry its CSRF token.
      if ('tampered' in session) return denyTampered(req, reply, audit, rule, 'session')
      const s = sessions!.get(session.value)
      if (!s) return deny(reply, 401, 'session expired or signed out: sign in again')
      if (req.method !== 'GET' && req.method !== 'HEAD' && req.headers['x-csrf-token'] !== s.csrf) {
        void audit.record({ actor: s.principal.id, role: s.principal.role, address: req.ip, action: 'auth.denied', target: `${rule.method} ${rule.path}`, outcome: 'denied', detail: 'csrf' })
        return deny(reply, 403, 'missing or wrong CSRF token (send the x-csrf-token header from sign-in)')
      }
      principal = s.principal
      req.csrf = s.csrf
    } else if (wall) {
      // A wall screen's token, kept in a cookie since the screen was opened with it: checked like a bearer
      // token on every request, so revoking or expiring it takes effect at once.
      if ('tampered' in wall) return denyTampered(req, reply, audit, rule, 'wall')
      const v = await tokens.verify(wall.value)
      if (!v.ok) return deny(reply, 401, `wall cookie: ${v.reason}`)
      principal = v.principal
    } else if (header === undefined || header === '') {
      if (!open) return deny(reply, 401, 'no credentials: send Authorization: Bearer <token> or sign in')
      principal = open
    } else {
      const m = /^Bearer +(\S+)$/i.exec(header)
      if (!m) return deny(reply, 401, 'malformed Authorization header: expected Bearer <token>')
      const v = await tokens.verify(m[1])
      if (!v.ok) {
        void audit.record({ actor: '', role: '', address: req.ip, action: 'auth.denied', target: `${rule.method} ${rule.path}`, outcome: 'denied', detail: v.reason })
        return deny(reply, 401, v.reason)
      }
      principal = v.principal
    }
    const refuse = !allowed.includes(principal.role) ? `role ${principal.role} may not ${rule.method} ${rule.path}`
      : rule.scope === 'city' && principal.scope.counties !== 'all' ? `${rule.path} is computed for the whole city only; this credential is scoped to ${principal.scope.counties.join(', ')}`
      : null
    if (refuse) {
      void audit.record({ actor: principal.id, role: principal.role, address: req.ip, action: 'auth.denied', target: `${rule.method} ${rule.path}`, outcome: 'denied', detail: refuse })
      return deny(reply, 403, refuse)
    }
    if (principal !== open) audit.used({ actor: principal.id, role: principal.role, address: req.ip, target: `${rule.method} ${rule.path}` })
    req.principal = principal
  }
}

function denyTampered(req: FastifyRequest, reply: FastifyReply, audit: Audit, rule: RouteRule, which: string) {
  void audit.record({ actor: '', role: '', address: req.ip, action: 'auth.denied', target: `${rule.method} ${rule.path}`, outcome: 'denied', detail: `tampered ${which} cookie` })
  return deny(reply, 401, `tampered ${which} cookie: its signature does not match (sign in or open the wall link again)`)
}

function deny(reply: FastifyReply, code: 401 | 403, error: string) {
  if (code === 401) reply.header('www-authenticate', 'Bearer')
  return reply.code(code).send({ error: `${code === 401 ? 'unauthorized' : 'forbidden'}: ${error}` })
}

/** The scope of the current request (routes reached only through the guard have a principal). */
export function scopeOf(req: FastifyRequest): Scope {
  return req.principal?.scope ?? { counties: [] }
}

/** What the caller may write on ingest: a source its platforms and counties; everyone else allowed in is unlimited. */
export function sendScopeOf(req: FastifyRequest): SendScope {
  const p = req.principal
  if (!p) return { sender: '', platforms: [], counties: [] }
  return { sender: p.id, platforms: p.role === 'source' ? p.platforms : 'all', counties: p.role === 'source' ? p.scope.counties : 'all' }
}
