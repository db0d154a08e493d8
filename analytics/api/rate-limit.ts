// Request rate limits (@fastify/rate-limit), per minute and per key. The key is the credential when the
// request carries one (a SHA-256 of the bearer token or of the session id: never the secret itself),
// else the client address. Three budgets, each with its own counters:
// - ingest (POST /api/ingest/*): RATE_LIMIT_INGEST_PER_MIN;
// - sign-in: RATE_LIMIT_SIGNIN_PER_MIN per address, and again per account name (in addition to the
//   failed-sign-in limiter in access/auth-routes.ts);
// - every other /api route (reads, admin): RATE_LIMIT_READ_PER_MIN.
// Health, readiness and the dashboard's static files are never limited. A 429 carries Retry-After and
// says which limit was hit. The limits run before the access guard, so a flood is refused before any
// token lookup.
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, preHandlerHookHandler } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import { createHash } from 'node:crypto'
import { SESSION_COOKIE, WALL_COOKIE } from './access/cookies'

export interface RateLimits {
  ingestPerMin: number
  signInPerMin: number
  readPerMin: number
}

export const DEFAULT_RATE_LIMITS: RateLimits = { ingestPerMin: 1200, signInPerMin: 20, readPerMin: 1200 }

const MINUTE = 60_000
const digest = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32)

/** The rate-limit key: a hash of the credential the request carries, else its address. */
export function rateKey(req: FastifyRequest): string {
  const header = req.headers.authorization
  if (header) return `token:${digest(header.replace(/^Bearer +/i, ''))}`
  // Cookies as sent (signed values; @fastify/cookie parsed them before any route hook).
  const sid = req.cookies?.[SESSION_COOKIE] || req.cookies?.[WALL_COOKIE]
  if (sid) return `cookie:${digest(sid)}`
  return `address:${req.ip}`
}

class RateLimited extends Error {
  statusCode = 429
}

const tooMany = (what: string, max: number, per: string) => (_req: FastifyRequest, ctx: { ttl: number }) =>
  new RateLimited(`too many requests: the ${what} limit is ${max} per minute per ${per}; retry after ${Math.max(1, Math.ceil(ctx.ttl / 1000))} s`)

/** Registers the plugin and attaches the limits to routes as they are added: call before any route. */
export async function registerRateLimits(app: FastifyInstance, limits: RateLimits = DEFAULT_RATE_LIMITS): Promise<void> {
  await app.register(rateLimit, { global: false, timeWindow: MINUTE })
  const common = { timeWindow: MINUTE, hook: 'onRequest' as const }
  const ingest = app.rateLimit({
    ...common, max: limits.ingestPerMin, keyGenerator: (req) => `ingest|${rateKey(req)}`,
    errorResponseBuilder: tooMany('ingest', limits.ingestPerMin, 'token or address'),
  })
  const read = app.rateLimit({
    ...common, max: limits.readPerMin, keyGenerator: (req) => `read|${rateKey(req)}`,
    errorResponseBuilder: tooMany('API read', limits.readPerMin, 'token, session or address'),
  })
  const signInAddress = app.rateLimit({
    ...common, max: limits.signInPerMin, keyGenerator: (req) => `sign-in|${req.ip}`,
    errorResponseBuilder: tooMany('sign-in', limits.signInPerMin, 'address'),
  })
  // Per account name: needs the parsed body, so it runs as a preHandler, through createRateLimit (the
  // plugin runs only one of its own hooks per request).
  const accountCheck = app.createRateLimit({ timeWindow: MINUTE, max: limits.signInPerMin, keyGenerator: (req) => `sign-in-account|${accountOf(req)}` })
  const signInAccount: preHandlerHookHandler = async function (req: FastifyRequest, reply: FastifyReply) {
    if (accountOf(req) === null) return
    const r = await accountCheck(req)
    if (r.isAllowed || !r.isExceeded) return
    reply.header('retry-after', String(Math.max(1, r.ttlInSeconds)))
    throw tooMany('sign-in', limits.signInPerMin, 'account')(req, r)
  }

  app.addHook('onRoute', (route) => {
    const url = route.url
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    if (!url.startsWith('/api/')) return // /healthz, /readyz, the dashboard's files
    if (url === '/api/auth/sign-in') {
      prepend(route, 'onRequest', signInAddress)
      append(route, 'preHandler', signInAccount)
    } else if (url.startsWith('/api/ingest/') && methods.includes('POST')) {
      prepend(route, 'onRequest', ingest)
    } else {
      prepend(route, 'onRequest', read)
    }
  })
}

function accountOf(req: FastifyRequest): string | null {
  const name = (req.body as { username?: unknown } | undefined)?.username
  return typeof name === 'string' && name !== '' ? name.slice(0, 64).toLowerCase() : null
}

type Hooked = { onRequest?: onRequestHookHandler | onRequestHookHandler[]; preHandler?: preHandlerHookHandler | preHandlerHookHandler[] }

// Before the access guard (added by access/guard.ts's own onRoute hook): a flood is refused before any token lookup.
function prepend(route: Hooked, hook: 'onRequest', fn: onRequestHookHandler) {
  const prev = route[hook]
  route[hook] = prev ? [fn, ...(Array.isArray(prev) ? prev : [prev])] : [fn]
}

function append(route: Hooked, hook: 'preHandler', fn: preHandlerHookHandler) {
  const prev = route[hook]
  route[hook] = prev ? [...(Array.isArray(prev) ? prev : [prev]), fn] : [fn]
}
