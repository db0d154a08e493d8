// The HTTP server: health, ingest, metrics, quarantine review, and the built dashboard.
import { API_VERSION, openApiDocument } from './openapi'
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'
import fastifyCookie from '@fastify/cookie'
import { existsSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import type { Logger } from 'pino'
import type { Db } from '../clickhouse'
import type { IngestService } from '../../ingest/service'
import { ingestRoutes } from '../../ingest/routes'
import { MetricsQueries } from '../metrics/queries'
import { metricsRoutes } from './metrics-routes'
import { hotspotsRoutes } from './hotspots-routes'
import { itemsRoutes } from './items-routes'
import { exportRoutes } from './export-routes'
import { quarantineRoutes } from './quarantine-routes'
import { registerHardening, publicError } from './hardening'
import { installAccess, sendScopeOf, type AccessOptions } from './access/guard'
import { adminRoutes } from './access/admin-routes'
import { authRoutes } from './access/auth-routes'
import { registerRateLimits, type RateLimits } from './rate-limit'

export interface ServerDeps {
  db: Db
  ingest: IngestService
  metrics: MetricsQueries
  logger: Logger
  maxBodyBytes: number
  metricsCacheMs?: number
  /** A request must arrive whole within this time, and its headers within headersTimeoutMs. */
  requestTimeoutMs?: number
  /** Rows per page of a streamed export. */
  exportPageRows?: number
  headersTimeoutMs?: number
  /** Extra readiness checks (e.g. Redis); each returns null when fine or a reason. */
  readiness?: Record<string, () => Promise<string | null>>
  /** The HOST setting and ALLOWED_HOSTS: requests naming another Host are refused (DNS rebinding). */
  host?: string
  allowedHosts?: string
  /** Access control: every route must be in access/route-table.ts; credentials are checked per request. */
  access: AccessOptions
  /** Requests per minute per credential (else address): ingest, sign-in, other API routes (rate-limit.ts). */
  rateLimits?: RateLimits
}

const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url))

export async function buildServer(d: ServerDeps): Promise<FastifyInstance> {
  // Per-request lines are off: polling dashboards would flood the log; errors are logged where they happen.
  const app = Fastify({
    loggerInstance: d.logger,
    bodyLimit: d.maxBodyBytes,
    logController: new LogController({ disableRequestLogging: true }),
    // Request ids name quarantined lines and log entries durably: they must never repeat, across restarts too.
    genReqId: () => randomUUID(),
    requestTimeout: d.requestTimeoutMs ?? 120_000,
  }) as unknown as FastifyInstance
  app.server.headersTimeout = d.headersTimeoutMs ?? 20_000
  // Node enforces both timeouts on a periodic sweep (30 s by default); sweep often enough to honour them.
  // (Read by Node when the server starts listening; missing from @types/node.)
  ;(app.server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(250, Math.min(30_000, Math.min(d.requestTimeoutMs ?? 120_000, app.server.headersTimeout) / 4))
  app.addHook('onRequest', async (req, reply) => { reply.header('x-request-id', req.id) })
  // Security headers, Host check, no cross-site state changes (hardening.ts): before access control.
  await registerHardening(app, { host: d.host ?? '127.0.0.1', allowedHosts: d.allowedHosts })
  // Signed cookies (sessions, wall screens): parsed before any route's guard runs.
  await app.register(fastifyCookie, { secret: d.access.cookieSecret })
  // Before any route: routes missing from the access table fail start-up; the others get their guard.
  installAccess(app, d.access)
  // After installAccess: each route's limit is put before its guard (a flood is refused before token lookups).
  await registerRateLimits(app, d.rateLimits)

  // Internal errors are logged, not shown: messages can carry query text, stack traces or file paths.
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const { code, message } = publicError(err, d.maxBodyBytes)
    if (code >= 500) req.log.error({ err: err.message, url: req.url }, 'request failed')
    reply.code(code).send({ error: message })
  })

  app.get('/healthz', async () => ({ ok: true }))
  app.get('/readyz', async (_req, reply) => {
    const clickhouse = async () => {
      const ping = await d.db.ping().catch((e: Error) => ({ success: false, error: e }))
      return ping.success ? null : `down: ${'error' in ping ? ping.error?.message : ''}`
    }
    // All checks at once, each bounded: one dependency that hangs must not hold the answer.
    const bounded = (check: () => Promise<string | null>) => {
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<string>((r) => { timer = setTimeout(() => r('no answer within 1.5 s'), 1500) })
      return Promise.race([check().catch((e: Error) => e.message), late]).finally(() => clearTimeout(timer))
    }
    const entries = Object.entries({ clickhouse, ...d.readiness })
    const results = await Promise.all(entries.map(([, check]) => bounded(check)))
    const checks: Record<string, string> = Object.fromEntries(entries.map(([name], i) => [name, results[i] ?? 'ok']))
    const ok = Object.values(checks).every((v) => v === 'ok')
    // Ingest and the dashboard need ClickHouse only: without Redis the process still serves them (jobs
    // paused), so it stays ready (200) and says what is wrong; load balancers keep routing to it.
    const serving = checks.clickhouse === 'ok'
    return reply.code(serving ? 200 : 503).send({ ok, serving, checks, ingested: d.ingest.totals })
  })

  // The API's own description (OpenAPI 3.1, generated from the schemas the routes validate with).
  const apiDoc = openApiDocument(API_VERSION)
  app.get('/api/docs', async () => apiDoc)

  await app.register(ingestRoutes(d.ingest, sendScopeOf))
  await app.register(metricsRoutes(d.metrics, d.metricsCacheMs))
  await app.register(hotspotsRoutes(d.db, d.metricsCacheMs))
  await app.register(itemsRoutes(d.db))
  await app.register(exportRoutes(d.db, d.exportPageRows))

  await app.register(quarantineRoutes(d.db))
  await app.register(adminRoutes(d.access.tokens))
  if (d.access.users && d.access.sessions) await app.register(authRoutes({ users: d.access.users, sessions: d.access.sessions, tokens: d.access.tokens, links: d.access.links }))

  if (existsSync(WEB_DIST)) await app.register(fastifyStatic, { root: WEB_DIST, prefix: '/' })
  else app.get('/', async () => 'dashboard not built: run `npm run build`')

  return app
}
