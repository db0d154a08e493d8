// GET /api/metrics/overview, by-region, series, breakdown (JSON, or CSV with format=csv), definitions,
// dictionary.md and bounces; GET /api/trace/:platform/:id.
import type { FastifyInstance, FastifyReply } from 'fastify'
import { metricsCsv, type CsvRow } from '../metrics/csv'
import { z } from 'zod'
import { DIMENSIONS, Dimension, SeriesBucket } from '../../model/api'
import type { MetricsQueries } from '../metrics/queries'
import { traceMatter } from '../metrics/trace'
import { dictionaryMarkdown } from '../metrics/dictionary'
import { SharedCache } from './shared-cache'
import { parseWindow, parseAsOf } from '../metrics/window'
import { scopeOf } from './access/guard'
import { scopeKey } from '../scope'

export const WindowQuery = z.object({
  from: z.string().optional(),
  to: z.string().optional(),
  bucket: z.enum(['day', 'hour']).default('day'),
  platform: z.enum(['12345', '110']).optional(),
  // The instant limits are judged at; also the default window's end. Explicit → reproducible.
  as_of: z.string().optional(),
  format: z.enum(['json', 'csv']).default('json'),
})

/** Every metric per bucket; an unknown parameter is refused by name. */
export const SeriesQuery = z.object({
  format: z.enum(['json', 'csv']).default('json'),
  bucket: SeriesBucket.default('day'),
  from: z.string().optional(),
  to: z.string().optional(),
  platform: z.enum(['12345', '110']).optional(),
  as_of: z.string().optional(),
}).strict()
const SERIES_MAX_DAYS: Record<SeriesBucket, number> = { hour: 31, day: 400, week: 800, month: 3700, quarter: 3700, year: 3700 }

/** Breakdown by a dimension, with a filter on each; an unknown parameter is refused by name. */
export const BreakdownQuery = z.object({
  format: z.enum(['json', 'csv']).default('json'),
  dim: Dimension,
  from: z.string().optional(),
  to: z.string().optional(),
  platform: z.enum(['12345', '110']).optional(),
  as_of: z.string().optional(),
  county: z.string().regex(/^\d{6}$/, 'a 6-digit county code').optional(),
  town: z.string().regex(/^\d{9}$/, 'a 9-digit town code').optional(),
  unit: z.string().min(1).max(64).optional(),
  category: z.string().min(1).max(32).optional(),
  channel: z.string().min(1).max(16).optional(),
}).strict()

export const TraceParams = z.object({ platform: z.enum(['12345', '110']), id: z.string().min(1).max(64) })
export const BouncesQuery = z.object({ days: z.coerce.number().int().min(1).max(366).default(14) })

// The cache key holds the parsed, known parameters only (in a fixed order): an unknown parameter such
// as `&nocache=N`, or the same parameters in another order, cannot force a new computation.
const windowKey = (route: string, q: z.infer<typeof WindowQuery>) =>
  JSON.stringify([route, q.from ?? null, q.to ?? null, q.bucket, q.platform ?? null, q.as_of ?? null])

export function metricsRoutes(q: MetricsQueries, cacheMs = 2000) {
  const cache = new SharedCache(cacheMs)
  const versions = Object.fromEntries(q.definitions().metrics.map((m) => [m.id, m.version]))
  /** The same answer as CSV (window, as_of and platform on every line; the metric's version beside it). */
  const csv = (reply: FastifyReply, name: string, a: { window: { from: string; to: string }; as_of: string; platform: string | null }, groupCols: string[], rows: CsvRow[]) =>
    reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`)
      .send(metricsCsv({ window_from: a.window.from, window_to: a.window.to, as_of: a.as_of, platform: a.platform ?? '' }, groupCols, rows, versions))
  return async function plugin(app: FastifyInstance) {
    const bad = (msg: string) => ({ error: msg })
    /** A refused query string: each problem with the parameter it is about. */
    const refused = (e: z.ZodError) => bad(e.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '))
    app.get('/api/metrics/overview', async (req, reply) => {
      const p = WindowQuery.safeParse(req.query)
      if (!p.success) return reply.code(400).send(refused(p.error))
      const asOf = parseAsOf(p.data.as_of)
      const w = parseWindow(p.data, asOf, p.data.bucket === 'hour' ? 2 : 14)
      const scope = scopeOf(req)
      const o = await cache.get(`${scopeKey(scope)}|${windowKey('overview', p.data)}`, () => q.overview(w, p.data.bucket, p.data.platform, asOf, scope))
      return p.data.format === 'csv' ? csv(reply, 'overview', o, [], [{ group: {}, metrics: o.metrics }]) : o
    })
    app.get('/api/metrics/by-region', async (req, reply) => {
      const p = WindowQuery.safeParse(req.query)
      if (!p.success) return reply.code(400).send(refused(p.error))
      const asOf = parseAsOf(p.data.as_of)
      const w = parseWindow(p.data, asOf)
      const scope = scopeOf(req)
      const b = await cache.get(`${scopeKey(scope)}|${windowKey('by-region', { ...p.data, bucket: 'day' })}`, () => q.byRegion(w, p.data.platform, asOf, scope))
      return p.data.format === 'csv' ? csv(reply, 'by-region', b, ['county_code', 'name'], b.regions.map((r) => ({ group: { county_code: r.county_code, name: r.name }, metrics: r.metrics }))) : b
    })
    app.get('/api/metrics/breakdown', async (req, reply) => {
      const p = BreakdownQuery.safeParse(req.query)
      if (!p.success) return reply.code(400).send(refused(p.error))
      const asOf = parseAsOf(p.data.as_of)
      const w = parseWindow(p.data, asOf)
      const scope = scopeOf(req)
      const { dim, from: _f, to: _t, platform, as_of: _a, format, ...filters } = p.data
      const key = JSON.stringify(['breakdown', dim, p.data.from ?? null, p.data.to ?? null, platform ?? null, p.data.as_of ?? null, DIMENSIONS.map((d) => filters[d] ?? null)])
      const b = await cache.get(`${scopeKey(scope)}|${key}`, () => q.breakdown(dim, w, filters, platform, asOf, scope))
      return format === 'csv' ? csv(reply, `breakdown-${dim}`, b, [dim, 'name'], b.rows.map((r) => ({ group: { [dim]: r.key, name: r.name }, metrics: r.metrics }))) : b
    })
    app.get('/api/metrics/series', async (req, reply) => {
      const p = SeriesQuery.safeParse(req.query)
      if (!p.success) return reply.code(400).send(refused(p.error))
      const asOf = parseAsOf(p.data.as_of)
      // Multi-year windows by month, quarter or year; hours over a month at most.
      const w = parseWindow(p.data, asOf, 14, SERIES_MAX_DAYS[p.data.bucket])
      const scope = scopeOf(req)
      const key = JSON.stringify(['series', p.data.bucket, p.data.from ?? null, p.data.to ?? null, p.data.platform ?? null, p.data.as_of ?? null])
      const sr = await cache.get(`${scopeKey(scope)}|${key}`, () => q.series(p.data.bucket, w, p.data.platform, asOf, scope))
      return p.data.format === 'csv' ? csv(reply, `series-${sr.bucket}`, sr, ['bucket'], sr.points.map((pt) => ({ group: { bucket: pt.bucket }, metrics: pt.metrics }))) : sr
    })
    app.get('/api/metrics/definitions', async () => q.definitions())
    // The metric dictionary as Markdown, under the settings in force (docs/metric-dictionary.md: the defaults).
    app.get('/api/metrics/dictionary.md', async (_req, reply) =>
      reply.type('text/markdown; charset=utf-8').send(dictionaryMarkdown(q.definitions())))
    app.get('/api/trace/:platform/:id', async (req, reply) => {
      const p = TraceParams.safeParse(req.params)
      if (!p.success) return reply.code(400).send(bad('platform must be 12345 or 110, id a source record id'))
      await app.audit.record({ actor: req.principal?.id ?? '', role: req.principal?.role ?? '', address: req.ip, action: 'trace.read', target: `${p.data.platform}:${p.data.id}`, outcome: 'ok' })
      const t = await traceMatter(q.db, p.data.platform, p.data.id, scopeOf(req), { confidentialText: req.principal?.role === 'admin' })
      return t.records.length || t.events.length ? t : reply.code(404).send(bad(`no record ${p.data.platform}:${p.data.id}`))
    })
    app.get('/api/metrics/bounces', async (req, reply) => {
      const p = BouncesQuery.safeParse(req.query)
      if (!p.success) return reply.code(400).send(bad('days: an integer 1..366'))
      return cache.get(JSON.stringify(['bounces', p.data.days]), () => q.bounces(p.data.days))
    })
  }
}
